// Writes made by another process (a `shoal approve` in a terminal, a second host on the same file)
// never pass through this process's bus, so open windows would not know to refetch. SQLite bumps
// `PRAGMA data_version` for every commit made through a *different* connection and leaves it alone for
// our own, so polling that one integer (no I/O beyond the shared-memory WAL index) is a cheap and exact
// "someone else wrote" signal.
import type Database from 'better-sqlite3';

export interface ExternalWriteWatch {
  stop(): void;
  /** Compares once now; returns true when another connection committed since the last look. */
  check(): boolean;
}

export const EXTERNAL_WRITE_POLL_MS = 250;

export function watchExternalWrites(db: Database.Database, onChange: () => void, intervalMs = EXTERNAL_WRITE_POLL_MS): ExternalWriteWatch {
  const read = db.prepare('PRAGMA data_version').pluck();
  let last = read.get() as number;
  const check = (): boolean => {
    if (!db.open) return false;
    const now = read.get() as number;
    if (now === last) return false;
    last = now;
    return true;
  };
  const timer = setInterval(() => {
    if (check()) onChange();
  }, intervalMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer), check };
}
