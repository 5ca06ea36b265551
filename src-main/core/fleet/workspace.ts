// Where an attempt runs: its own git worktree on `shoal/<run>/<task>` when the run's workspace is a
// git repository, else a scratch directory. The patch artifact is the worktree's diff against the
// commit it started from, including files the agent created.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { refSlug } from './ids';
import { latestPartial } from './partial-work';

const exec = promisify(execFile);

export interface Workdir {
  dir: string;
  branch: string | null;
  baseCommit: string | null;
  repo: string | null;
  /** The partial branch of a lost earlier attempt this one starts from (metadata.resume_from_partial). */
  resumedFrom?: string;
}

async function git(cwd: string, args: string[], input?: string, env: Record<string, string> = {}): Promise<string> {
  const child = exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env } });
  if (input !== undefined) child.child.stdin?.end(input);
  const { stdout } = await child;
  return stdout;
}

/** The top of the work tree `dir` is in, or null when it is in none (no repository, a bare one). */
async function topLevel(dir: string): Promise<string | null> {
  try {
    return (await git(dir, ['rev-parse', '--show-toplevel'])).trim() || null;
  } catch {
    return null;
  }
}

export async function isGitRepo(dir: string): Promise<boolean> {
  try {
    return (await git(dir, ['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    return false;
  }
}

// git's worktree bookkeeping (.git/worktrees/*, the branch refs -B moves) is not safe against two
// `worktree add`/`remove` in one repository at once: a concurrent add can read another's half-made
// entry ("failed to read .git/worktrees/x/commondir") or find its lock taken. Tasks of a run start
// together, so this process changes one repository's worktrees one at a time, and retries briefly
// when another process (the app and a CLI run on the same repository) holds git's locks.
const worktreeQueues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(repo: string, fn: () => Promise<T>): Promise<T> {
  const key = path.resolve(repo);
  const next = (worktreeQueues.get(key) ?? Promise.resolve()).then(fn, fn);
  const settled = next.then(() => undefined, () => undefined);
  worktreeQueues.set(key, settled);
  void settled.then(() => worktreeQueues.get(key) === settled && worktreeQueues.delete(key));
  return next;
}

async function gitRetrying(cwd: string, args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await git(cwd, args);
    } catch (error) {
      const transient = /\.lock\b|commondir|Unable to create/i.test(String((error as { stderr?: string }).stderr ?? error));
      if (!transient || attempt >= 4) throw error;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

export async function prepareWorkdir(opts: { dataDir: string; workspace: string | null; runId: string; taskId: string; attempt: number; resumeFromPartial?: boolean }): Promise<Workdir> {
  const slug = `${refSlug(opts.runId)}/${refSlug(opts.taskId)}`;
  const root = path.join(opts.dataDir, 'workdirs', refSlug(opts.runId), `${refSlug(opts.taskId)}-${opts.attempt}`);
  // One git call says both whether the workspace is a repository's work tree and where its top is
  // (it fails outside one): every attempt pays for each process spawned here.
  const repo = opts.workspace ? await topLevel(opts.workspace) : null;
  if (repo) {
    const base = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    const branch = `shoal/${slug}`;
    // The patch stays a diff against the base commit, so a resumed attempt's patch holds all the work.
    const partial = opts.resumeFromPartial ? await latestPartial(repo, opts.runId, opts.taskId, opts.attempt) : null;
    fs.mkdirSync(path.dirname(root), { recursive: true });
    return oneAtATime(repo, async () => {
      if (fs.existsSync(root)) await removeWorktree(repo, root);
      // An earlier attempt of this task (one a crash interrupted, or one kept for inspection) may
      // still have the branch checked out; git will not reset a branch another worktree holds.
      for (const stale of await worktreesOnBranch(repo, branch)) await removeWorktree(repo, stale);
      // -B: a retry starts again from the base commit on the same branch name.
      await gitRetrying(repo, ['worktree', 'add', '--force', '-B', branch, root, partial?.commit ?? base]);
      return { dir: root, branch, baseCommit: base, repo, ...(partial ? { resumedFrom: partial.branch } : {}) };
    });
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
  const repo = w.repo;
  if (repo) {
    await oneAtATime(repo, async () => {
      await removeWorktree(repo, w.dir);
      if (!keepBranch && w.branch) await git(repo, ['branch', '-D', w.branch]).catch(() => '');
    });
  }
  fs.rmSync(w.dir, { recursive: true, force: true });
}

/** Inside oneAtATime: the worktree's record in the repository goes, and its directory. */
async function removeWorktree(repo: string, dir: string): Promise<void> {
  // A removed worktree leaves no record; only one git could not remove (its folder already gone,
  // half made by a crash) needs the records pruned.
  const removed = await gitRetrying(repo, ['worktree', 'remove', '--force', dir]).then(() => true, () => false);
  if (!removed) await gitRetrying(repo, ['worktree', 'prune']).catch(() => '');
  fs.rmSync(dir, { recursive: true, force: true });
}
