// A person's say over whether a worker takes work: drained (it takes no new lease, what it runs
// finishes), retired (out of service for good, only when idle) and resumed. The status is the
// store's, so it holds for every process on the store and across restarts; heartbeats and probes
// keep it (worker-status-sql.ts). Leasing skips such workers (WorkerRows.outOfService).
import type { FleetWorkerStatus } from '../../../src-shared/protocol/fleet';
import type { EventBus } from '../bus';
import type { Worker } from './engine-worker';
import type { WorkerRows } from './worker-rows';

export interface ServiceStatusDeps {
  rows: WorkerRows;
  bus: EventBus | null;
  /** The workers in the engine now, by workerKey(pool, id). */
  workers(): ReadonlyMap<string, Worker>;
}

export class ServiceStatus {
  constructor(private readonly deps: ServiceStatusDeps) {}

  /** A draining worker takes no new leases; the tasks it runs finish. */
  drain(workerId: string): boolean {
    return this.change(workerId, ['online', 'busy', 'unknown', 'unhealthy', 'offline'], 'draining');
  }

  /** Back in service after a drain or a retirement. */
  resume(workerId: string): boolean {
    return this.change(workerId, ['draining', 'retired'], this.runningOn(workerId) > 0 ? 'busy' : 'online');
  }

  /** Out of service for good (until resumed); only an idle worker can retire. */
  retire(workerId: string): boolean | 'busy' {
    if (this.runningOn(workerId) > 0) return 'busy';
    return this.change(workerId, ['online', 'busy', 'unknown', 'unhealthy', 'offline', 'draining'], 'retired');
  }

  private runningOn(workerId: string): number {
    return Math.max(this.deps.workers().get(workerId)?.running.size ?? 0, this.deps.rows.leasedBy(workerId));
  }

  private change(workerId: string, from: readonly FleetWorkerStatus[], to: FleetWorkerStatus): boolean {
    const status = this.deps.rows.status(workerId);
    if (status === undefined || !from.includes(status)) return false;
    this.deps.rows.setStatus(workerId, to);
    const worker = this.deps.workers().get(workerId);
    if (worker) worker.status = undefined; // the store now says; the next lease or finish re-marks busy/online
    this.deps.bus?.invalidate('workers');
    return true;
  }
}
