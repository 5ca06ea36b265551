// YAML anchors, aliases and `<<` merge keys in specs: shared task settings are applied (not dropped
// as an unknown "<<" field), any number of tasks may share an anchor, and the two ways aliases can
// go wrong — an alias inside its own anchor, an alias bomb — are one problem each, named.
import { describe, expect, it } from 'vitest';
import { reviewSpec } from '../../views/spec-review';
import { loadSpec, type LoadResult } from './load-spec';

const opts = { filename: 'spec.yaml', defaultCapabilities: ['local'] };

function ok(r: LoadResult) {
  if (!r.ok) throw new Error(r.issues.join('\n'));
  return r.spec;
}

function manyTasks(n: number): string {
  const lines = ['defaults: &defaults', '  timeout_seconds: 30', '  retry_policy: { max_attempts: 2 }', 'name: many', 'task_specs:'];
  for (let i = 1; i <= n; i++) lines.push('  - <<: *defaults', `    id: t${i}`, `    name: T${i}`, `    instructions: echo ${i}`);
  return lines.join('\n') + '\n';
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

  it('lets any number of tasks share one anchor, and the launch preview outlines them all', () => {
    const text = manyTasks(300);
    const spec = ok(loadSpec(text, opts));
    expect(spec.run.tasks).toHaveLength(300);
    expect(spec.run.tasks.every((t) => t.spec.timeout_seconds === 30)).toBe(true);
    const review = reviewSpec(text, 'spec.yaml', []);
    expect(review.outline).toHaveLength(300);
    expect(review.outline[299]).toMatchObject({ id: 't300', line: 1202 });
  });

  it('refuses an alias inside the node it names, with its name and place', () => {
    const r = loadSpec('name: loop\ntask_specs: &tasks\n  - id: a\n    name: A\n    instructions: echo\n    metadata: { again: *tasks }\n', opts);
    expect(r).toEqual({ ok: false, issues: ['(root): not valid YAML: the alias *tasks is inside the node anchored &tasks, so it would repeat without end at line 6, column 24'] });
  });

  it('refuses an alias bomb quickly, as one problem, without building it', () => {
    const levels = ['lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= 9; i++) levels.push(`l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(', ')}]`);
    const text = [...levels, 'name: bomb', 'task_specs:', '  - { id: a, name: A, instructions: echo, metadata: { boom: *l9 } }'].join('\n');
    const started = Date.now();
    const r = loadSpec(text, opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatch(/^\(root\): not valid YAML: its aliases expand it to more than [\d,]+ values, far more than it spells out \(an alias bomb\?\)/);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The preview still outlines the one task (aliases there are shared, never expanded).
    expect(reviewSpec(text, 'spec.yaml', r.issues).outline).toMatchObject([{ id: 'a' }]);
  });
});
