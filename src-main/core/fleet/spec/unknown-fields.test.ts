// A field the protocol does not know is ignored, as the reference implementation's serde ignores
// it, but never silently: a misspelt retry_policy or timeout_seconds would otherwise run without
// the setting the person wrote. Each is a warning by field path, with the field it probably meant.
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load-spec';

const opts = { filename: 'spec.yaml', defaultCapabilities: ['local'] };

describe('unknown fields', () => {
  it('a spec whose tasks are under another name is told which name the tasks go under', () => {
    const tasks = ['  - id: a', '    instructions: echo a'];
    for (const [key, hint] of [['tasks', '; the spec\'s "tasks" is not read: name it task_specs'], ['task_spec', '; the spec\'s "task_spec" is not read: name it task_specs'], ['todo', '']] as const) {
      const r = loadSpec([`name: renamed`, `${key}:`, ...tasks].join('\n'), opts);
      expect(r.ok ? [] : r.issues, key).toEqual([`task_specs: required (a run needs at least one task spec)${hint}`]);
    }
  });

  it('are warnings naming the field and what it probably meant; the spec stays valid', () => {
    const r = loadSpec([
      'defaults: &defaults { timeout_seconds: 30 }',
      'name: typos',
      'worker_spec: []',
      'task_specs:',
      '  - <<: *defaults',
      '    id: a',
      '    name: A',
      '    instructions: echo a',
      '    retyr_policy: { max_attempts: 5 }',
      '    timeout: 5',
      '    retry_policy: { max_attemps: 4 }',
      '    scorer: { kind: file_exists, path: out.txt, pattern: "x" }',
      '    metadata: { anything: goes }',
    ].join('\n'), opts);
    if (!r.ok) throw new Error(r.issues.join('\n'));
    expect(r.spec.warnings).toEqual([
      'worker_spec: not a field of a run, so it is ignored (did you mean worker_specs?)',
      'task_specs[0].retyr_policy: not a field of a task spec, so it is ignored (did you mean retry_policy?)',
      'task_specs[0].timeout: not a field of a task spec, so it is ignored (did you mean timeout_seconds?)',
      'task_specs[0].retry_policy.max_attemps: not a field of retry_policy, so it is ignored (did you mean max_attempts?)',
      'task_specs[0].scorer.pattern: not a field of a file_exists scorer, so it is ignored',
    ]);
    // Ignored as serde ignores them: the task runs with the defaults it really has.
    expect(r.spec.run.tasks[0]!.spec.retry_policy).toEqual({ max_attempts: 3, initial_backoff_seconds: 5, max_backoff_seconds: 300, backoff_multiplier: 2 });
  });

  it('in worker specs and their hosts too', () => {
    const r = loadSpec(JSON.stringify({
      name: 'w',
      worker_specs: [{ id: 'w', name: 'W', host: { kind: 'local', image: 'x' }, capabilites: ['git'] }],
      task_specs: [{ id: 'a', name: 'A', instructions: 'echo' }],
    }), { ...opts, filename: 'spec.json' });
    if (!r.ok) throw new Error(r.issues.join('\n'));
    expect(r.spec.warnings.filter((w) => w.includes('ignored'))).toEqual([
      'worker_specs[0].capabilites: not a field of a worker spec, so it is ignored (did you mean capabilities?)',
      'worker_specs[0].host.image: not a field of a local host, so it is ignored',
    ]);
  });

  it('a task\'s setting written once at the top of the run (an exec policy for every task, say) is said to be ignored there', () => {
    const r = loadSpec([
      'name: run-level',
      'metadata: { policy: { rules: [{ tool: read_file, path: "secrets/**", action: deny }] } }',
      'timeout_seconds: 60',
      'task_specs:',
      '  - { id: a, name: A, instructions: cat secrets/key }',
    ].join('\n'), opts);
    if (!r.ok) throw new Error(r.issues.join('\n'));
    expect(r.spec.warnings).toEqual([
      'metadata: not a field of a run, so it is ignored; it is a setting of each task (task_specs[N].metadata) — a YAML anchor can share one between tasks',
      'timeout_seconds: not a field of a run, so it is ignored; it is a setting of each task (task_specs[N].timeout_seconds) — a YAML anchor can share one between tasks',
    ]);
  });
});
