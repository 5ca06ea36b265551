// The engine's executor: one leased attempt, run by the attempt supervisor on the host its worker
// names (this computer unless the engine hands a driver). Kept as the stable entry point the engine
// and benchmarks plug into; the lifecycle itself lives in hosts/attempt-supervisor.ts.
import { superviseAttempt, type AttemptHandle, type AttemptStoreOps, type StopReason, type SupervisorDeps } from '../hosts/attempt-supervisor';
import type { HostDriver } from '../hosts/host-driver';
import { LocalDriver } from '../hosts/local-driver';
import type { AttemptOutcome, FleetStore } from './fleet-store';
import type { Lease } from './lease';

/** The supervisor's dependencies, with the store's operations taken from the fleet store and the
 *  host defaulting to this computer. */
export type AttemptDeps = Omit<SupervisorDeps, 'ops' | 'driver'> & {
  fleet: FleetStore;
  /** Where the outcome is recorded: the engine's group commit. Without it (an executor used on its
   *  own) the store records it directly. */
  complete?: (lease: Lease, outcome: AttemptOutcome) => Promise<void>;
  /** Where the agent runs (default: this computer). */
  driver?: HostDriver;
};

export type { AttemptHandle, StopReason };

const localDriver = new LocalDriver();

export function startAttempt(lease: Lease, deps: AttemptDeps): AttemptHandle {
  const { fleet } = deps;
  const ops: AttemptStoreOps = {
    taskSpec: (runId, taskId) => fleet.taskSpec(runId, taskId),
    markStarting: (l, dir, branch) => fleet.markStarting(l, dir, branch),
    markRunningOn: (l, ref) => fleet.markRunningOn(l, ref),
    progress: (l, payloads) => fleet.progress(l, payloads),
    renew: (l, now, ms) => fleet.renew(l, now, ms),
    complete: deps.complete ?? (async (l, outcome) => fleet.finish(l, outcome)),
    workEnded: (l) => fleet.workEnded(l),
    workLeftOn: (l, ref) => fleet.workLeftOn(l, ref),
  };
  return superviseAttempt(lease, { ...deps, ops, driver: deps.driver ?? localDriver });
}
