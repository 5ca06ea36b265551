// Placing validation problems in the spec a person is fixing, and checking the workspace folder.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-core';
import { checkWorkspace, reviewSpec, splitIssue } from './spec-review';

describe('splitIssue', () => {
  it('reads the field path and the message', () => {
    expect(splitIssue('task_specs[2].scorer.pattern: required')).toEqual({ path: 'task_specs[2].scorer.pattern', keys: ['task_specs', 2, 'scorer', 'pattern'], message: 'required' });
    expect(splitIssue('(root): not valid YAML: bad indentation at line 3, column 5')).toMatchObject({ path: '(root)', keys: [] });
    expect(splitIssue('labels["team: a"]: expected a string')).toMatchObject({ keys: ['labels', 'team: a'], message: 'expected a string' });
    expect(splitIssue('something without a path')).toEqual({ path: '(root)', keys: [], message: 'something without a path' });
  });
});

const YAML = `name: demo
task_specs:
  - id: ok
    name: Fine
    instructions: echo ok
  - id: bad
    name: Broken scorer
    instructions: echo hi
    scorer:
      kind: regex_match
      path: out.txt
      pattern: "(unclosed"
`;

describe('reviewSpec', () => {
  it('puts each YAML problem on its task and line, and outlines the tasks as written', () => {
    const r = reviewSpec(YAML, 'demo.yaml', ['task_specs[1].scorer.pattern: not a valid regular expression', 'task_specs[0].timeout_seconds: must be at least 1']);
    expect(r.located).toEqual([
      { message: 'not a valid regular expression', path: 'task_specs[1].scorer.pattern', taskIndex: 1, line: 12 },
      // A missing field points at the task that lacks it.
      { message: 'must be at least 1', path: 'task_specs[0].timeout_seconds', taskIndex: 0, line: 3 },
    ]);
    expect(r.outline).toEqual([{ index: 0, id: 'ok', name: 'Fine', line: 3 }, { index: 1, id: 'bad', name: 'Broken scorer', line: 6 }]);
  });

  it('handles a bare list of task specs in JSON', () => {
    const json = '[\n  {"id": "a", "name": "A", "instructions": "echo"},\n  {"id": "b", "name": "B",\n   "instructions": ""}\n]\n';
    const r = reviewSpec(json, 'list.json', ['task_specs[1].instructions: empty; say what the agent should do']);
    expect(r.located[0]).toMatchObject({ taskIndex: 1, line: 4 });
    expect(r.outline.map((t) => [t.id, t.line])).toEqual([['a', 2], ['b', 3]]);
  });

  it('finds TOML tables and keys by text', () => {
    const toml = 'name = "t"\n\n[[task_specs]]\nid = "a"\nname = "A"\ninstructions = "echo"\n\n[[task_specs]]\nid = "b"\nname = "B"\ninstructions = ""\n';
    const r = reviewSpec(toml, 'spec.toml', ['task_specs[1].instructions: empty', 'name: too short']);
    expect(r.located.map((l) => [l.taskIndex, l.line])).toEqual([[1, 11], [null, 1]]);
    expect(r.outline.map((t) => [t.id, t.line])).toEqual([['a', 3], ['b', 8]]);
  });

  it('takes the line of a syntax error from its message and outlines nothing', () => {
    const r = reviewSpec('name: x\n  bad: [', 'x.yaml', ['(root): not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 8']);
    expect(r.located[0]).toMatchObject({ path: '(root)', taskIndex: null, line: 2 });
    expect(r.outline).toEqual([]);
  });
});

describe('checkWorkspace', () => {
  it('accepts nothing, a git repository, and warns about a plain folder', () => {
    expect(checkWorkspace('  ')).toEqual({ path: null, issue: null, warning: null });
    const repo = tempDir();
    execFileSync('git', ['init', '-q', repo]);
    fs.mkdirSync(path.join(repo, 'sub'));
    expect(checkWorkspace(path.join(repo, 'sub'))).toEqual({ path: path.join(repo, 'sub'), issue: null, warning: null });
    const plain = tempDir();
    expect(checkWorkspace(plain).warning).toContain('not a git repository');
  });

  it('expands ~ and names what is wrong with a bad folder', () => {
    const home = tempDir();
    fs.mkdirSync(path.join(home, 'proj'));
    expect(checkWorkspace('~/proj', home).path).toBe(path.join(home, 'proj'));
    expect(checkWorkspace('relative/dir', home).issue).toMatch(/^workspace: "relative\/dir" is not a full path/);
    expect(checkWorkspace(path.join(home, 'missing'), home).issue).toBe(`workspace: there is no folder at ${path.join(home, 'missing')}`);
    fs.writeFileSync(path.join(home, 'file.txt'), 'x');
    expect(checkWorkspace(path.join(home, 'file.txt'), home).issue).toContain('is a file, not a folder');
  });
});
