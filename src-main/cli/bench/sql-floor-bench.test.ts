// The floor is only a floor while it writes what the scheduler writes: the same rows in the same
// tables, with the same columns filled and the same timeline states. If the scheduler starts to
// record more (a new column, another event per task), this fails until the floor records it too.
import { describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { schedulerTasksPerSecond } from './fleet-bench';
import { sqlFloorTasksPerSecond } from './sql-floor-bench';

const TABLES = ['tasks', 'attempts', 'receipts', 'worker_events'] as const;

/** Per table: how many rows, and how many of them have each column filled. Run names differ. */
function shape(db: Database.Database): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const table of TABLES) {
    const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((c) => c.name);
    const counts = columns.map((c) => `COUNT("${c}") AS "${c}"`).join(', ');
    out[table] = { rows: (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n,
      ...(db.prepare(`SELECT ${counts} FROM "${table}"`).get() as Record<string, number>) };
  }
  const states = db.prepare(`SELECT state, COUNT(*) AS n FROM worker_events GROUP BY state ORDER BY state`).all() as Array<{ state: string; n: number }>;
  out.event_states = Object.fromEntries(states.map((s) => [s.state, s.n]));
  out.task_states = Object.fromEntries((db.prepare(`SELECT state, COUNT(*) AS n FROM tasks GROUP BY state`).all() as Array<{ state: string; n: number }>).map((s) => [s.state, s.n]));
  return out;
}

describe('the scheduler bench floor', () => {
  it('writes the rows, columns and timeline states a scheduler round writes', async () => {
    let scheduler: ReturnType<typeof shape> | null = null;
    let floor: ReturnType<typeof shape> | null = null;
    const perSecond = await schedulerTasksPerSecond(300, 1, 32, (db) => (scheduler = shape(db)));
    const floorPerSecond = await sqlFloorTasksPerSecond(300, 32, (db) => (floor = shape(db)));
    expect(perSecond).toBeGreaterThan(0);
    expect(floorPerSecond).toBeGreaterThan(0);
    expect(scheduler!.tasks!.rows).toBe(300);
    expect(scheduler!.event_states).toEqual({ completed: 300, leased: 300, queued: 300 });
    expect(floor).toEqual(scheduler);
  });
});
