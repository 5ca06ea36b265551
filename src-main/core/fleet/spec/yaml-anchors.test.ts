// YAML anchors and `<<` merge keys in specs: shared task settings are applied (not dropped as an
// unknown "<<" field).
import { describe, expect, it } from 'vitest';
import { loadSpec, type LoadResult } from './load-spec';

const opts = { filename: 'spec.yaml', defaultCapabilities: ['local'] };

function ok(r: LoadResult) {
  if (!r.ok) throw new Error(r.issues.join('\n'));
  return r.spec;
}

describe('YAML anchors in specs', () => {
  it('merges `<<: *defaults` into each task, a key of the task itself winning', () => {
    const spec = ok(loadSpec([
      'defaults: &defaults',
      '  timeout_seconds: 30',
      '  retry_policy: { max_attempts: 5, initial_backoff_seconds: 1 }',
      '  metadata: { priority: 7 }',
      'name: shared settings',
      'task_specs:',
      '  - <<: *defaults',
      '    id: a',
      '    name: A',
      '    instructions: echo a',
      '  - <<: *defaults',
      '    id: b',
      '    name: B',
      '    instructions: echo b',
      '    timeout_seconds: 90',
    ].join('\n'), opts));
    const [a, b] = spec.run.tasks;
    expect(a!.spec.timeout_seconds).toBe(30);
    expect(a!.spec.retry_policy).toEqual({ max_attempts: 5, initial_backoff_seconds: 1, max_backoff_seconds: 300, backoff_multiplier: 2 });
    expect(a!.priority).toBe(7);
    expect(b!.spec.timeout_seconds).toBe(90);
    expect(b!.spec.retry_policy?.max_attempts).toBe(5);
  });
});
