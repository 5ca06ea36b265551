// An attempt that cannot be started (its gateway session, its launch plan, a write before the host
// got it) fails at once with the cause on its task, and the task retries per its policy. It used to
// stay in "starting", its lease unrenewed, until the reaper reclaimed it at the lease's deadline.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetEngine } from '../fleet/engine';
import { openStore, type Store } from '../store/open';
import { tempDir } from '../test-support/temp-core';

const open: Array<{ engine: FleetEngine; store: Store }> = [];
afterEach(async () => {
  for (const { engine, store } of open.splice(0)) {
    await engine.shutdown();
    store.close();
  }
});

describe('an attempt that cannot be started', () => {
  it('fails at once, saying why, and its task retries then ends failed long before its lease would lapse', async () => {
    const dir = tempDir('shoal-start-fail-');
    const store = openStore(path.join(dir, 'shoal.db'));
    let asked = 0;
    const gateway = { openAttempt: async () => {
      asked++;
      throw new Error('the tool gateway is closed');
    } };
    // A lease of ten minutes: only a failure recorded at once ends this run within the test.
    const engine = new FleetEngine({ store, bus: null, dataDir: dir, maxWorkers: 1, leaseMs: 600_000, gateway: gateway as never });
    open.push({ engine, store });
    engine.start();
    engine.launchRun({
      id: 'r', name: 'r', labels: {}, workerSpecs: [], workspace: null, createdAt: new Date().toISOString(),
      tasks: [{ spec: { id: 't', name: 't', instructions: 'echo hi', expected_artifacts: [], timeout_seconds: null, metadata: {},
        retry_policy: { max_attempts: 2, initial_backoff_seconds: 1, max_backoff_seconds: 1, backoff_multiplier: 1 } } as never, priority: 0, requires: [], pool: null, unplaceable: null }],
    });
    const t0 = Date.now();
    expect(await engine.waitForRun('r')).toBe('failed');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(asked).toBe(2);
    const task = store.db.prepare(`SELECT state, last_error FROM tasks WHERE run_id = 'r'`).get();
    expect(task).toEqual({ state: 'failed', last_error: 'Shoal could not start the attempt: the tool gateway is closed' });
    expect(store.db.prepare(`SELECT attempt, state, result FROM attempts WHERE run_id = 'r' ORDER BY attempt`).all())
      .toEqual([{ attempt: 1, state: 'ended', result: 'fail' }, { attempt: 2, state: 'ended', result: 'fail' }]);
  });
});
