// The one accessor over the `settings` table. Every value is JSON under a key declared with
// `setting()` (or `settingFamily()` for keys made from a name, such as sealed secrets), next to the
// code that owns it, with the zod schema its value must match. A read that finds no row, a row that
// is not JSON or one that no longer matches its schema (hand-edited, or written by another version)
// gets the key's fallback, never an exception; a write that does not match is refused, naming the key.
import { z } from 'zod';
import type { Store } from './open';

export interface SettingKey<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  readonly fallback: T;
}

export function setting<T>(name: string, schema: z.ZodType<T>, fallback: T): SettingKey<T> {
  return { name, schema, fallback };
}

/** Keys `<prefix><id>` sharing one schema (e.g. `secret:<name>`). */
export function settingFamily<T>(prefix: string, schema: z.ZodType<T>, fallback: T): (id: string) => SettingKey<T> {
  return (id) => setting(`${prefix}${id}`, schema, fallback);
}

/** A list whose items are checked one by one: a broken item (hand-edited, or from another version)
 *  is left out, never the whole list. */
export function listOf<T>(item: z.ZodType<T>): z.ZodType<T[]> {
  return z.array(z.unknown()).catch([]).transform((list) => list.flatMap((raw) => {
    const parsed = item.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  }));
}

export class SettingsTable {
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

  /** Runs `fn` in an IMMEDIATE transaction: it holds the store's write lock from its first read, so
   *  a read-check-write inside is atomic across processes sharing the store. */
  exclusive<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** The stored value, or the key's fallback when there is none or it does not match the schema. */
  get<T>(key: SettingKey<T>): T {
    const row = this.getStmt.get(key.name);
    if (!row) return fallbackOf(key);
    let raw: unknown;
    try {
      raw = JSON.parse(row.value);
    } catch {
      return fallbackOf(key);
    }
    const parsed = key.schema.safeParse(raw);
    return parsed.success ? parsed.data : fallbackOf(key);
  }

  set<T>(key: SettingKey<T>, value: T): void {
    const parsed = key.schema.safeParse(value);
    if (!parsed.success) {
      throw new Error(`setting "${key.name}": ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
    }
    this.putStmt.run(key.name, JSON.stringify(value), new Date().toISOString());
  }

  delete(key: SettingKey<unknown>): void {
    this.deleteStmt.run(key.name);
  }

}

/** A copy of the key's fallback: a caller that changes what it read (pushes a rule into a list it
 *  then saves) must not change what every later read of a missing or broken value returns. */
function fallbackOf<T>(key: SettingKey<T>): T {
  return typeof key.fallback === 'object' && key.fallback !== null ? structuredClone(key.fallback) : key.fallback;
}
