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

  it("counts every worker's capabilities: a spec's own of every kind, and the kept ones for runs without their own", () => {
    const c = makeCore({}, { start: false });
    const gpuTask = [{ id: 'train', name: 'train', instructions: 'true', metadata: { requires: ['gpu'] } }];
    // Nothing offers gpu yet: the check says so, naming the workers it counted.
    const before = c.validateSpec(JSON.stringify({ name: 'n', task_specs: gpuTask }), 'spec.json');
    expect(before.ok && before.spec.run.tasks[0]!.unplaceable).toMatch(/^no worker offers "gpu" \(workers: local \[/);
    // A kept SSH worker with gpu takes tasks of runs without worker_specs.
    c.workerRegistry.add({ name: 'gpu-box', host: { kind: 'ssh', host: '127.0.0.1', user: 'u' } as never, capabilities: ['gpu'], maxTasks: 1, dockerHost: null, hostKey: null, privateKey: null });
    const kept = c.validateSpec(JSON.stringify({ name: 'n', task_specs: gpuTask }), 'spec.json');
    expect(kept.ok && kept.spec.run.tasks[0]).toMatchObject({ unplaceable: null, placeableOn: ['gpu-box'] });
    // A spec's own docker and ssh workers count too.
    const own = c.validateSpec(JSON.stringify({
      name: 'n', task_specs: gpuTask,
      worker_specs: [
        { id: 'box', name: 'box', host: { kind: 'docker', image: 'img' }, capabilities: ['gpu'] },
        { id: 'far', name: 'far', host: { kind: 'ssh', host: 'h' }, capabilities: ['gpu', 'big'] },
        { id: 'here', name: 'here', host: { kind: 'local' }, capabilities: [] },
      ],
    }), 'spec.json');
    expect(own.ok && own.spec.run.tasks[0]).toMatchObject({ unplaceable: null, placeableOn: ['box', 'far'] });
  });
});
