// A spec's own workers: a number that cannot mean what it says is a problem by field path.
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load-spec';

describe('worker_specs', () => {
  it('refuses max_concurrent_tasks 0 (it ran one task at a time all the same) and takes 1 and up', () => {
    const spec = (n: number) => JSON.stringify({
      name: 'w', worker_specs: [{ id: 'w', name: 'W', host: { kind: 'local' }, max_concurrent_tasks: n }], task_specs: [{ id: 'a', name: 'A', instructions: 'echo' }],
    });
    expect(loadSpec(spec(0), { filename: 'w.json', defaultCapabilities: [] })).toEqual({
      ok: false, issues: ['worker_specs[0].max_concurrent_tasks: must be at least 1 (leave it out for as many as --max-workers allows)'],
    });
    expect(loadSpec(spec(1), { filename: 'w.json', defaultCapabilities: [] }).ok).toBe(true);
  });
});
