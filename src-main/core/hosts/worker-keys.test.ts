// Workers are keyed by (run or pool, id): two runs that both declare a worker `w1` each keep theirs.
// Regression: they used to share one registry slot, and the first run's tasks stalled forever.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { eventsOf, launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { parseHostRef } from './host-ref';

const makeCore = useCores();

const specWith = (name: string) => ({
  name,
  worker_specs: [{ id: 'w1', name: 'worker one', host: { kind: 'local' }, max_concurrent_tasks: 1 }],
  task_specs: [
    { id: 'a', name: 'a', instructions: 'echo a' },
    { id: 'b', name: 'b', instructions: 'echo b' },
  ],
});

describe('worker keys', () => {
  it('runs two runs that both declare worker w1 to the end, each on its own w1', async () => {
    const c = makeCore();
    const first = launch(c, specWith('first'));
    const second = launch(c, specWith('second'));
    expect(await c.engine.waitForRun(first)).toBe('completed');
    expect(await c.engine.waitForRun(second)).toBe('completed');
    for (const run of [first, second]) {
      const leased = eventsOf(c, run).filter((e) => e.state === 'leased');
      expect(leased.map((e) => e.worker_id)).toEqual(['w1', 'w1']);
    }
  });

  it('records where each attempt ran (its host ref) with the attempt', async () => {
    const c = makeCore();
    const run = launch(c, { name: 'ref', task_specs: [{ id: 't', name: 't', instructions: 'echo hi' }] });
    expect(await c.engine.waitForRun(run)).toBe('completed');
    const ro = new Database(c.store.path, { readonly: true });
    try {
      const row = ro.prepare('SELECT host_ref, pid FROM attempts WHERE run_id = ?').get(run) as { host_ref: string; pid: number };
      expect(parseHostRef(row.host_ref)).toMatchObject({ kind: 'local', pid: row.pid });
    } finally {
      ro.close();
    }
  });
});
