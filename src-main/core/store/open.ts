// Opens (creating if needed) the SQLite store and brings its schema up to date before anything reads it.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startCheckpointer, type Checkpointer } from './checkpointer';
import { fileInTheWay } from './file-in-the-way';
import * as schema from './schema';

export type Orm = BetterSQLite3Database<typeof schema>;

export interface Store {
  readonly path: string;
  /** Raw handle for prepared hot-path statements, where the query builder's overhead would show. */
  readonly db: Database.Database;
  /** Typed query builder for everything else. */
  readonly orm: Orm;
  close(): void;
  /** Resolves once closed and the background checkpointer (if any) has let go of the file. */
  whenClosed(): Promise<void>;
}

export interface OpenStoreOptions {
  migrationsDir?: string;
  /** Path to a better-sqlite3 binary built for this runtime's ABI (Electron ships its own Node). */
  nativeBinding?: string;
  /** 'full' survives power loss; 'normal' (default) survives any process crash, which is what WAL
   *  with synchronous=NORMAL guarantees, at a fraction of the fsync cost. */
  durability?: 'normal' | 'full';
  /** Checkpoint the WAL on a background thread (see checkpointer.ts) instead of inside commits. */
  backgroundCheckpoints?: boolean;
  /** Where a background checkpoint's failure is reported. */
  onStoreError?: (message: string) => void;
}

/** Shoal's data folder outside the app: $SHOAL_HOME (an empty one counts as unset), else ~/.shoal. */
export function shoalHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHOAL_HOME && env.SHOAL_HOME.length > 0 ? env.SHOAL_HOME : path.join(os.homedir(), '.shoal');
}

/** $SHOAL_HOME/shoal.db, else ~/.shoal/shoal.db (the headless default; Electron passes userData). */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(shoalHome(env), 'shoal.db');
}

/** Migrations ship beside the bundle (out/…, resources/ in a packaged app) or at the repo root in
 *  development; walk up from this module to the first folder holding drizzle/meta/_journal.json. */
export function resolveMigrationsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHOAL_MIGRATIONS_DIR) return env.SHOAL_MIGRATIONS_DIR;
  const starts = [path.dirname(fileURLToPath(import.meta.url))];
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) starts.unshift(resources);
  for (const start of starts) {
    let dir = start;
    for (;;) {
      const candidate = path.join(dir, 'drizzle');
      if (fs.existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error('Shoal could not find its database migrations (drizzle/meta/_journal.json); reinstall or set SHOAL_MIGRATIONS_DIR.');
}

/** The store's path names something that is not a store (a folder, another kind of file): the
 *  person's input is wrong, not the store. */
export class StoreLocationError extends Error {
  override readonly name = 'StoreLocationError';
}

export function openStore(file: string, options: OpenStoreOptions = {}): Store {
  if (file !== ':memory:') {
    // Said by path before SQLite or Node is asked: their words ("disk I/O error", ENOTDIR) name no file.
    const inTheWay = fileInTheWay(path.dirname(path.resolve(file)));
    if (inTheWay !== null) throw new StoreLocationError(`the store ${file} cannot be made: ${inTheWay} is a file, not a folder`);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      throw new StoreLocationError(`the store ${file} is a folder; give the database file in it (such as ${path.join(file, 'shoal.db')})`);
    }
    if (st && !st.isFile()) throw new StoreLocationError(`the store ${file} is not a regular file (a device, pipe or socket); give a database file`);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  let db: Database.Database;
  try {
    db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  } catch (error) {
    throw new Error(`could not open the store ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const orm = drizzle(db, { schema });
    migrate(orm, { migrationsFolder: options.migrationsDir ?? resolveMigrationsDir() });
    let checkpointer: Checkpointer | null = null;
    if (options.backgroundCheckpoints && file !== ':memory:') {
      checkpointer = startCheckpointer(db, file, { nativeBinding: options.nativeBinding, onError: options.onStoreError });
    }
    let closing = false;
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    return {
      path: file, db, orm,
      close: () => {
        // This connection first, then the checkpointer's: closed last and alone, it checkpoints the
        // WAL and removes it. Closed at once, each could find the other still there, and neither would.
        if (db.open) db.close();
        if (!closing) {
          closing = true;
          void (checkpointer?.close() ?? Promise.resolve()).then(markClosed);
        }
      },
      whenClosed: () => closed,
    };
  } catch (error) {
    db.close();
    // SQLite's own words name no file: say which one, and what it is not.
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') throw new StoreLocationError(`the store ${file} is not a SQLite database (is --db or SHOAL_HOME pointing at another file?)`);
    throw error;
  }
}
