// Real git repositories for tests: a repo with one commit, optionally with a bare remote.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp-dir';

/** Who commits in tests (and in agents' environments, via metadata.env). */
export const GIT_IDENTITY = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_IDENTITY } }).trim();
}

/** A repository on `main` whose first commit holds `files`. */
export function initRepo(files: Record<string, string> = { 'README.md': 'hello\n' }, dir = tempDir('shoal-repo-')): string {
  git(dir, 'init', '-q', '-b', 'main');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

/** A repository with one commit and a bare `origin` that has it too. */
export function repoWithRemote(files?: Record<string, string>): { dir: string; repo: string; remote: string } {
  const dir = tempDir('shoal-push-');
  const remote = path.join(dir, 'remote.git');
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(repo);
  git(dir, 'init', '-q', '--bare', remote);
  initRepo(files, repo);
  git(repo, 'remote', 'add', 'origin', remote);
  git(repo, 'push', '-q', 'origin', 'main');
  return { dir, repo, remote };
}

/** Whether `ref` exists in the repository at `remote` (a push arrived, or did not). */
export function remoteHas(remote: string, ref: string): boolean {
  try {
    git(remote, 'rev-parse', '--verify', '-q', ref);
    return true;
  } catch {
    return false;
  }
}
