// Worktree cleanup: removes the workdirs (git worktrees or scratch dirs) of finished attempts under
// the data dir. Kept: attempts still running, tasks waiting for a person's review, and attempts that
// did not pass for a day after they ended (the engine keeps those so a person can look at what went
// wrong). A directory no attempt knows about is removed once it is an hour old (a younger one may be
// a workdir being prepared right now). Branches are kept: they hold the result.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { removeWorkdir } from '../../fleet/workspace';
import type { Store } from '../../store/open';
import type { JobKind } from '../job-runner';

const exec = promisify(execFile);
export const WORKTREE_CLEANUP = 'worktree_cleanup';
const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;
const INSPECTION_GRACE_MS = 24 * 60 * 60 * 1000;

interface AttemptRow { ended_at: string | null; result: string | null; task_state: string | null }

export interface CleanupCandidate { dir: string }

export function worktreeCleanupJob(deps: { store: Store; dataDir: string; orphanMinAgeMs?: number; inspectionGraceMs?: number }): JobKind {
  const byWorkdir = deps.store.db.prepare<[string], AttemptRow>(
    `SELECT a.ended_at, a.result, t.state AS task_state FROM attempts a LEFT JOIN tasks t ON t.run_id = a.run_id AND t.task_id = a.task_id WHERE a.workdir = ?`);
  const orphanAge = deps.orphanMinAgeMs ?? ORPHAN_MIN_AGE_MS;
  const grace = deps.inspectionGraceMs ?? INSPECTION_GRACE_MS;
  const root = path.join(deps.dataDir, 'workdirs');
  let kept = 0;

  const removable = (r: AttemptRow, now: number) => r.ended_at !== null && r.task_state !== 'review'
    && (r.result === 'pass' || now - Date.parse(r.ended_at) >= grace);

  function candidates(): CleanupCandidate[] {
    kept = 0;
    if (!fs.existsSync(root)) return [];
    const now = Date.now();
    const out: CleanupCandidate[] = [];
    for (const runEntry of fs.readdirSync(root, { withFileTypes: true })) {
      if (!runEntry.isDirectory()) continue;
      const runDir = path.join(root, runEntry.name);
      for (const entry of fs.readdirSync(runDir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const dir = path.join(runDir, entry.name);
        const rows = byWorkdir.all(dir);
        if (rows.length === 0) {
          const age = Date.now() - fs.statSync(dir).mtimeMs;
          if (age >= orphanAge) out.push({ dir });
        } else if (rows.every((r) => removable(r, now))) {
          out.push({ dir });
        } else if (rows.every((r) => r.ended_at !== null)) {
          kept++;
        }
      }
    }
    return out;
  }

  return {
    name: WORKTREE_CLEANUP,
    label: 'Worktree cleanup',
    description: 'Removes the working directories of finished attempts (their branches and artifacts stay).',
    due: () => candidates().length > 0,
    async run(ctx) {
      const list = candidates();
      let removed = 0;
      for (const [i, c] of list.entries()) {
        if (ctx.signal.aborted) throw new Error('stopped');
        ctx.progress((i / list.length) * 100, `Removing ${path.basename(path.dirname(c.dir))}/${path.basename(c.dir)} (${i + 1} of ${list.length})`);
        await removeWorkdir({ dir: c.dir, branch: null, baseCommit: null, repo: await worktreeRepo(c.dir) });
        removed++;
      }
      for (const entry of fs.existsSync(root) ? fs.readdirSync(root) : []) {
        const runDir = path.join(root, entry);
        try {
          if (fs.statSync(runDir).isDirectory() && fs.readdirSync(runDir).length === 0) fs.rmdirSync(runDir);
        } catch {
          // raced with a new attempt of the same run: leave it
        }
      }
      const keptNote = kept > 0 ? ` Kept ${kept} of attempts that did not pass, for a day after they ended, so they can be inspected.` : '';
      return (removed === 0 ? 'Nothing to clean up.' : `Removed ${removed} ${removed === 1 ? 'workdir' : 'workdirs'} of finished attempts.`) + keptNote;
    },
  };
}

/** The repository a git worktree belongs to (so `git worktree remove` keeps its list tidy), or null
 *  for a scratch directory. */
async function worktreeRepo(dir: string): Promise<string | null> {
  const dotGit = path.join(dir, '.git');
  if (!fs.existsSync(dotGit) || !fs.statSync(dotGit).isFile()) return null;
  try {
    const { stdout } = await exec('git', ['-C', dir, 'rev-parse', '--path-format=absolute', '--git-common-dir'], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    return path.dirname(stdout.trim());
  } catch {
    return null;
  }
}
