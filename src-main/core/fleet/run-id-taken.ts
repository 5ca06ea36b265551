// A new run's id must be its own: not another run's, and not one that comes out as another run's
// name where ids become names (branches shoal/<run>/<task>, the run's folders under workdirs/ and
// artifacts/). "a..b" and "a.b" are both valid ids but one name there: the second run's tasks would
// work on the first's branches, and deleting either run would remove the other's artifacts.
import type Database from 'better-sqlite3';
import { refSlug } from './ids';
import { readStoreIfThere } from '../store/read-only';

/** The problem with launching a run under `runId`, by field, or null when the id is free. */
export function runIdProblem(db: Database.Database, runId: string): string | null {
  const hint = 'give the spec a new id or leave id out';
  if (db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) return `id: "${runId}" is already used by another run; ${hint}`;
  // Folder names are compared as macOS and Windows do: without case.
  const name = refSlug(runId).toLowerCase();
  for (const { id } of db.prepare('SELECT id FROM runs').iterate() as Iterable<{ id: string }>) {
    if (refSlug(id).toLowerCase() === name) return `id: "${runId}" would share its branches and folders (${refSlug(runId)}) with run "${id}"; ${hint}`;
  }
  return null;
}

/** The same for a store read without opening it for writing (`shoal validate`): null when there is
 *  no store, or no run there that the id would clash with. */
export function storedRunIdProblem(dbPath: string, runId: string): string | null {
  return readStoreIfThere(dbPath, (db) => runIdProblem(db, runId), null);
}
