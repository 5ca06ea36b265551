// A worker row's typed state for the Workers view, from its stored status and what else the store
// says about it: whether a person keeps it, whether it is this computer or a remote agent, whether
// an active run declares it. The stored status alone cannot tell a removed kept worker or a run's
// worker whose run ended from a kept worker whose Shoal merely stopped: all three read `offline`.
import type { WorkerState } from '../../../src-shared/contract';
import { REMOVED_FROM_KEPT } from '../fleet/worker-reasons';

export interface WorkerFacts {
  status: string;
  statusReason: string | null;
  /** This computer, a kept worker (in the registry) or a remote agent: it outlives any run. */
  standing: boolean;
  /** A run that has not ended declares it in its worker_specs. */
  inActiveRun: boolean;
}

export function workerState(w: WorkerFacts): WorkerState {
  // A kept worker the person removed (its reason says so, and the registry no longer has it): it
  // may still finish what it runs, but it takes nothing new and is gone once that ends.
  if (!w.standing && !w.inActiveRun && w.statusReason === REMOVED_FROM_KEPT) return 'removed';
  // A run's own worker outside any active run: its run is over, whatever status it was left in.
  if (!w.standing && !w.inActiveRun) return 'run-ended';
  switch (w.status) {
    case 'online': return 'online';
    case 'busy': return 'busy';
    case 'unhealthy': return 'down';
    case 'draining': return 'draining';
    case 'retired': return 'retired';
    case 'offline': return 'offline';
    default: return 'checking'; // `unknown`: added, its host not answered yet
  }
}

