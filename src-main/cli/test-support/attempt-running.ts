// Crash tests kill Shoal while an attempt runs. "Its processes are visible" is not enough: a Docker
// daemon that loses the client in the middle of the start call may stop the container it was
// starting, so the test waits until the attempt is recorded as running with its host reference
// (the driver reports that once its host confirmed the start).
import Database from 'better-sqlite3';

/** Whether run `runId` in the store at `file` has an attempt recorded as running on its host. */
export function attemptRunning(file: string, runId: string): boolean {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return db.prepare(`SELECT 1 FROM attempts WHERE run_id = ? AND state = 'running' AND host_ref IS NOT NULL`).get(runId) !== undefined;
  } catch {
    return false; // not created yet, or its schema not yet migrated
  } finally {
    db?.close();
  }
}
