// "Retry now" on a failed task of a paused run: the task waits with the others, and the run stays
// paused until it is resumed (it used to read running with its other tasks still held, which made
// Resume refuse and left them waiting for good).
import { describe, expect, it } from 'vitest';
import { launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();
const worker = { id: 'local', capabilities: new Set(['shell']), pool: null };

describe('retry now in a paused run', () => {
  it('re-enqueues the task held: nothing runs until Resume, then every waiting task does', () => {
    const c = makeCore({}, { start: false });
    const fleet = c.engine.fleet;
    const runId = launch(c, { name: 'paused', task_specs: [
      { id: 'a', name: 'a', instructions: 'true', retry_policy: { max_attempts: 1 } },
      { id: 'b', name: 'b', instructions: 'true' },
    ] });
    const now = Date.now();
    const [a] = fleet.leaseMany(worker, now, 60_000, 1);
    expect(a!.taskId).toBe('a');
    fleet.finish(a!, { kind: 'scored', result: 'fail', exitCode: 1, receipt: { artifacts: [], score: null } }, now);
    expect(fleet.pauseRun(runId)).toBe(true);

    expect(fleet.retryTask(runId, 'a')).toBe(true);
    expect(fleet.runStatus(runId)).toBe('paused');
    expect(c.runsView.tasks(runId).find((t) => t.taskId === 'a')).toMatchObject({ state: 'queued' });
    expect(fleet.leaseMany(worker, now + 1, 60_000, 5)).toEqual([]);

    expect(fleet.resumeRun(runId)).toBe(true);
    expect(fleet.leaseMany(worker, now + 2, 60_000, 5).map((l) => l.taskId).sort()).toEqual(['a', 'b']);
    expect(fleet.runStatus(runId)).toBe('running');
  });
});
