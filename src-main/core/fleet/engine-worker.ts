// One worker as the fleet engine holds it: what it may take, what it runs now, and its host (the
// driver its attempts run through, and for a remote host the watch on whether it can be reached).
import type { FleetWorkerSpec } from '../../../src-shared/protocol/fleet';
import type { AttemptHandle } from './run-attempt';
import type { DriverUse } from '../hosts/driver-pool';
import type { HostDriver } from '../hosts/host-driver';
import type { HostWatch } from '../hosts/host-watch';
import type { WorkerIdentity } from './fleet-store';

export interface Worker extends WorkerIdentity {
  name: string;
  status?: 'online' | 'busy';
  max: number;
  running: Map<string, AttemptHandle>;
  spec: FleetWorkerSpec;
  /** Where its attempts run; null when its host cannot be used (then `unusable` says why). */
  driver: HostDriver | null;
  /** Its hold on that pooled driver, released when it leaves the engine (or is replaced). */
  driverUse: DriverUse | null;
  unusable: string | null;
  /** A remote host's reachability (null for this computer, which is always there). */
  watch: HostWatch | null;
  /** Why it takes no new work and leaves once what it runs ended: a kept worker the person
   *  removed, or a worker of a run's own worker_specs whose run is over. */
  leaving?: 'removed' | 'run-ended';
}

/** Workers are keyed by (pool, id): two runs may both declare a worker `w1`, and each keeps its own. */
export function workerKey(pool: string | null | undefined, id: string): string {
  return pool ? `${pool}\u0000${id}` : id;
}

/** A worker leases work only when its host kind runs here and (when remote) its host answered. */
export function takesWork(w: Worker): boolean {
  return w.driver !== null && !w.leaving && (w.watch === null || w.watch.up);
}
