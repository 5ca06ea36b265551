// Work an attempt had done when it was lost (its agent went silent, or the process running it
// crashed) is kept as a branch of its own rather than thrown away. The name is
// `shoal-partial/<run>/<task>/attempt-<n>`: git cannot hold `shoal/<run>/<task>/attempt-<n>` next to
// the result branch `shoal/<run>/<task>` (a ref cannot also be a directory of refs), so partial work
// lives in its own namespace. A task with `metadata.resume_from_partial: true` starts its next
// attempt from the newest such branch instead of the base commit.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FleetArtifactRef } from '../../../src-shared/protocol/fleet';
import { refSlug } from './ids';

const exec = promisify(execFile);

const IDENTITY = { GIT_AUTHOR_NAME: 'Shoal', GIT_AUTHOR_EMAIL: 'shoal@localhost', GIT_COMMITTER_NAME: 'Shoal', GIT_COMMITTER_EMAIL: 'shoal@localhost' };

async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...IDENTITY, ...env } });
  return stdout.trim();
}

/** The artifact kind under which a kept partial branch is shown on its task. */
export const PARTIAL_ARTIFACT_KIND = 'partial_branch';

export function partialBranch(runId: string, taskId: string, attempt: number): string {
  return `shoal-partial/${refSlug(runId)}/${refSlug(taskId)}/attempt-${attempt}`;
}

/** How a kept branch appears among the task's artifacts and events: the ref as its path, the commit
 *  as its checksum (it names no file). */
export function partialArtifact(branch: string, commit: string): FleetArtifactRef {
  return { kind: PARTIAL_ARTIFACT_KIND, path: `refs/heads/${branch}`, checksum: commit, size_bytes: null } as FleetArtifactRef;
}

/**
 * Commits what is in the worktree `dir` now (tracked and new files, .gitignore respected) onto
 * `branch`, without touching the worktree's own index or HEAD: the agent may still be working in
 * it. Returns the new commit, or null when there is nothing new since the last snapshot (or nothing
 * at all since `baseCommit`).
 */
export async function snapshotWorktree(dir: string, branch: string, baseCommit: string, message: string): Promise<string | null> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-snap-'));
  const index = path.join(tmp, 'index');
  try {
    const head = await git(dir, ['rev-parse', 'HEAD']);
    await git(dir, ['read-tree', 'HEAD'], { GIT_INDEX_FILE: index });
    await git(dir, ['add', '--all'], { GIT_INDEX_FILE: index });
    const tree = await git(dir, ['write-tree'], { GIT_INDEX_FILE: index });
    const previous = await git(dir, ['rev-parse', '--verify', '-q', `refs/heads/${branch}`]).catch(() => '');
    if (tree === (await git(dir, ['rev-parse', 'HEAD^{tree}']))) {
      // Clean worktree: the agent's own commits (if any) are the partial work.
      if (head === baseCommit || previous === head) return null;
      await git(dir, ['update-ref', `refs/heads/${branch}`, head]);
      return head;
    }
    if (previous && (await git(dir, ['rev-parse', `${previous}^{tree}`, `${previous}^`])) === `${tree}\n${head}`) return null;
    const commit = await git(dir, ['commit-tree', tree, '-p', head, '-m', message]);
    await git(dir, ['update-ref', `refs/heads/${branch}`, commit]);
    return commit;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The newest partial branch of the task from an attempt before `beforeAttempt`, if any. */
export async function latestPartial(repo: string, runId: string, taskId: string, beforeAttempt: number): Promise<{ branch: string; commit: string } | null> {
  const prefix = `refs/heads/shoal-partial/${refSlug(runId)}/${refSlug(taskId)}/`;
  const out = await git(repo, ['for-each-ref', '--format=%(refname) %(objectname)', prefix]).catch(() => '');
  let best: { attempt: number; branch: string; commit: string } | null = null;
  for (const line of out.split('\n')) {
    const [ref, commit] = line.split(' ');
    const m = ref ? /\/attempt-(\d+)$/.exec(ref) : null;
    if (!m || !commit) continue;
    const attempt = Number(m[1]);
    if (attempt < beforeAttempt && (!best || attempt > best.attempt)) best = { attempt, branch: ref!.slice('refs/heads/'.length), commit };
  }
  return best ? { branch: best.branch, commit: best.commit } : null;
}

/** The commit a kept partial branch points at, or null when there is none. */
export async function partialCommit(repo: string, branch: string): Promise<string | null> {
  return (await git(repo, ['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`]).catch(() => '')) || null;
}

/** A finished attempt's partial branch is superseded by its result branch. */
export async function dropPartial(repo: string | null, branch: string): Promise<void> {
  if (repo) await git(repo, ['update-ref', '-d', `refs/heads/${branch}`]).catch(() => '');
}

/** The commit a worktree's branch started from: where it meets the repository's HEAD. */
export async function forkPoint(worktree: string, repo: string): Promise<string | null> {
  const head = await git(repo, ['rev-parse', 'HEAD']).catch(() => '');
  return head ? (await git(worktree, ['merge-base', 'HEAD', head]).catch(() => '')) || null : null;
}
