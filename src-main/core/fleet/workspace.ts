// Where an attempt runs: its own git worktree on `shoal/<run>/<task>` when the run's workspace is a
// git repository, else a scratch directory. The patch artifact is the worktree's diff against the
// commit it started from, including files the agent created.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { refSlug } from './ids';

const exec = promisify(execFile);

export interface Workdir {
  dir: string;
  branch: string | null;
  baseCommit: string | null;
  repo: string | null;
}

async function git(cwd: string, args: string[], input?: string, env: Record<string, string> = {}): Promise<string> {
  const child = exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env } });
  if (input !== undefined) child.child.stdin?.end(input);
  const { stdout } = await child;
  return stdout;
}

export async function isGitRepo(dir: string): Promise<boolean> {
  try {
    return (await git(dir, ['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    return false;
  }
}

export async function prepareWorkdir(opts: { dataDir: string; workspace: string | null; runId: string; taskId: string; attempt: number }): Promise<Workdir> {
  const slug = `${refSlug(opts.runId)}/${refSlug(opts.taskId)}`;
  const root = path.join(opts.dataDir, 'workdirs', refSlug(opts.runId), `${refSlug(opts.taskId)}-${opts.attempt}`);
  if (opts.workspace && (await isGitRepo(opts.workspace))) {
    const repo = (await git(opts.workspace, ['rev-parse', '--show-toplevel'])).trim();
    const base = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    const branch = `shoal/${slug}`;
    fs.mkdirSync(path.dirname(root), { recursive: true });
    if (fs.existsSync(root)) await removeWorkdir({ dir: root, branch: null, baseCommit: null, repo });
    // An earlier attempt of this task (one a crash interrupted, or one kept for inspection) may
    // still have the branch checked out; git will not reset a branch another worktree holds.
    for (const stale of await worktreesOnBranch(repo, branch)) await removeWorkdir({ dir: stale, branch: null, baseCommit: null, repo });
    // -B: a retry starts again from the base commit on the same branch name.
    await git(repo, ['worktree', 'add', '--force', '-B', branch, root, base]);
    return { dir: root, branch, baseCommit: base, repo };
  }
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  return { dir: root, branch: null, baseCommit: null, repo: null };
}

/** Worktrees of `repo` that have `branch` checked out. */
async function worktreesOnBranch(repo: string, branch: string): Promise<string[]> {
  const out = await git(repo, ['worktree', 'list', '--porcelain']);
  const paths: string[] = [];
  let current: string | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) current = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${branch}` && current && path.resolve(current) !== path.resolve(repo)) paths.push(current);
  }
  return paths;
}

/** The diff of everything the agent changed (tracked and new files) against the base commit. */
export async function workdirPatch(w: Workdir): Promise<string> {
  if (!w.repo || !w.baseCommit) return '';
  // intent-to-add makes new files visible to `git diff` without staging their content.
  await git(w.dir, ['add', '--intent-to-add', '--all']).catch(() => '');
  return git(w.dir, ['diff', '--binary', w.baseCommit]);
}

const SHOAL_IDENTITY = { GIT_AUTHOR_NAME: 'Shoal', GIT_AUTHOR_EMAIL: 'shoal@localhost', GIT_COMMITTER_NAME: 'Shoal', GIT_COMMITTER_EMAIL: 'shoal@localhost' };

/** Keeps the agent's work on its branch `shoal/<run>/<task>`, so a person can merge or inspect it
 *  after the worktree is cleaned up. Nothing to commit is not an error. */
export async function commitWorkdir(w: Workdir, message: string): Promise<void> {
  if (!w.repo || !(await isGitRepo(w.dir))) return;
  await git(w.dir, ['add', '--all'], undefined, SHOAL_IDENTITY).catch(() => '');
  await git(w.dir, ['commit', '--no-verify', '-q', '-m', message], undefined, SHOAL_IDENTITY).catch(() => '');
}

export async function removeWorkdir(w: Workdir, keepBranch = true): Promise<void> {
  if (w.repo) {
    await git(w.repo, ['worktree', 'remove', '--force', w.dir]).catch(() => '');
    await git(w.repo, ['worktree', 'prune']).catch(() => '');
    if (!keepBranch && w.branch) await git(w.repo, ['branch', '-D', w.branch]).catch(() => '');
  }
  fs.rmSync(w.dir, { recursive: true, force: true });
}
