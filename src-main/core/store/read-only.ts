// Reading a store without opening it for writing: `shoal validate` writes nothing, not even a store
// that is not there yet, and never migrates one. What it reads may be missing (no store yet, a file
// that is not a store, one from before a table existed): the reader's `otherwise` answers then, and
// the launch checks again with the store open.
import Database from 'better-sqlite3';
import fs from 'node:fs';

export function readStoreIfThere<T>(dbPath: string, read: (db: Database.Database) => T, otherwise: T): T {
  if (!fs.existsSync(dbPath)) return otherwise;
  let db: Database.Database | null = null;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    return read(db);
  } catch {
    return otherwise;
  } finally {
    db?.close();
  }
}
