// What a person can do about a reap Shoal owes (the Workers view, `shoal workers retry-reap|forget`):
// Retry now — the attempt's loop tries at once (or, where no loop runs, one try here); Forget — the
// person takes it over: Shoal clears the marker and stops trying, for good. If the work still runs on
// its host, ending it is then theirs to do; the audit log says who forgot which, and when.
import { ShoalError, type OwedReapRow } from '../../../src-shared/contract';
import type { AuditLog } from '../approvals/audit-log';
import type { WorkerRegistry } from '../hosts/worker-registry';
import type { OwedReapsView, StoredOwedReap } from '../views/owed-reaps-view';
import type { HostRef } from '../hosts/host-ref';
import type { AttemptKey, FleetStore } from './fleet-store';
import type { RetryOutcome } from './owed-reaps';
import type { FleetEngine } from './engine';

export interface OwedReapActionsDeps {
  view: OwedReapsView;
  /** The kept workers, to say which one's login ends each reap. */
  kept: Pick<WorkerRegistry, 'list' | 'reaching'>;
  fleet: FleetStore;
  audit: AuditLog;
  engine: Pick<FleetEngine, 'retryOwedReap' | 'stopOwedReap'>;
  log: (message: string) => void;
  /** The owed reaps changed (for the Workers view). */
  changed: () => void;
}

/** What Forget means, said wherever a person can forget one. */
export const FORGET_MEANS = 'Shoal stops trying to end it; if it still runs on that host, end it yourself.';

function named(a: AttemptKey): string {
  return `${a.runId}/${a.taskId} (attempt ${a.attempt})`;
}

export class OwedReapActions {
  constructor(private readonly deps: OwedReapActionsDeps) {}

  list(): OwedReapRow[] {
    const kept = this.deps.kept.list();
    return this.deps.view.list().map(({ hostRef, ...row }) => this.withKept(row, hostRef, kept));
  }

  private withKept(row: StoredOwedReap, hostRef: HostRef, kept = this.deps.kept.list()): OwedReapRow {
    return { ...row, keptWorker: this.deps.kept.reaching(hostRef, row.workerId, kept)?.name ?? null };
  }

  /** The owed reap `a` names, or an error naming the field that is wrong and why. */
  find(a: AttemptKey): { row: OwedReapRow; hostRef: HostRef } {
    const found = this.deps.view.lookup(a);
    switch (found.kind) {
      case 'owed': return { row: this.withKept(found.row, found.hostRef), hostRef: found.hostRef };
      case 'no-run': throw new ShoalError('not_found', `run: no run "${a.runId}"`);
      case 'no-task': throw new ShoalError('not_found', `task: run ${a.runId} has no task "${a.taskId}"`);
      case 'no-attempt': throw new ShoalError('not_found', `attempt: task ${a.runId}/${a.taskId} has no attempt ${a.attempt}`);
      case 'not-owed': throw new ShoalError('conflict', `attempt: ${named(a)} is not owed a reap: its work was seen to end, or someone already forgot it`);
      case 'running': throw new ShoalError('conflict', `attempt: ${named(a)} is not owed a reap: it still holds its lease (it runs, or recovery is ending it)`);
    }
  }

  /** Tries to end it now (see FleetEngine.retryOwedReap). */
  async retry(a: AttemptKey): Promise<RetryOutcome> {
    const { row, hostRef } = this.find(a);
    return this.deps.engine.retryOwedReap({ runId: row.runId, taskId: row.taskId, attempt: row.attempt, workerId: row.workerId, hostRef });
  }

  /** The person takes it over: the marker goes (with an audit entry, in one transaction) and the
   *  loop stops — here now; in another process that runs loops, when it sees the write (and at the
   *  latest before its next try). Returns what was forgotten. */
  forget(a: AttemptKey, actor: string): OwedReapRow {
    const { row } = this.find(a);
    const forgotten = this.deps.audit.transaction(() => {
      if (!this.deps.fleet.forgetReap(row)) return false; // ended (or forgotten) since the look above
      this.deps.audit.append({
        actor, action: 'reap.forgotten', subject: `${row.runId}/${row.taskId}#${row.attempt}`,
        detail: { work: row.work, worker: row.workerName ?? row.workerId, owedSince: row.since, tries: row.tries, lastError: row.lastError },
      });
      return true;
    });
    if (!forgotten) {
      this.find(a); // says why it no longer is
      throw new ShoalError('conflict', `attempt: ${named(a)} is not owed a reap any more`);
    }
    this.deps.engine.stopOwedReap(row);
    this.deps.log(`[shoal] ${actor} took over ending ${row.work} of ${named(row)}: ${FORGET_MEANS}`);
    this.deps.changed();
    return row;
  }
}
