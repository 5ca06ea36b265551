// Read model of the reaps Shoal owes (the Workers view's "Still to stop on hosts", `shoal workers
// owed`): work a host started for an attempt that was never seen to end, whose lease is gone. The
// same attempts FleetStore.owedReaps() hands the reap loops, with what a person needs to take one
// over: where it runs, since when it is owed, and how the tries went.
import type { OwedReapRow } from '../../../src-shared/contract';
import type { AttemptKey } from '../fleet/fleet-store';
import { describeHostRef, type HostRef } from '../hosts/host-ref';
import { leaseHeldSql, storedHostRef } from '../fleet/attempt-work';
import type { Store } from '../store/open';

interface Row {
  run_id: string; run_name: string | null; task_id: string; task_name: string | null; attempt: number; worker_id: string; worker_name: string | null;
  host_ref: string | null; pid: number | null; pid_start: string | null; started_at: string; ended_at: string | null;
  reap_error: string | null; reap_tried_at: string | null; reap_tries: number;
}

/** An owed reap as the store has it; which kept worker ends it is the registry's to say. */
export type StoredOwedReap = Omit<OwedReapRow, 'keptWorker'>;

/** What an attempt named by a person is, as far as owed reaps go. */
export type OwedLookup =
  | { kind: 'owed'; row: StoredOwedReap; hostRef: HostRef }
  | { kind: 'no-run' } | { kind: 'no-task' } | { kind: 'no-attempt' }
  /** Its work was seen to end (or a person already took it over): nothing is owed. */
  | { kind: 'not-owed' }
  /** It still holds its lease: it runs (or recovery is ending it), it is not owed yet. */
  | { kind: 'running' };

// The lease test is FleetStore's owedReaps statement's: a marked attempt whose lease is gone.
const LEASE_HELD = leaseHeldSql('a');
const COLUMNS = `a.run_id, r.name AS run_name, a.task_id, t.name AS task_name, a.attempt, a.worker_id, w.name AS worker_name,
  a.host_ref, a.pid, a.pid_start, a.started_at, a.ended_at, a.reap_error, a.reap_tried_at, a.reap_tries`;
const FROM = `FROM attempts a LEFT JOIN runs r ON r.id = a.run_id LEFT JOIN tasks t ON t.run_id = a.run_id AND t.task_id = a.task_id
  LEFT JOIN workers w ON w.id = a.worker_id`;

function toRow(r: Row, ref: HostRef): StoredOwedReap {
  return {
    runId: r.run_id, runName: r.run_name, taskId: r.task_id, taskName: r.task_name, attempt: r.attempt, workerId: r.worker_id, workerName: r.worker_name,
    work: describeHostRef(ref), hostKind: ref.kind, since: r.ended_at ?? r.started_at,
    lastError: r.reap_error, lastTriedAt: r.reap_tried_at, tries: r.reap_tries,
  };
}

export class OwedReapsView {
  private readonly listStmt;
  private readonly oneStmt;
  private readonly runStmt;
  private readonly taskStmt;

  constructor(store: Store) {
    const db = store.db;
    // Through the partial index on reap_pending: a handful of rows, never every attempt.
    this.listStmt = db.prepare<[], Row>(
      `SELECT ${COLUMNS} ${FROM} WHERE a.reap_pending = 1 AND NOT ${LEASE_HELD} ORDER BY COALESCE(a.ended_at, a.started_at), a.run_id, a.task_id, a.attempt`);
    this.oneStmt = db.prepare<[string, string, number], Row & { reap_pending: number; leased: number }>(
      `SELECT ${COLUMNS}, a.reap_pending, ${LEASE_HELD} AS leased ${FROM} WHERE a.run_id = ? AND a.task_id = ? AND a.attempt = ?`);
    this.runStmt = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM runs WHERE id = ?');
    this.taskStmt = db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM tasks WHERE run_id = ? AND task_id = ?');
  }

  /** Oldest first. A ref this version cannot read is left out, as the reap loops leave it. */
  list(): Array<StoredOwedReap & { hostRef: HostRef }> {
    const rows: Array<StoredOwedReap & { hostRef: HostRef }> = [];
    for (const r of this.listStmt.all()) {
      const ref = storedHostRef(r);
      if (ref) rows.push({ ...toRow(r, ref), hostRef: ref });
    }
    return rows;
  }

  lookup(a: AttemptKey): OwedLookup {
    const r = this.oneStmt.get(a.runId, a.taskId, a.attempt);
    if (!r) {
      if (!this.runStmt.get(a.runId)) return { kind: 'no-run' };
      return this.taskStmt.get(a.runId, a.taskId) ? { kind: 'no-attempt' } : { kind: 'no-task' };
    }
    const ref = storedHostRef(r);
    if (r.reap_pending !== 1 || !ref) return { kind: 'not-owed' };
    if (r.leased) return { kind: 'running' };
    return { kind: 'owed', row: toRow(r, ref), hostRef: ref };
  }
}
