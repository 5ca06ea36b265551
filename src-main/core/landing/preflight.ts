// Everything `land` checks before it writes anything: the run exists and has
// finished, its workspace is a git repository, the target branch exists, a checkout that has the
// target branch is clean, every branch to land exists, and what --push / --pr need is there. A
// failure throws LandInputError naming the field; the repository and the store are untouched.
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/open';
import { ghFailure, runGh } from './gh';
import { git, gitRun, refExists, worktrees } from './git';
import { LandInputError } from './land-plan';
import { FINISHED_RUN_STATUSES, isIn } from '../../../src-shared/protocol/event-states';


export interface RunRepo { repo: string; intoBranch: string; checkout: string | null }

export function runWorkspace(store: Store, runId: string): string | null {
  const row = store.db.prepare<[string], { status: string; workspace: string | null }>(`SELECT status, workspace FROM runs WHERE id = ?`).get(runId);
  if (!row) throw new LandInputError('runId', `no run "${runId}"`);
  if (!isIn(FINISHED_RUN_STATUSES, row.status)) throw new LandInputError('runId', `run "${runId}" is ${row.status}; land it once it has finished`);
  return row.workspace;
}

/** The repository and target branch, and the user's checkout that has that branch (to keep in step). */
export async function resolveRepo(store: Store, runId: string, into: string | undefined, landingRoot: string): Promise<RunRepo> {
  const workspace = runWorkspace(store, runId);
  if (!workspace || !fs.existsSync(workspace)) throw new LandInputError('runId', `run "${runId}" has no workspace folder on this computer; there are no branches to land`);
  const top = await gitRun(workspace, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) throw new LandInputError('runId', `run "${runId}"'s workspace ${workspace} is not a git repository; there are no branches to land`);
  const repo = top.stdout.trim();
  let intoBranch = into;
  if (!intoBranch) {
    const head = await gitRun(repo, ['symbolic-ref', '-q', '--short', 'HEAD']);
    if (head.code !== 0) throw new LandInputError('into', (w) => `${repo} has no branch checked out (detached HEAD); ${w.sayInto}`);
    intoBranch = head.stdout.trim();
  }
  if ((await gitRun(repo, ['check-ref-format', '--branch', intoBranch])).code !== 0) throw new LandInputError('into', `"${intoBranch}" is not a valid branch name`);
  if (!(await refExists(repo, `refs/heads/${intoBranch}`))) throw new LandInputError('into', `branch "${intoBranch}" does not exist in ${repo}`);
  const root = path.resolve(landingRoot);
  const holder = (await worktrees(repo)).find((w) => w.branch === intoBranch && !path.resolve(w.path).startsWith(root + path.sep));
  const checkout = holder?.path ?? null;
  if (checkout) {
    const dirty = (await git(checkout, ['status', '--porcelain', '--untracked-files=no'])).split('\n').filter(Boolean);
    if (dirty.length > 0) {
      const files = dirty.map((l) => l.slice(3)).slice(0, 10);
      throw new LandInputError('into', `the checkout at ${checkout} has "${intoBranch}" checked out with uncommitted changes (${files.join(', ')}); commit or stash them first — nothing was changed`);
    }
  }
  return { repo, intoBranch, checkout };
}

export async function checkBranches(repo: string, items: Array<{ taskId: string; branch: string }>): Promise<void> {
  // One listing of every branch, not one git process per task.
  const heads = new Set((await git(repo, ['for-each-ref', '--format=%(refname)', 'refs/heads/'])).split('\n'));
  for (const it of items) {
    if (!heads.has(`refs/heads/${it.branch}`)) throw new LandInputError('tasks', `task "${it.taskId}" has no result branch ${it.branch} in ${repo}`);
  }
}

export async function checkRemote(repo: string, remote: string): Promise<void> {
  if ((await gitRun(repo, ['remote', 'get-url', remote])).code !== 0) throw new LandInputError('remote', `${repo} has no remote "${remote}" to push to`);
}

/** The host a remote URL names (https://HOST/…, ssh://[user@]HOST/…, user@HOST:path); null for a
 *  local path, which no pull request can be opened on. */
export function remoteHost(url: string): string | null {
  const scp = /^[^/@:\s]+@([^/:\s]+):/.exec(url);
  if (scp) return scp[1]!;
  if (!/^[a-z][a-z0-9+.-]+:\/\//i.test(url)) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'file:' || !u.hostname ? null : u.hostname;
  } catch {
    return null;
  }
}

/** The repository a GitHub remote URL names, as gh's `--repo HOST/OWNER/NAME`; null when its path
 *  is not OWNER/NAME. */
export function remoteRepo(url: string): string | null {
  const host = remoteHost(url);
  if (!host) return null;
  const scp = /^[^/@:\s]+@[^/:\s]+:(.*)$/.exec(url);
  let repoPath: string;
  if (scp && !/^[a-z][a-z0-9+.-]+:\/\//i.test(url)) repoPath = scp[1]!;
  else {
    try {
      repoPath = new URL(url).pathname;
    } catch {
      return null;
    }
  }
  const parts = repoPath.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  return parts.length === 2 && parts.every(Boolean) ? `${host}/${parts[0]}/${parts[1]}` : null;
}

/** `--pr` needs the GitHub CLI, installed, a remote on a GitHub host, and gh logged in to that host;
 *  say which is missing. Only that host's login is asked about: a stale token for another host must
 *  not stop a landing that never talks to it. */
export async function checkGh(repo: string, remote: string, env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<void> {
  const version = await runGh(['--version'], repo, env, timeoutMs);
  if (version.kind === 'missing') throw new LandInputError('pr', (w) => `${w.pr} opens pull requests with the GitHub CLI, and gh is not installed (not on PATH); install it from https://cli.github.com or land without ${w.pr}`);
  const url = (await git(repo, ['remote', 'get-url', remote])).trim();
  const host = remoteHost(url);
  if (!host) throw new LandInputError('remote', (w) => `${w.pr} opens pull requests on GitHub, and remote "${remote}" is ${url}, not a GitHub URL; push with ${w.push} instead, or point "${remote}" at the GitHub repository`);
  const auth = await runGh(['auth', 'status', '--hostname', host], repo, env, timeoutMs);
  if (auth.kind === 'timeout') throw new LandInputError('pr', (w) => `${w.pr} asks gh whether it is logged in to ${host}, and ${ghFailure('gh auth status', auth)} — nothing was pushed`);
  if (auth.kind !== 'ok') {
    const out = auth.kind === 'failed' ? auth.out : '';
    const why = out.split('\n').map((l) => l.trim()).filter(Boolean).find((l) => /not logged|no longer valid|failed|token/i.test(l)) ?? 'not logged in';
    throw new LandInputError('pr', (w) => `${w.pr} needs gh to be logged in to ${host}, and it is not (gh auth status: ${why}); run \`gh auth login --hostname ${host}\` first — nothing was pushed`);
  }
}
