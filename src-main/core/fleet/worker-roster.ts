// Who is in the engine: this computer's default worker, the kept workers the registry syncs in
// (kept-worker-sync.ts), and each active run's own workers (its worker_specs), keyed by (pool, id).
// A worker joins with its host attached (worker-hosts.ts) and its row registered; one that leaves (a
// kept worker removed, a run over) takes nothing new, and goes once what it runs has ended. Those
// that run nothing get their signs of life from the roster's idle heartbeats (idle-heartbeats.ts).
import type { FleetWorkerSpec } from '../../../src-shared/protocol/fleet';
import type { EventBus } from '../bus';
import type { HostUsage } from '../hosts/host-driver';
import { taskKey } from './ids';
import type { AttemptHandle } from './run-attempt';
import { takesWork, workerKey, type Worker } from './engine-worker';
import { IdleHeartbeats } from './idle-heartbeats';
import type { HostLogin, WorkerHosts } from './worker-hosts';
import { REMOVED_FROM_KEPT as REMOVED } from './worker-reasons';
import type { WorkerRows } from './worker-rows';

export interface WorkerRosterDeps {
  hosts: WorkerHosts;
  rows: WorkerRows;
  bus: EventBus | null;
  /** Concurrent tasks of a worker whose spec does not say. */
  maxWorkers: number;
  /** Whether the engine stopped: from then on no worker gets a heartbeat. */
  stopped(): boolean;
  /** Whether the store may still be written. */
  storeOpen(): boolean;
}

export class WorkerRoster {
  private readonly workers = new Map<string, Worker>();

  constructor(private readonly deps: WorkerRosterDeps) {}

  /** The workers in the engine now, by workerKey(pool, id). */
  get all(): ReadonlyMap<string, Worker> {
    return this.workers;
  }

  /** The worker `spec` names joins `pool` (null: shared), replacing one of that key. */
  add(spec: FleetWorkerSpec, pool: string | null, login: HostLogin = {}): void {
    const max = spec.max_concurrent_tasks === undefined || spec.max_concurrent_tasks === null ? this.deps.maxWorkers : Math.max(1, Number(spec.max_concurrent_tasks));
    const key = workerKey(pool, spec.id);
    const worker = this.deps.hosts.join(spec, pool, max, this.workers.get(key), login);
    this.workers.set(key, worker);
    this.deps.rows.register(spec, max, worker.driver && !worker.watch ? 'online' : worker.driver ? 'unknown' : 'unhealthy');
    this.deps.rows.setReason(spec.id, worker.unusable);
    if (worker.unusable) console.error(`[shoal] ${worker.unusable}`);
    this.deps.bus?.invalidate('workers');
  }

  /** A kept worker the person removed leaves once what it runs has ended (FleetEngine.removeSharedWorker). */
  removeShared(id: string): void {
    const w = this.workers.get(workerKey(null, id));
    if (!w) return;
    w.leaving = 'removed';
    // While it finishes, the Workers view says why it takes nothing new.
    if (!this.forgetIfLeft(w)) this.deps.rows.setReason(id, REMOVED);
    this.deps.bus?.invalidate('workers');
  }

  /** A leaving worker with nothing left running leaves the engine, and lets go of its driver (closed
   *  once no attempt or other worker uses it); true when it did. */
  forgetIfLeft(w: Worker): boolean {
    const key = workerKey(w.pool, w.id);
    if (!w.leaving || w.running.size > 0 || this.workers.get(key) !== w) return false;
    this.workers.delete(key);
    this.deps.hosts.leave(w);
    if (w.leaving === 'removed') this.deps.rows.mark(w.id, 'offline', REMOVED);
    // A run's worker shares its row with any other run's worker of that id: offline only when none is left.
    else if (![...this.workers.values()].some((o) => o.id === w.id)) this.deps.rows.mark(w.id, 'offline', null);
    return true;
  }

  /** A run ended: its own workers take nothing more and leave once their attempts have ended. */
  leavePool(runId: string): void {
    for (const w of [...this.workers.values()]) {
      if (w.pool !== runId) continue;
      w.leaving = 'run-ended';
      this.forgetIfLeft(w);
    }
    this.deps.bus?.invalidate('workers');
  }

  /** The pool a run's workers are in: its own when it has any here, else the shared one. */
  poolOfRun(runId: string): string | null {
    return [...this.workers.values()].some((w) => w.pool === runId) ? runId : null;
  }

  findHandle(runId: string, taskId: string): AttemptHandle | undefined {
    const key = taskKey(runId, taskId);
    for (const w of this.workers.values()) {
      const h = w.running.get(key);
      if (h) return h;
    }
    return undefined;
  }

  /** Whether this engine runs that attempt now (from its lease until its outcome is recorded). */
  runsHere(runId: string, taskId: string, attempt: number): boolean {
    const key = taskKey(runId, taskId);
    for (const w of this.workers.values()) if (w.running.get(key)?.lease.attempt === attempt) return true;
    return false;
  }

  runningCount(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.running.size;
    return n;
  }

  /** Heartbeats of the workers that run nothing (idle-heartbeats.ts); the engine starts them. */
  idleHeartbeats(everyMs: number): IdleHeartbeats<Worker> {
    return new IdleHeartbeats<Worker>({
      everyMs,
      idle: () => [...this.workers.values()].filter((w) => this.idleAndUp(w)).map((w) => ({ worker: w, driver: w.watch ? w.driver : null })),
      stillIdle: (w) => this.idleAndUp(w) && this.workers.get(workerKey(w.pool, w.id)) === w,
      alive: (ws, usage) => this.markAlive(ws, usage),
      // Silence from a host the watch still calls up: it goes down with that cause (no heartbeat),
      // and is probed again with backoff, as when an attempt there loses it.
      silent: (ws, cause) => {
        for (const w of ws) w.watch?.down(cause);
      },
    });
  }

  /** Runs nothing and is usable: its running attempts heartbeat for a busy worker, and a host that is
   *  down (or not probed yet) must keep its last heartbeat. */
  private idleAndUp(w: Worker): boolean {
    return !this.deps.stopped() && w.running.size === 0 && takesWork(w);
  }

  /** Idle workers' signs of life (idle-heartbeats.ts): one write per worker row, one refresh. */
  private markAlive(workers: readonly Worker[], usage: HostUsage | null): void {
    if (this.deps.stopped() || !this.deps.storeOpen()) return;
    this.deps.rows.alive(new Set(workers.map((w) => w.id)), usage);
    this.deps.bus?.invalidate('workers');
  }
}
