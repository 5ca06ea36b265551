// The artifacts table is the one home of "which files did this attempt produce": the fleet store
// records an attempt's artifacts here in the same transaction as the event or receipt that names
// them, and every reader (the task view, which files artifacts.read may open, retention) asks here.
// Receipts and `artifact` events keep carrying the refs because they are wire records, but nothing
// reads artifacts back out of them. Recording is idempotent: an attempt's file is one row however
// often it is reported (event, then receipt).
import type Database from 'better-sqlite3';

/** An artifact ref as the wire carries it (FleetArtifactRef); loosely typed because it is also read
 *  from stored JSON written by older versions. */
export interface WireArtifactRef { kind?: unknown; path?: unknown; checksum?: unknown; mime_type?: unknown; size_bytes?: unknown }

export interface ArtifactRecord {
  attempt: number;
  kind: string;
  path: string;
  checksum: string | null;
  mimeType: string | null;
  sizeBytes: number | null;
}

type InsertArgs = [string, string, number, string, string, string | null, string | null, number | null, string];

export class ArtifactRecords {
  private readonly insert;
  private readonly ofTaskStmt;
  private readonly ofAttemptStmt;

  constructor(db: Database.Database) {
    this.insert = db.prepare<InsertArgs>(
      `INSERT OR IGNORE INTO artifacts (run_id, task_id, attempt, kind, path, checksum, mime_type, size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const cols = 'attempt, kind, path, checksum, mime_type AS mimeType, size_bytes AS sizeBytes';
    this.ofTaskStmt = db.prepare<[string, string], ArtifactRecord>(`SELECT ${cols} FROM artifacts WHERE run_id = ? AND task_id = ? ORDER BY attempt, id`);
    this.ofAttemptStmt = db.prepare<[string, string, number], ArtifactRecord>(`SELECT ${cols} FROM artifacts WHERE run_id = ? AND task_id = ? AND attempt = ? ORDER BY id`);
  }

  /** Records refs for an attempt (call inside the caller's transaction); returns how many were new.
   *  A ref without a path names no file and is skipped. */
  record(runId: string, taskId: string, attempt: number, refs: readonly WireArtifactRef[], at: string): number {
    let added = 0;
    for (const a of refs) {
      if (typeof a.path !== 'string' || a.path === '') continue;
      const size = typeof a.size_bytes === 'number' || typeof a.size_bytes === 'bigint' ? Number(a.size_bytes) : null;
      added += this.insert.run(runId, taskId, attempt, typeof a.kind === 'string' ? a.kind : 'other', a.path,
        typeof a.checksum === 'string' ? a.checksum : null, typeof a.mime_type === 'string' ? a.mime_type : null, size, at).changes;
    }
    return added;
  }

  /** Every recorded artifact of a task, attempt by attempt, in the order they were recorded. */
  ofTask(runId: string, taskId: string): ArtifactRecord[] {
    return this.ofTaskStmt.all(runId, taskId);
  }

  ofAttempt(runId: string, taskId: string, attempt: number): ArtifactRecord[] {
    return this.ofAttemptStmt.all(runId, taskId, attempt);
  }
}
