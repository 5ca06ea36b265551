// The jobs table, as the reference implementation's StateStore list_jobs / upsert_job. A row whose status column is not
// one we know (written by a newer Shoal, or damaged) loads as failed rather than being dropped, so
// the person still sees it.
import type { Store } from '../store/open';
import type { JobStateRecord, JobStateStatus } from './job-manager';

const STATE_STATUSES: readonly string[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

interface Row { id: string; name: string; status: string; progress: number; detail: string | null; created_at: number; updated_at: number }

export class JobStore {
  private readonly listStmt;
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly deleteDoneBeforeStmt;

  constructor(store: Store) {
    const db = store.db;
    this.listStmt = db.prepare<[number], Row>('SELECT id, name, status, progress, detail, created_at, updated_at FROM jobs ORDER BY updated_at DESC LIMIT ?');
    this.upsertStmt = db.prepare<[string, string, string, number, string | null, number, number]>(
      `INSERT INTO jobs (id, name, status, progress, detail, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, status = excluded.status, progress = excluded.progress,
         detail = excluded.detail, updated_at = excluded.updated_at`);
    this.deleteStmt = db.prepare<[string]>('DELETE FROM jobs WHERE id = ?');
    this.deleteDoneBeforeStmt = db.prepare<[number]>(`DELETE FROM jobs WHERE status IN ('completed', 'cancelled') AND updated_at < ?`);
  }

  /** Deletes every completed or cancelled job last updated before `cutoffSec`, loaded or not (only
   *  the most recent are loaded at a start); returns how many. */
  deleteDoneBefore(cutoffSec: number): number {
    return this.deleteDoneBeforeStmt.run(cutoffSec).changes;
  }

  listJobs(limit = 500): JobStateRecord[] {
    return this.listStmt.all(limit).map((r) => ({
      id: r.id,
      name: r.name,
      status: (STATE_STATUSES.includes(r.status) ? r.status : 'failed') as JobStateStatus,
      progress: r.progress,
      detail: r.detail,
      created_at: r.created_at,
      updated_at: r.updated_at,
    }));
  }

  upsertJob(record: JobStateRecord): void {
    this.upsertStmt.run(record.id, record.name, record.status, record.progress ?? 0, record.detail, record.created_at, record.updated_at);
  }

  deleteJob(id: string): void {
    this.deleteStmt.run(id);
  }
}
