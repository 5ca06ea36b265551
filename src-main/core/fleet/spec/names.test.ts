// A run or task with a blank name was a blank row in the runs list, the task table and `shoal run`'s
// summary: refused by field path, as blank instructions are. A file named just ".yaml" names no run.
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load-spec';

describe('names', () => {
  it('a blank run or task name is a problem by field path', () => {
    const r = loadSpec('name: "  "\ntask_specs:\n  - { id: a, name: "", instructions: echo }\n', { filename: 'x.yaml', defaultCapabilities: [] });
    expect(r).toEqual({ ok: false, issues: ["name: empty; give the run a name, or leave name out to use the file's", 'task_specs[0].name: empty; give the task a name to know it by'] });
  });

  it('a run without a name is named after its file, or "untitled run" when the file name is only an extension', () => {
    const text = 'task_specs:\n  - { id: a, name: A, instructions: echo }\n';
    const named = (filename: string) => {
      const r = loadSpec(text, { filename, defaultCapabilities: [] });
      if (!r.ok) throw new Error(r.issues.join('\n'));
      return r.spec.run.name;
    };
    expect(named('/specs/nightly.yaml')).toBe('nightly');
    expect(named('/specs/.yaml')).toBe('untitled run');
  });
});

describe('a part of the wrong kind', () => {
  it('is named as the spec calls it, not by the wire type, and not as JSON in a YAML file', () => {
    const r = loadSpec('worker_specs:\n  - { id: w, name: W, host: ssh }\ntask_specs:\n  - { id: a, name: A, instructions: echo, scorer: exit, retry_policy: x }\n', { filename: 's.yaml', defaultCapabilities: [] });
    expect(!r.ok && r.issues).toEqual([
      'task_specs[0].scorer: expected a scorer (an object with a "kind" field), got string "exit"',
      'task_specs[0].retry_policy: expected a retry policy (an object), got string "x"',
      'worker_specs[0].host: expected a host (an object with a "kind" field), got string "ssh"',
    ]);
    expect(loadSpec('"just text"\n', { filename: 's.yaml', defaultCapabilities: [] })).toEqual({ ok: false, issues: ['(root): expected a run (an object with task_specs) or a list of task specs'] });
  });
});
