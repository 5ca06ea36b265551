// Work attempts left behind, and how the engine ends it: the agents of a crashed Shoal (recover), the
// reaps owed for work no one saw end (owed-reaps.ts, with its drivers found by reap-drivers.ts), a
// remote host cleared of both before it is called usable, and the partial work of reclaimed attempts
// kept in the background. Nothing runs twice: a task goes back to the queue only once its work ended.
import type { EventBus } from '../bus';
import type { HostDriver } from '../hosts/host-driver';
import { describeHostRef } from '../hosts/host-ref';
import type { Store } from '../store/open';
import type { FleetStore } from './fleet-store';
import { keepReclaimedWork, type LostAttempt } from './keep-partial';
import { OwedReaps } from './owed-reaps';
import { isAlive } from './process-tree';
import { reapDrivers, type ReapDriverSources } from './reap-drivers';

export interface LeftWorkDeps {
  store: Store;
  fleet: FleetStore;
  bus: EventBus | null;
  killGraceMs: number;
  /** Where the drivers that end an owed reap are found, less the log (reap-drivers.ts). */
  sources: Omit<ReapDriverSources, 'log'>;
  /** Whether the engine runs that attempt now (from its lease until its outcome is recorded). */
  runsHere(runId: string, taskId: string, attempt: number): boolean;
  /** This store's identity (store-identity.ts), marked on the work remote hosts start. */
  storeId(): string;
  stopped(): boolean;
  /** Places work again: a task was put back. */
  kick(): void;
}

export class LeftWork {
  /** Work that was not seen to end (orphans of a crash, attempts cut off from their host), ended in
   *  the background until it is; recorded in the store, so also across restarts. */
  readonly owed: OwedReaps;
  private readonly reaping = new Set<Promise<void>>();

  constructor(private readonly deps: LeftWorkDeps) {
    this.owed = new OwedReaps({ fleet: deps.fleet, candidates: (o) => reapDrivers(o, this.reapSources()), storeOpen: () => deps.store.db.open, log: (m) => console.error(m),
      changed: () => deps.store.db.open && deps.bus?.invalidate('workers') });
  }

  /** After a crash: end the agents whose owning Shoal process is gone, wherever they run, through
   *  their host's driver, and only then put their tasks back: nothing runs twice. Local ones are
   *  ended at once; a remote host's are ended as soon as it answers. Each keeps its reap marker
   *  until then, so a host that answers only after the task was reclaimed (and this Shoal stopped)
   *  still gets its orphan ended by a later start (owed-reaps.ts). */
  recover(): number {
    const { store, fleet, bus } = this.deps;
    const orphans = fleet.orphanedAttempts(isAlive);
    for (const o of orphans) {
      const ref = o.hostRef;
      // A remote agent's attempt did not die with this process: the agent reconnects and carries on
      // under its lease, or the reaper reclaims the task when the lease deadline passes.
      if (ref?.kind === 'agent') continue;
      if (!ref) {
        fleet.recoverAttempt(o);
        continue;
      }
      this.owed.ensure({ ...o, hostRef: ref }, {
        firstFailure: (e) => `[shoal] could not end ${describeHostRef(ref)} of ${o.runId}/${o.taskId}: ${e.message}; Shoal keeps trying (also after a restart); the task is not put back beside it, but reclaimed when its lease runs out`,
        ended: async () => {
          // Its worktree outlived it: what it had done becomes its partial branch first, so a
          // retry that resumes from partial work finds it.
          if (ref.kind === 'local') await keepReclaimedWork(store, fleet, o, o.workdir).catch(() => undefined);
          if (!store.db.open) return;
          // Fenced: a lease the reaper reclaimed while the host did not answer stays as it recorded
          // it. Either way the reap marker goes with it.
          fleet.recoverAttempt(o);
          bus?.invalidate('runs', 'tasks');
          this.deps.kick();
        },
      });
    }
    if (orphans.length > 0) bus?.invalidate('runs', 'tasks');
    return orphans.length;
  }

  /** Before a remote worker's host is called usable (its first probe, at this engine's start or when
   *  the worker is added, and every time it comes back): the reaps owed there are made, then this
   *  store's marked work there that no stored ref names and no attempt running now owns is ended
   *  (work its host started while a Shoal crashed or lost the connection before it stored the ref).
   *  Null once nothing stands in the way, else why not. */
  async clearHost(driver: HostDriver): Promise<string | null> {
    const owed = await this.owed.endOn(driver);
    if (owed !== null || !driver.endUnrecorded || this.deps.stopped() || !this.deps.store.db.open) return owed;
    return driver.endUnrecorded({
      storeId: this.deps.storeId(), killGraceMs: this.deps.killGraceMs,
      spare: (runId, taskId, attempt) => this.deps.runsHere(runId, taskId, attempt) || this.deps.fleet.heldElsewhere({ runId, taskId, attempt }, isAlive),
    });
  }

  /** Another worker's attempt reclaimed (a remote agent gone silent): what it had sent is kept and
   *  shown, in the background. */
  keepReclaimed(a: LostAttempt): void {
    const kept = keepReclaimedWork(this.deps.store, this.deps.fleet, a).catch((e: unknown) => console.error(`[shoal] could not keep partial work: ${(e as Error).message}`));
    this.reaping.add(kept);
    void kept.finally(() => this.reaping.delete(kept));
  }

  /** At shutdown: what is not ended yet stays owed, for the next start; partial work being kept is
   *  waited for. */
  async close(): Promise<void> {
    await this.owed.close();
    await Promise.all(this.reaping);
  }

  /** Where the drivers that end an owed reap are found (reap-drivers.ts); asked once per reap loop. */
  private reapSources(): ReapDriverSources {
    return { ...this.deps.sources, log: (m) => console.error(m) };
  }
}
