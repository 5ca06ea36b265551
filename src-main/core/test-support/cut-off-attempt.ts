// What a test sees once an attempt was cut off from its host mid-run (an SSH connection dropped, a
// Docker API dropped or frozen): the worker is down with the cause, the attempt is not failed at once
// but keeps its lease until the lease lapses and is then reclaimed, the task waits with the cause;
// once the host is back the cut-off agent is ended (its container removed, its remote workdir gone)
// before the task runs there again, and it passes exactly once. Meanwhile the cut-off attempt is
// owed a reap (attempts.reap_pending, which a restart would take up), until its work was seen
// ended. The caller brings the host back (`restore`) and says how to list what the run left there;
// the task's first attempt must run `marker` (and hang), its second `rerunMarker`.
import { expect } from 'vitest';
import type { ShoalCore } from '../shoal';
import { processesRunning } from './processes';
import { eventsOf } from './temp-core';
import { waitFor } from './wait-for';

interface TaskRow { state: string; attempts: number; unplaceable: string | null }

export interface CutOff {
  runId: string;
  workerId: string;
  workerName: string;
  /** The cause the worker's reason and the task's note must name (with the worker). */
  cause: string;
  /** When the fault happened (ms since the epoch). */
  at: number;
  marker: string;
  rerunMarker: string;
  restore: () => void | Promise<void>;
  /** What the run's attempts left on the host (containers, remote workdirs): nothing, in the end. */
  leftOn: (runId: string) => Promise<string[]>;
}

export interface CutOffTimings {
  downMs: number;
  reclaimedMs: number;
  passedAfterRestoreMs: number;
  /** Sampled every 100 ms from the host's return: the cut-off agent first seen gone, the rerun first seen. */
  oldEndedAfterRestoreMs: number;
  rerunAfterRestoreMs: number;
}

/** The reap markers of the run's attempts, in order. */
function owed(c: ShoalCore, runId: string): number[] {
  return c.store.db.prepare<[string], { reap_pending: number }>("SELECT reap_pending FROM attempts WHERE run_id = ? AND task_id = 't' ORDER BY attempt").all(runId).map((r) => r.reap_pending);
}

function task(c: ShoalCore, runId: string): TaskRow {
  return c.store.db.prepare<[string], TaskRow>("SELECT state, attempts, unplaceable FROM tasks WHERE run_id = ? AND task_id = 't'").get(runId)!;
}

export async function expectReclaimedThenRerunOnce(c: ShoalCore, x: CutOff): Promise<CutOffTimings> {
  const worker = () => c.workersView.list().find((w) => w.id === x.workerId);
  await waitFor('the worker marked down', () => worker()?.status === 'unhealthy', 20_000);
  const downMs = Date.now() - x.at;
  expect(worker()?.statusReason).toBe(`worker ${x.workerName}: ${x.cause}`);
  // Not failed at once: the attempt still holds its lease (the agent may still run there).
  const states = () => eventsOf(c, x.runId, 't').map((e) => e.state);
  expect(states()).not.toContain('failed');
  expect(task(c, x.runId)).toMatchObject({ state: expect.stringMatching(/^running/), attempts: 1 });

  const stale = await waitFor('the attempt reclaimed at its lease deadline', () => eventsOf(c, x.runId, 't').find((e) => e.state === 'stale'), 30_000, 50);
  const reclaimedMs = Date.parse(String(stale.timestamp)) - x.at;
  // Only once the lease ran out (5 s here, renewed until the attempt was cut off), not at once.
  expect(reclaimedMs).toBeGreaterThan(3_000);
  expect(states()).not.toContain('failed');
  const note = await waitFor('the task waiting for the worker, with the cause', () => task(c, x.runId).unplaceable, 20_000);
  // Probes since may have found the host down in other words: the cause that took it down stays.
  expect(note).toMatch(new RegExp(`^waiting for a worker that can be reached: worker ${x.workerName}: `));
  expect(note).toContain(x.cause);
  expect(worker()?.statusReason).toContain(x.cause); // the lapse did not replace it
  expect(processesRunning(x.marker).length).toBeGreaterThan(0); // cut off, still running there
  expect(owed(c, x.runId)).toEqual([1]); // reclaimed, not seen ended: owed, also to a later start

  // From the host's return on: the rerun never runs beside the cut-off agent.
  let overlap = false;
  let oldEndedAt: number | null = null;
  let rerunAt: number | null = null;
  const sampler = setInterval(() => {
    const old = processesRunning(x.marker).length > 0;
    const rerun = processesRunning(x.rerunMarker).length > 0;
    if (old && rerun) overlap = true;
    if (!old) oldEndedAt ??= Date.now();
    if (rerun) rerunAt ??= Date.now();
  }, 100);
  try {
    await x.restore();
    const back = Date.now();
    expect(await c.engine.waitForRun(x.runId)).toBe('completed');
    const passedAfterRestoreMs = Date.now() - back;
    expect(c.engine.fleet.receipts(x.runId)).toMatchObject([{ worker_id: x.workerId, result: 'pass' }]);
    expect(states().filter((s) => s === 'completed')).toHaveLength(1);
    expect(states()).not.toContain('failed'); // the cut-off attempt was reclaimed, never failed
    expect(task(c, x.runId)).toMatchObject({ state: 'passed', attempts: 2, unplaceable: null });
    expect(processesRunning(x.marker)).toEqual([]);
    expect(overlap).toBe(false);
    let left = await x.leftOn(x.runId);
    for (const until = Date.now() + 20_000; left.length > 0 && Date.now() < until; left = await x.leftOn(x.runId)) await new Promise((r) => setTimeout(r, 200));
    expect(left).toEqual([]); // removed, not only stopped
    // Seen ended once the host answered (by the engine's own try): nothing is owed any more.
    await waitFor('the cut-off attempt no longer owed a reap', () => owed(c, x.runId).every((m) => m === 0), 20_000);
    expect(owed(c, x.runId)).toEqual([0, 0]);
    // Back in service (the rerun ran there); a run's own worker leaves, offline, once its run ended.
    expect(worker()?.status).not.toBe('unhealthy');
    return { downMs, reclaimedMs, passedAfterRestoreMs, oldEndedAfterRestoreMs: (oldEndedAt ?? NaN) - back, rerunAfterRestoreMs: (rerunAt ?? NaN) - back };
  } finally {
    clearInterval(sampler);
  }
}
