// Runtime configuration in the settings table, one JSON value per key (providers, MCP servers,
// retention, job cursors). Secrets never go here in the clear: see providers/secret-store.ts.
import type { Store } from '../store/open';

export class KvSettings {
  private readonly getStmt;
  private readonly putStmt;
  private readonly deleteStmt;
  private readonly db;

  constructor(store: Store) {
    this.db = store.db;
    this.getStmt = store.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.putStmt = store.db.prepare<[string, string, string]>(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
    this.deleteStmt = store.db.prepare<[string]>('DELETE FROM settings WHERE key = ?');
  }

  /** The stored value, or `fallback` when there is none or it is not JSON. */
  get<T>(key: string, fallback: T): T {
    const row = this.getStmt.get(key);
    if (!row) return fallback;
    try {
      return JSON.parse(row.value) as T;
    } catch {
      return fallback;
    }
  }

  set(key: string, value: unknown): void {
    this.putStmt.run(key, JSON.stringify(value), new Date().toISOString());
  }

  delete(key: string): void {
    this.deleteStmt.run(key);
  }

  /** Runs `fn` in an IMMEDIATE transaction: it holds the store's write lock from its first read, so
   *  a read-check-write inside is atomic across processes sharing the data dir. */
  exclusive<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
