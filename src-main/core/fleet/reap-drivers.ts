// Which drivers may end what an attempt left on its host (an owed reap), in the order they are
// tried: the driver of the worker it ran on; then a kept worker's, built with its sealed key; then
// whatever the ref alone gets. Each is found only when the one before could not end the work, once
// per attempt (a kept worker's key is unsealed once, not on every retry), and held until `release`
// (the reap loop's end), so it stays open while it ends the work even if its worker leaves meanwhile.
import type { FleetWorkerSpec } from '../../../src-shared/protocol/fleet';
import type { DriverPool, DriverUse } from '../hosts/driver-pool';
import type { HostDriver } from '../hosts/host-driver';
import type { HostRef } from '../hosts/host-ref';
import type { KeptForEngine } from '../hosts/worker-registry';
import type { OwedReap } from './fleet-store';

export interface ReapDriverSources {
  drivers: DriverPool;
  /** The driver of a worker in the engine (a run's own, or shared with `runId` null); undefined when
   *  there is no such worker, null when it has no driver. */
  engineWorker(runId: string | null, workerId: string): HostDriver | null | undefined;
  /** The worker spec a run stored (a finished run's workers have left, but its spec still says how
   *  to log in there). */
  storedWorkerSpec(runId: string, workerId: string): FleetWorkerSpec | null;
  keptWorkerFor?: (ref: HostRef, workerId: string) => KeptForEngine | null;
  log: (message: string) => void;
}

export function reapDrivers(o: OwedReap, src: ReapDriverSources): { drivers: Array<() => HostDriver | null>; release(): void } {
  const ref = o.hostRef;
  const uses: DriverUse[] = [];
  const held = (find: () => DriverUse | null): (() => HostDriver | null) => {
    let found: DriverUse | null | undefined;
    return () => {
      if (found === undefined) {
        found = find();
        if (found) uses.push(found);
      }
      return found?.driver ?? null;
    };
  };
  return {
    drivers: [held(() => workerDriver(o.runId, o.workerId, ref.kind, src)), held(() => keptDriverFor(ref, o.workerId, src)), held(() => src.drivers.useForRef(ref))],
    release: () => {
      for (const u of uses.splice(0)) u.release();
    },
  };
}

/** A use of the driver of the worker an attempt ran on, if of that kind: its run's own (in the
 *  engine, or made from the worker spec the run stored), else a shared one. */
function workerDriver(runId: string, workerId: string, kind: string, src: ReapDriverSources): DriverUse | null {
  const own = src.engineWorker(runId, workerId);
  if (own !== undefined) return own && own.kind === kind ? src.drivers.share(own) : null;
  const stored = src.storedWorkerSpec(runId, workerId);
  if (stored) {
    if (stored.host.kind !== kind) return null;
    try {
      return src.drivers.acquire(stored.host, { workerName: stored.name || stored.id });
    } catch {
      return null;
    }
  }
  const shared = src.engineWorker(null, workerId);
  return shared && shared.kind === kind ? src.drivers.share(shared) : null;
}

/** A use of the driver of the kept worker that reaches `ref`, built with its unsealed key and
 *  pinned host key (pooled like every driver). Null when none matches or it is unusable. */
function keptDriverFor(ref: HostRef, workerId: string, src: ReapDriverSources): DriverUse | null {
  if (ref.kind !== 'ssh' && ref.kind !== 'docker') return null;
  try {
    const kept = src.keptWorkerFor?.(ref, workerId);
    return kept ? src.drivers.acquire(kept.spec.host, { workerName: kept.spec.name || kept.spec.id, ...kept.ctx }) : null;
  } catch (e) {
    src.log(`[shoal] ${(e as Error).message}`); // names the worker, never its key
    return null;
  }
}
