// Placement by capability through the store: a task goes only to a worker offering everything it
// requires, also when a person retries it.
import { describe, expect, it } from 'vitest';
import { launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();
const gpuBox = { id: 'gpu-box', capabilities: new Set(['shell', 'gpu']), pool: null };
const plainBox = { id: 'plain-box', capabilities: new Set(['shell']), pool: null };

describe('placement', () => {
  it('a retried task still goes only to a worker with what it requires', () => {
    // Not started: only this test leases.
    const c = makeCore({ capabilities: ['gpu'] }, { start: false });
    const fleet = c.engine.fleet;
    const runId = launch(c, { name: 'gpu', task_specs: [{ id: 'train', name: 'train', instructions: 'true', metadata: { requires: ['gpu'] }, retry_policy: { max_attempts: 1 } }] });
    expect(fleet.lease(plainBox, Date.now(), 30_000)).toBeNull();
    const first = fleet.lease(gpuBox, Date.now(), 30_000)!;
    fleet.finish(first, { kind: 'scored', result: 'fail', exitCode: 1, receipt: { artifacts: [], score: null } });
    expect(fleet.retryTask(runId, 'train')).toBe(true);
    expect(fleet.lease(plainBox, Date.now(), 30_000)).toBeNull();
    expect(fleet.lease(gpuBox, Date.now(), 30_000)).toMatchObject({ taskId: 'train', attempt: 2 });
  });
});
