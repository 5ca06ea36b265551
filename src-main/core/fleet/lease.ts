// A lease: the right to run one attempt of one task. Every state change a worker makes carries it,
// and the store applies the change only while the lease is still the task's current one.
export interface Lease {
  runId: string;
  taskId: string;
  attempt: number;
  token: string;
  /** The task's place in the store (its tasks rowid). On the wire as `inbox_seq`, which remote agents
   *  echo back; fenced writes need only run, task, attempt and token. */
  queueSeq: number;
  workerId: string;
  /** The worker's pool: null for the shared workers, else the run whose own worker_specs it is. */
  pool?: string | null;
  deadline: number;
  /** When the lease was granted (ms), for spawn-latency measurements. */
  grantedAt: number;
}

/** A write from a lease that was revoked, expired and re-granted, or belongs to a finished task. */
export class LeaseLostError extends Error {
  constructor(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt'>) {
    super(`lease lost: ${lease.runId}/${lease.taskId} attempt ${lease.attempt} is no longer held`);
    this.name = 'LeaseLostError';
  }
}
