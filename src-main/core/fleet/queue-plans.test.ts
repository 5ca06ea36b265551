// The queue lives on the task rows (migration 0010), beside every task ever run: each statement of
// the fleet store that reads or writes tasks must find its rows through an index (a run's, the
// waiting tasks', the held leases'), never by walking the whole table.
import path from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../store/open';
import { tempDir } from '../test-support/temp-core';
import { FleetStore } from './fleet-store';

function planOf(db: Database.Database, sql: string): string[] {
  const params = (sql.match(/\?/g) ?? []).map(() => null);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
}

describe('the fleet store\'s statements on tasks', () => {
  it('use an index: none walks every task', () => {
    const store = openStore(path.join(tempDir('shoal-plans-'), 'shoal.db'));
    try {
      const fleet = new FleetStore(store, null);
      const statements = (fleet as unknown as { s: Record<string, unknown> }).s;
      const scans: string[] = [];
      let checked = 0;
      for (const [name, st] of Object.entries(statements)) {
        const sql = (st as { source?: unknown }).source;
        if (typeof sql !== 'string' || !/\btasks\b/.test(sql) || /^\s*INSERT/i.test(sql)) continue;
        checked++;
        // A scan of the tasks table, by its name or its alias in these statements (i, t).
        for (const line of planOf(store.db, sql)) if (/^SCAN (tasks|i|t)\b/.test(line)) scans.push(`${name}: ${line}`);
      }
      expect(checked).toBeGreaterThan(20);
      expect(scans).toEqual([]);
      // Choosing the next tasks and the next backoff to end read the waiting index alone: a task's
      // row holds its spec (kilobytes, overflow pages), and most waiting tasks are skipped, not taken.
      for (const name of ['candidatesDefault', 'candidatesPool', 'candidatesDefaultOfRun', 'candidatesPoolOfRun', 'nextReady']) {
        const sql = (statements[name] as { source: string }).source;
        expect(planOf(store.db, sql)[0], name).toMatch(/USING COVERING INDEX tasks_waiting_idx/);
      }
    } finally {
      store.close();
    }
  });
});
