// Workdirs: a worktree per attempt on the task's branch, and retries that still work when an earlier
// attempt's worktree was left behind by a crash.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, initRepo } from '../test-support/git-repo';
import { tempDir } from '../test-support/temp-core';
import { prepareWorkdir, removeWorkdir, workdirPatch } from './workspace';

const repo = () => initRepo({ 'a.txt': 'a\n' });

describe('workdirs', () => {
  it('a retry gets a fresh worktree even when a crashed attempt still holds the branch', async () => {
    const r = repo();
    const dataDir = tempDir('shoal-ws-data-');
    const first = await prepareWorkdir({ dataDir, workspace: r, runId: 'run-1', taskId: 'fix', attempt: 1 });
    fs.writeFileSync(path.join(first.dir, 'half-done.txt'), 'crashed here');
    // attempt 1's process died: its worktree is still there, on the branch
    const second = await prepareWorkdir({ dataDir, workspace: r, runId: 'run-1', taskId: 'fix', attempt: 2 });
    expect(second.branch).toBe('shoal/run-1/fix');
    expect(fs.existsSync(path.join(second.dir, 'half-done.txt'))).toBe(false);
    expect(fs.existsSync(first.dir)).toBe(false);
    fs.writeFileSync(path.join(second.dir, 'a.txt'), 'b\n');
    expect(await workdirPatch(second)).toContain('+b');
    await removeWorkdir(second);
    expect(git(r, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('a workspace that is not a git repository gets a scratch directory', async () => {
    const w = await prepareWorkdir({ dataDir: tempDir(), workspace: tempDir(), runId: 'r', taskId: 't', attempt: 1 });
    expect(w.branch).toBeNull();
    expect(fs.statSync(w.dir).isDirectory()).toBe(true);
    expect(await workdirPatch(w)).toBe('');
  });
});

describe('concurrent workdirs', () => {
  it('many tasks of one run get their worktrees at once without git lock collisions', async () => {
    const r = repo();
    const dataDir = tempDir('shoal-ws-data-');
    const made = await Promise.all(Array.from({ length: 24 }, (_, i) => prepareWorkdir({ dataDir, workspace: r, runId: 'run-c', taskId: `t${i}`, attempt: 1 })));
    expect(new Set(made.map((w) => w.branch)).size).toBe(24);
    await Promise.all(made.map((w) => removeWorkdir(w)));
    expect(git(r, 'worktree', 'list').split('\n')).toHaveLength(1);
  });
});
