import { describe, expect, it } from 'vitest';
import { loadSpec } from './load-spec';

const load = (text: string) => loadSpec(text, { filename: 'spec.yaml', defaultCapabilities: [] });

describe('a spec with problems of every kind', () => {
  it('says the problems of the tasks and workers that parse in the same pass as those of the ones that do not', () => {
    const r = load(`
task_specs:
  - id: a
    name: A
    instructions: echo hi
    scorer: { kind: regex, pattern: "(" }
  - id: b
    name: B
    instructions: ""
  - id: c
    name: C
    instructions: echo
    scorer: { kind: regex_match, pattern: "(", path: out.txt }
  - id: b
    name: B again
    instructions: echo
worker_specs:
  - id: w1
    host: { kind: ssh, host: box }
  - id: w2
    name: W2
    host: { kind: ssh, host: "" }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      expect.stringMatching(/^task_specs\[0\]\.scorer\.kind: unknown variant "regex"/),
      'task_specs[1].instructions: empty; say what the agent should do',
      expect.stringMatching(/^task_specs\[2\]\.scorer\.pattern: not a valid regular expression/),
      'task_specs[3].id: duplicate id "b" (also task_specs[1])',
      'worker_specs[0].name: required',
      'worker_specs[1].host.host: empty; give the SSH host\'s name or address',
    ]);
  });

  it('stops at the shape when a run-level field is wrong, or no task parses', () => {
    const run = load('name: 5\ntask_specs:\n  - { id: a, name: A, instructions: "" }\n');
    expect(run.ok ? [] : run.issues).toEqual([expect.stringMatching(/^name: /)]);
    const none = load('task_specs:\n  - { id: a, instructions: echo }\n');
    expect(none.ok ? [] : none.issues).toEqual(['task_specs[0].name: required']);
  });
});
