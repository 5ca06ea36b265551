// `shoal review RUN TASK`: a run or task that is not there is named, exit 2 (it said "is not
// waiting for review", exit 1, as for a task that exists and has finished).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { runCli } from './test-support/cli';

describe('shoal review', () => {
  it('names a run or task that is not there (exit 2), and the state of one that is not waiting (exit 1)', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'shoal.db');
    const spec = path.join(dir, 'one.yaml');
    fs.writeFileSync(spec, 'id: r1\nname: one\ntask_specs:\n  - { id: a, name: A, instructions: echo a }\n');
    expect((await runCli(['run', spec, '--db', db])).code).toBe(0);
    const noRun = await runCli(['review', 'nope', 'a', '--pass', '--db', db]);
    expect([noRun.code, noRun.stderr]).toEqual([2, 'shoal review: no run "nope"\n']);
    const noTask = await runCli(['review', 'r1', 'b', '--pass', '--db', db]);
    expect([noTask.code, noTask.stderr]).toEqual([2, 'shoal review: no task "b" in run "r1"\n']);
    const done = await runCli(['review', 'r1', 'a', '--pass', '--db', db]);
    expect([done.code, done.stderr]).toEqual([1, 'r1/a is not waiting for review (it is passed)\n']);
  });
});
