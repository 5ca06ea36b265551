// Jobs through the contract on a real core: what the Jobs view lists and does, with the real
// maintenance work of a finished run.
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../../src-shared/contract';
import { launch } from '../test-support/temp-core';
import { runtimeHarness, until, type RuntimeHarness } from '../test-support/runtime-core';

const harnesses: RuntimeHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose();
});

interface JobList { jobs: JobView[]; kinds: Array<{ name: string; label: string }>; retentionDays: number }

describe('jobs through the contract', () => {
  it('lists nothing on a fresh store, runs a job on request and shows its progress and result', async () => {
    const h = await runtimeHarness({ start: true, engine: { worktreeCleanup: 'never', maxWorkers: 2 } });
    harnesses.push(h);
    const empty = await h.call<JobList>('jobs.list', {});
    expect(empty.jobs).toEqual([]);
    expect(empty.kinds.map((k) => k.name)).toEqual(['worktree_cleanup', 'artifact_index', 'retention']);
    expect(empty.retentionDays).toBe(30);

    const runId = launch(h.core, { name: 'j', task_specs: [{ id: 'a', name: 'A', instructions: 'echo a' }] });
    expect(await h.core.engine.waitForRun(runId)).toBe('completed');
    const started = await h.call<JobView>('jobs.run', { name: 'artifact_index' });
    expect(started.label).toBe('Artifact indexing');
    const done = await until(async () => (await h.call<JobList>('jobs.list', {})).jobs.find((j) => j.id === started.id && j.status === 'completed'));
    expect(done).toMatchObject({ progress: 100, detail: expect.stringMatching(/^Indexed \d+ artifacts? from 1 receipt\.$/) });
    expect(done.history.map((e) => e.phase)).toEqual(expect.arrayContaining(['created', 'running', 'progress_updated', 'completed']));

    // The periodic check finds the workdir the run left and cleans it up on its own.
    h.core.runtime.jobs.checkDue();
    const cleanup = await until(async () => (await h.call<JobList>('jobs.list', {})).jobs.find((j) => j.name === 'worktree_cleanup' && j.status === 'completed'));
    expect(cleanup.detail).toBe('Removed 1 workdir of finished attempts.');
  });

  it('validates what the Jobs view sends', async () => {
    const h = await runtimeHarness();
    harnesses.push(h);
    await expect(h.call('jobs.run', { name: 'defrag' })).rejects.toThrow(/name: unknown job "defrag"/);
    await expect(h.call('jobs.setRetention', { days: -1 })).rejects.toThrow(/days: 0 or more/);
    await expect(h.call('jobs.cancel', { jobId: 'job-nope' })).rejects.toThrow(/No job with id "job-nope"/);
    expect(await h.call('jobs.setRetention', { days: 7 })).toEqual({ retentionDays: 7 });
    expect((await h.call<JobList>('jobs.list', {})).retentionDays).toBe(7);
  });
});
