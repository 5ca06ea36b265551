// A local attempt interrupted by Shoal's own crash leaves its worktree behind: on `shoal resume` that
// work is kept as the branch `shoal-partial/<run>/<task>/attempt-<n>`, shown on the task, and with
// `metadata.resume_from_partial` the next attempt starts from it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initRepo } from '../core/test-support/git-repo';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli, startCli } from './test-support/cli';
import { queryIfReady } from './test-support/control-plane';

describe('partial work of a crashed local attempt', () => {
  it('is kept as a shoal-partial branch and the resumed attempt starts from it', async () => {
    const dir = tempDir('shoal-partial-local-');
    const db = path.join(dir, 'shoal.db');
    const ws = initRepo({ 'README.md': '# demo\n' });
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify({ id: 'part', name: 'partial', task_specs: [{
      id: 't', name: 't', scorer: { kind: 'file_exists', path: 'done.txt' }, metadata: { resume_from_partial: true },
      instructions: 'if [ -f step1.txt ]; then echo resumed > done.txt; else echo first half > step1.txt; sleep 30; fi',
    }] }));
    const child = startCli(['run', specFile, '--db', db, '--workspace', ws], { cwd: dir });
    const workdir = await waitFor('the first half to be written', () => {
      const w = queryIfReady<{ workdir: string | null }>(db, `SELECT workdir FROM attempts WHERE run_id = 'part' AND state = 'running'`)[0]?.workdir;
      return w && fs.existsSync(path.join(w, 'step1.txt')) ? w : null;
    }, 60_000, 100);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(fs.existsSync(workdir)).toBe(true);

    const resumed = await runCli(['resume', '--db', db], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const branch = 'shoal-partial/part/t/attempt-1';
    expect(execFileSync('git', ['show', `${branch}:step1.txt`], { cwd: ws, encoding: 'utf8' })).toBe('first half\n');
    expect(queryIfReady(db, `SELECT attempt, path FROM artifacts WHERE run_id = 'part' AND kind = 'partial_branch'`)).toEqual([{ attempt: 1, path: `refs/heads/${branch}` }]);
    expect(queryIfReady(db, `SELECT attempt, result FROM receipts WHERE run_id = 'part'`)).toEqual([{ attempt: 2, result: 'pass' }]);
    expect(execFileSync('git', ['show', 'shoal/part/t:step1.txt'], { cwd: ws, encoding: 'utf8' })).toBe('first half\n');
    expect(execFileSync('git', ['show', 'shoal/part/t:done.txt'], { cwd: ws, encoding: 'utf8' })).toBe('resumed\n');
  });
});
