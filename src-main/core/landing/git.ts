// Git for the landing module: every call is a real `git` process with a fixed locale and no prompts,
// and its outcome (exit code, stdout, stderr) is returned rather than thrown when the caller needs to
// tell "conflict" from "broken" (a merge that conflicts exits 1 and is not an error for the queue).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { signalGroup } from '../fleet/process-tree';

export interface GitResult { code: number; stdout: string; stderr: string }

const BASE_ENV = { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no' };

export function gitRun(cwd: string, args: string[], env: Record<string, string> = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...BASE_ENV, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 128) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code === 128 ? spawnFailure(error, cwd) : '') });
    });
  });
}

/** Why git did not start. Node says "spawn git ENOENT" both when git is missing and when the folder
 *  to run it in is (a repository deleted or moved since the run): say which. */
function spawnFailure(error: Error, cwd: string): string {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error.message;
  return fs.existsSync(cwd) ? 'git is not installed (not on PATH)' : `the folder ${cwd} does not exist (deleted or moved?)`;
}

export class GitError extends Error {}

/** Runs git and returns stdout; a non-zero exit throws with git's own message. */
export async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await gitRun(cwd, args, env);
  if (r.code !== 0) throw new GitError(`git ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return r.stdout;
}

/** git's worktree and ref locks are shared with agents' worktrees of the same repository (another
 *  process may be adding one right now): a transient lock error is retried briefly. */
export async function gitRetrying(cwd: string, args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const r = await gitRun(cwd, args);
    if (r.code === 0) return r.stdout;
    const transient = /\.lock\b|commondir|Unable to create/i.test(r.stderr);
    if (!transient || attempt >= 5) throw new GitError(`git ${args[0]} failed: ${r.stderr.trim()}`);
    await new Promise((res) => setTimeout(res, 50 * attempt));
  }
}

export async function refExists(repo: string, ref: string): Promise<boolean> {
  return (await gitRun(repo, ['rev-parse', '--verify', '-q', ref])).code === 0;
}

/** Worktrees of the repository as (path, branch or null when detached). */
export async function worktrees(repo: string): Promise<Array<{ path: string; branch: string | null }>> {
  const out = await git(repo, ['worktree', 'list', '--porcelain']);
  const list: Array<{ path: string; branch: string | null }> = [];
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) list.push({ path: line.slice('worktree '.length), branch: null });
    else if (line.startsWith('branch refs/heads/') && list.length > 0) list[list.length - 1]!.branch = line.slice('branch refs/heads/'.length);
  }
  return list;
}

/** What git said when a push failed, on one line: its advice lines (`hint: …`) left out, they tell
 *  a person at a terminal what to type next, not why. */
function pushRefusal(stderr: string): string {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('hint:')).join('; ');
}

/** How long a push may take before it is stopped: long enough for a first push of a big history. */
export const PUSH_TIMEOUT_MS = 10 * 60_000;

/** Pushes `ref` to the same name on `remote`; null when it went, else why not. It has a deadline: a
 *  remote that stops answering (git sets no timeout on http, ssh waits as long as TCP does) is
 *  stopped, not waited for. Without a terminal (the app) it runs in its own process group, stopped
 *  whole with git's helpers (git-remote-https, ssh); at a terminal it stays in ours, where ssh can
 *  still ask for a key's passphrase and Ctrl-C reaches it too. */
export function pushRef(repo: string, remote: string, ref: string, timeoutMs = PUSH_TIMEOUT_MS, stop?: AbortSignal): Promise<string | null> {
  return new Promise((resolve) => {
    const ownGroup = !process.stdin.isTTY;
    const child = spawn('git', ['push', '-q', remote, `${ref}:${ref}`], { cwd: repo, env: { ...process.env, ...BASE_ENV }, stdio: ['ignore', 'ignore', 'pipe'], detached: ownGroup });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let settled = false;
    const settle = (v: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop?.removeEventListener('abort', onStop);
      resolve(v);
    };
    // In our own group a helper may outlive git and hold its stderr open: settle once it is stopped.
    const kill = (why: string) => {
      if (ownGroup) signalGroup(child.pid!, 'SIGKILL');
      else child.kill('SIGKILL');
      if (!ownGroup) settle(why);
    };
    const stoppedWhy = `push to ${remote} was stopped: Shoal is stopping`;
    const timedOutWhy = `push to ${remote} did not finish within ${Math.round(timeoutMs / 1000)} s (the remote is not responding) and was stopped`;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill(timedOutWhy);
    }, timeoutMs);
    const onStop = () => kill(stoppedWhy);
    if (stop?.aborted) onStop();
    stop?.addEventListener('abort', onStop, { once: true });
    child.on('error', (e) => settle(`push failed: ${spawnFailure(e, repo)}`));
    child.on('close', (code) => {
      if (stop?.aborted) settle(stoppedWhy);
      else if (timedOut) settle(timedOutWhy);
      else settle(code === 0 ? null : `push failed: ${pushRefusal(stderr) || `git push exited with code ${String(code)}`}`);
    });
  });
}
