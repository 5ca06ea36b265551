// The engine's group commit (completeAttempt): finished attempts are recorded together, and the
// slots they free are refilled in that same commit. Driven with executors that finish at once, as
// a fast worker (or a remote one reporting in bulk) would, on a real SQLite file.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/open';
import { tempDir } from '../test-support/temp-core';
import { waitFor } from '../test-support/wait-for';
import { FleetEngine } from './engine';
import type { AttemptOutcome, NewRun } from './fleet-store';
import { LeaseLostError, type Lease } from './lease';
import type { AttemptHandle } from './run-attempt';

const receipt = { artifacts: [], score: null };
const pass: AttemptOutcome = { kind: 'scored', result: 'pass', exitCode: 0, receipt };
const fail: AttemptOutcome = { kind: 'scored', result: 'fail', exitCode: 1, receipt };

function run(id: string, n: number, retry?: { max_attempts: number; initial_backoff_seconds: number; max_backoff_seconds: number; backoff_multiplier: number }): NewRun {
  return {
    id, name: id, labels: {}, workerSpecs: [], workspace: null, createdAt: new Date().toISOString(),
    tasks: Array.from({ length: n }, (_, i) => ({
      spec: { id: `t${i}`, name: `t${i}`, instructions: 'true', expected_artifacts: [], timeout_seconds: null, metadata: {}, ...(retry ? { retry_policy: retry } : {}) },
      priority: 0, requires: [], pool: null, unplaceable: null,
    })),
  };
}

const open: Array<{ engine: FleetEngine; store: Store }> = [];
afterEach(async () => {
  for (const { engine, store } of open.splice(0)) {
    await engine.shutdown();
    store.close();
  }
});

/** An attempt that runs until `finish` is called (or the engine stops it). */
function held(lease: Lease, finish: (settle: () => void) => void): AttemptHandle {
  let settle!: () => void;
  const done = new Promise<void>((resolve) => (settle = resolve));
  finish(settle);
  return { lease, stop: () => settle(), done };
}

function engineWith(slots: number, execute: (engine: FleetEngine, lease: Lease) => AttemptHandle): FleetEngine {
  const dir = tempDir('shoal-group-');
  const store = openStore(path.join(dir, 's.db'));
  const engine: FleetEngine = new FleetEngine({ store, bus: null, dataDir: dir, maxWorkers: slots, executor: (lease) => execute(engine, lease) });
  open.push({ engine, store });
  engine.start();
  return engine;
}

describe('group commit', () => {
  it('runs a large run to one receipt per task, never more unfinished attempts than slots', async () => {
    let running = 0;
    let peak = 0;
    const engine = engineWith(8, (e, lease) => {
      running++;
      peak = Math.max(peak, running);
      // The work ends a turn later; from then on the attempt is finished, and its slot may be refilled
      // in the commit that records it.
      return held(lease, (settle) => setImmediate(() => {
        running--;
        void e.completeAttempt(lease, pass).finally(settle);
      }));
    });
    engine.launchRun(run('big', 500));
    expect(await engine.waitForRun('big')).toBe('completed');
    expect(peak).toBe(8);
    const receipts = engine.fleet.receipts('big');
    expect(receipts).toHaveLength(500);
    expect(new Set(receipts.map((r) => r.task_id)).size).toBe(500);
    const events = engine.fleet.events.page('big', 0, 10_000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // queued, leased, completed for every task, each leased before it completed
    for (const t of ['t0', 't250', 't499']) expect(events.filter((e) => e.task_id === t).map((e) => e.state)).toEqual(['queued', 'leased', 'completed']);
  });

  it('keeps a retried task that is leased again in the commit that recorded its failure', async () => {
    // No backoff: the failed attempt's task is ready again at once, so the slot it frees is refilled
    // with the same task, under the same key, before the first attempt's handle has settled.
    const second: Array<() => void> = [];
    const engine = engineWith(1, (e, lease) => {
      if (lease.attempt === 1) return { lease, stop() {}, done: e.completeAttempt(lease, fail) };
      return held(lease, (settle) => second.push(() => void e.completeAttempt(lease, pass).finally(settle)));
    });
    engine.launchRun(run('retry', 1, { max_attempts: 2, initial_backoff_seconds: 0, max_backoff_seconds: 0, backoff_multiplier: 2 }));
    await waitFor('the second attempt', () => second.length === 1);
    await new Promise((r) => setTimeout(r, 20)); // the first attempt's handle has settled by now
    expect(engine.runningCount()).toBe(1);
    second[0]!();
    expect(await engine.waitForRun('retry')).toBe('completed');
    expect(engine.fleet.receipts('retry').map((r) => r.result)).toEqual(['fail', 'pass']);
  });

  it('rejects a lost lease in a batch and still commits the others', async () => {
    const leases: Lease[] = [];
    const engine = engineWith(4, (_e, lease) => {
      leases.push(lease);
      return held(lease, () => {});
    });
    engine.launchRun(run('lost', 4, { max_attempts: 1, initial_backoff_seconds: 0, max_backoff_seconds: 0, backoff_multiplier: 2 }));
    await waitFor('four leases', () => leases.length === 4);
    const stolen = { ...leases[0]!, token: 'not-the-token' };
    const results = await Promise.allSettled([engine.completeAttempt(stolen, pass), ...leases.slice(1).map((l) => engine.completeAttempt(l, pass))]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(LeaseLostError) });
    expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(engine.fleet.receipts('lost').map((r) => r.task_id).sort()).toEqual(['t1', 't2', 't3']);
  });
});
