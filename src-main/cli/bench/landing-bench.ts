// Landing speed: the merge queue landing N non-conflicting task branches, against the
// same merges done by a plain `git merge --no-ff` loop in a checkout of an identical repository,
// measured side by side. The queue does more per merge (its own worktree, a durable record of each
// item, the scorer re-check, bringing the user's checkout along); the target is at most 2× the loop.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FleetStore } from '../../core/fleet/fleet-store';
import { LandingService } from '../../core/landing/merge-queue';
import { openStore } from '../../core/store/open';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b', LC_ALL: 'C' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8' }).trim();

/** A repository on main plus n branches `shoal/<run>/t<i>`, each adding its own file. */
function makeRepo(dir: string, runId: string, n: number): string {
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(repo, `base${i}.txt`), `base ${i}\n`);
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'init');
  const base = git(repo, 'rev-parse', 'HEAD');
  const baseTree = git(repo, 'rev-parse', 'HEAD^{tree}');
  // Plumbing: one blob, tree and commit per branch, no checkout churn.
  for (let i = 0; i < n; i++) {
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, env: ENV, input: `task ${i}\n`, encoding: 'utf8' }).trim();
    const entries = execFileSync('git', ['ls-tree', baseTree], { cwd: repo, env: ENV, encoding: 'utf8' });
    const tree = execFileSync('git', ['mktree'], { cwd: repo, env: ENV, input: `${entries}100644 blob ${blob}\tt${i}.txt\n`, encoding: 'utf8' }).trim();
    const commit = git(repo, 'commit-tree', tree, '-p', base, '-m', `t${i}`);
    git(repo, 'update-ref', `refs/heads/shoal/${runId}/t${i}`, commit);
  }
  return repo;
}

async function landOnce(n: number): Promise<{ queueMs: number; loopMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-land-'));
  try {
    const runId = 'bench-land';
    const repo = makeRepo(dir, runId, n);
    const plain = path.join(dir, 'plain');
    fs.cpSync(repo, plain, { recursive: true });
    const store = openStore(path.join(dir, 'shoal.db'));
    try {
      new FleetStore(store, null).createRun({
        id: runId, name: runId, labels: {}, workerSpecs: [], workspace: repo, createdAt: new Date().toISOString(),
        tasks: Array.from({ length: n }, (_, i) => ({
          spec: { id: `t${i}`, name: `t${i}`, instructions: 'true', expected_artifacts: [], timeout_seconds: null, metadata: {} },
          priority: 0, requires: [], pool: null, unplaceable: null,
        })),
      });
      store.db.prepare(`UPDATE tasks SET state = 'passed', result = 'pass' WHERE run_id = ?`).run(runId);
      store.db.prepare(`UPDATE runs SET status = 'completed' WHERE id = ?`).run(runId);
      const branches = Array.from({ length: n }, (_, i) => `shoal/${runId}/t${i}`);

      let t = performance.now();
      for (const b of branches) git(plain, 'merge', '--no-ff', '--no-edit', '-q', b);
      const loopMs = performance.now() - t;

      const service = new LandingService({ store, dataDir: dir, env: ENV });
      t = performance.now();
      const report = await service.land({ runId });
      const queueMs = performance.now() - t;
      if (report.items.some((i) => i.state !== 'landed')) throw new Error(`bench landing did not land everything: ${JSON.stringify(report.items.find((i) => i.state !== 'landed'))}`);
      return { queueMs, loopMs };
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Median of `rounds` side-by-side rounds: the queue's time, the loop's, and their ratio. */
export async function landingVsGitMerge(n: number, rounds: number): Promise<{ queue_ms: number; git_merge_loop_ms: number; ratio: number }> {
  const queue: number[] = [];
  const loop: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const { queueMs, loopMs } = await landOnce(n);
    queue.push(queueMs);
    loop.push(loopMs);
    ratios.push(queueMs / loopMs);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { queue_ms: Math.round(med(queue)), git_merge_loop_ms: Math.round(med(loop)), ratio: Math.round(med(ratios) * 100) / 100 };
}
