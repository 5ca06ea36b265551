// The maintenance jobs against what a real fleet run leaves behind: git worktrees of finished
// attempts, receipts naming artifacts, a timeline and artifact files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../../shoal';
import { launch } from '../../test-support/temp-core';
import { JobRunner, type JobContext } from '../job-runner';
import { JobStore } from '../job-store';
import { SettingsTable } from '../../store/settings-table';
import { artifactIndexJob } from './artifact-index';
import { retentionJob, RETENTION_SETTING } from './retention';
import { worktreeCleanupJob } from './worktree-cleanup';
import { initRepo as gitRepo } from '../../test-support/git-repo';
import { useCores } from '../../test-support/use-cores';

const makeCore = useCores();

/** A core that ran a two-task spec in a git repo and kept every workdir. */
async function finishedRun(): Promise<{ core: ShoalCore; runId: string; repo: string }> {
  const core = makeCore({ worktreeCleanup: 'never' }, { start: false });
  core.start();
  const repo = gitRepo();
  const runId = launch(core, {
    name: 'maintenance',
    task_specs: [
      { id: 'a', name: 'A', instructions: 'echo a > a.txt' },
      { id: 'b', name: 'B', instructions: 'echo b > b.txt' },
    ],
  }, repo);
  expect(await core.engine.waitForRun(runId)).toBe('completed');
  return { core, runId, repo };
}

function ctx(): JobContext & { reports: Array<[number, string]> } {
  const reports: Array<[number, string]> = [];
  return { signal: new AbortController().signal, progress: (p, d) => reports.push([p, d]), reports };
}

describe('maintenance jobs', () => {
  it('worktree cleanup removes the worktrees of finished attempts and keeps their branches', async () => {
    const { core, repo } = await finishedRun();
    const workdirs = core.store.db.prepare('SELECT workdir FROM attempts').all() as Array<{ workdir: string }>;
    expect(workdirs).toHaveLength(2);
    for (const w of workdirs) expect(fs.existsSync(w.workdir)).toBe(true);
    // A stray directory nobody owns, old enough to be garbage, and a fresh one that may be in use.
    const stray = path.join(core.dataDir, 'workdirs', 'gone-run', 'x-1');
    const fresh = path.join(core.dataDir, 'workdirs', 'new-run', 'y-1');
    fs.mkdirSync(stray, { recursive: true });
    fs.mkdirSync(fresh, { recursive: true });
    const old = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(stray, old, old);

    const job = worktreeCleanupJob({ store: core.store, dataDir: core.dataDir });
    expect(job.due()).toBe(true);
    const c = ctx();
    expect(await job.run(c)).toBe('Removed 3 workdirs of finished attempts.');
    for (const w of workdirs) expect(fs.existsSync(w.workdir)).toBe(false);
    expect(fs.existsSync(stray)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
    expect(c.reports.length).toBe(3);
    const worktrees = execFileSync('git', ['worktree', 'list'], { cwd: repo, encoding: 'utf8' });
    expect(worktrees.trim().split('\n')).toHaveLength(1);
    const branches = execFileSync('git', ['branch', '--list', 'shoal/*'], { cwd: repo, encoding: 'utf8' });
    expect(branches).toContain('shoal/');
    expect(job.due()).toBe(false);
  });

  it('keeps the workdir of an attempt that failed for a day, so a person can look at it', async () => {
    const core = makeCore({ worktreeCleanup: 'on_success' }, { start: false });
    core.start();
    const runId = launch(core, { name: 'f', task_specs: [{ id: 'bad', name: 'Bad', instructions: 'echo broken > note.txt; exit 1', retry_policy: { max_attempts: 1 } }] }, gitRepo());
    expect(await core.engine.waitForRun(runId)).toBe('failed');
    const { workdir } = core.store.db.prepare('SELECT workdir FROM attempts').get() as { workdir: string };
    expect(fs.existsSync(path.join(workdir, 'note.txt'))).toBe(true);
    const fresh = worktreeCleanupJob({ store: core.store, dataDir: core.dataDir });
    expect(fresh.due()).toBe(false);
    expect(await fresh.run(ctx())).toBe('Nothing to clean up. Kept 1 of attempts that did not pass, for a day after they ended, so they can be inspected.');
    expect(fs.existsSync(workdir)).toBe(true);
    const dayLater = worktreeCleanupJob({ store: core.store, dataDir: core.dataDir, inspectionGraceMs: 0 });
    expect(dayLater.due()).toBe(true);
    expect(await dayLater.run(ctx())).toBe('Removed 1 workdir of finished attempts.');
    expect(fs.existsSync(workdir)).toBe(false);
  });

  it('artifacts are recorded with their receipts; artifact indexing only restores missing rows, once', async () => {
    const { core, runId } = await finishedRun();
    const kv = new SettingsTable(core.store);
    const rowsOf = () => core.store.db.prepare('SELECT run_id, task_id, attempt, kind, path, checksum, size_bytes FROM artifacts ORDER BY task_id, kind').all() as Array<Record<string, unknown>>;
    const receipts = core.engine.fleet.receipts(runId);
    const expected = receipts.flatMap((r) => (r.artifacts as Array<{ path: string }>).map((a) => a.path)).sort();
    expect(expected.length).toBeGreaterThan(0);
    // Recorded by the fleet store in the receipt's own transaction: no job needed to see them.
    expect(rowsOf().map((r) => r.path).sort()).toEqual(expected);
    core.store.db.prepare('DELETE FROM artifacts WHERE run_id = ?').run(runId);
    const job = artifactIndexJob({ store: core.store, settings: kv });
    expect(job.due()).toBe(true);
    const summary = await job.run(ctx());
    const rows = rowsOf();
    expect(rows.map((r) => r.path).sort()).toEqual(expected);
    expect(rows.every((r) => r.run_id === runId && typeof r.checksum === 'string' && String(r.checksum).startsWith('sha256:'))).toBe(true);
    expect(summary).toBe(`Indexed ${expected.length} artifacts from 2 receipts.`);
    expect(job.due()).toBe(false);
    expect(await job.run(ctx())).toBe('Indexed 0 artifacts from 0 receipts.');
  });

  it('retention prunes the timeline and artifacts of runs older than the setting', async () => {
    const { core, runId } = await finishedRun();
    const kv = new SettingsTable(core.store);
    await artifactIndexJob({ store: core.store, settings: kv }).run(ctx());
    const runner = new JobRunner({ store: core.store, bus: null, kinds: [], checkIntervalMs: 0 });
    const job = retentionJob({ store: core.store, settings: kv, dataDir: core.dataDir, pruneJobs: (cutoff) => runner.pruneFinished(cutoff) });
    expect(job.due()).toBe(false); // the run finished just now

    kv.set(RETENTION_SETTING, { days: 1 });
    core.store.db.prepare('UPDATE runs SET completed_at = ? WHERE id = ?').run(new Date(Date.now() - 3 * 86_400_000).toISOString(), runId);
    expect(job.due()).toBe(true);
    const artifactDir = path.join(core.dataDir, 'artifacts', runId);
    expect(fs.existsSync(artifactDir)).toBe(true);
    const summary = await job.run(ctx());
    expect(summary).toMatch(/^Pruned 1 run older than 1 days \(\d+ events, \d+ artifacts\)\.$/);
    const count = (sql: string) => (core.store.db.prepare(sql).get(runId) as { n: number }).n;
    expect(count('SELECT COUNT(*) AS n FROM worker_events WHERE run_id = ?')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM artifacts WHERE run_id = ?')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM receipts WHERE run_id = ?')).toBe(2);
    expect(fs.existsSync(artifactDir)).toBe(false);
    expect(job.due()).toBe(false);

    kv.set(RETENTION_SETTING, { days: 0 });
    expect(await job.run(ctx())).toBe('Retention is off: everything is kept.');
  });

  it('retention removes old finished jobs however many newer ones there are, and is then done', async () => {
    const core = makeCore({}, { start: false });
    // A month of maintenance (artifact indexing runs after every minute that wrote a receipt):
    // 600 finished jobs, the 100 oldest past the retention period.
    const jobs = new JobStore(core.store);
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 600; i++) {
      const at = i < 100 ? now - 40 * 86_400 + i : now - 3600 + i;
      jobs.upsertJob({ id: `job-${i}`, name: 'artifact_index', status: 'completed', progress: 100, detail: null, created_at: at, updated_at: at });
    }
    const runner = new JobRunner({ store: core.store, bus: null, kinds: [], checkIntervalMs: 0 });
    const kv = new SettingsTable(core.store);
    kv.set(RETENTION_SETTING, { days: 30 });
    const job = retentionJob({ store: core.store, settings: kv, dataDir: core.dataDir, pruneJobs: (cutoff) => runner.pruneFinished(cutoff) });
    expect(job.due()).toBe(true);
    expect(await job.run(ctx())).toBe('Pruned 0 runs older than 30 days (0 events, 0 artifacts); removed 100 old jobs.');
    const left = core.store.db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number };
    expect(left.n).toBe(500);
    expect(core.store.db.prepare(`SELECT 1 FROM jobs WHERE id = 'job-99'`).get()).toBeUndefined();
    // Nothing is left to do: the job is not started again at the next check.
    expect(job.due()).toBe(false);
  });

  it('retention leaves alone a run that runs again (a task retried) while the job works through older ones', async () => {
    const core = makeCore({}, { start: false });
    core.start();
    const failing = (name: string) => launch(core, { name, task_specs: [{ id: 'flaky', name: 'Flaky', retry_policy: { max_attempts: 1 },
      instructions: 'echo "attempt $SHOAL_ATTEMPT"; if [ "$SHOAL_ATTEMPT" = 1 ]; then exit 1; fi' }] });
    const first = failing('first');
    expect(await core.engine.waitForRun(first)).toBe('failed');
    const second = failing('second');
    expect(await core.engine.waitForRun(second)).toBe('failed');
    const kv = new SettingsTable(core.store);
    kv.set(RETENTION_SETTING, { days: 1 });
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    core.store.db.prepare('UPDATE runs SET completed_at = ?, created_at = ? WHERE id = ?').run(old, old, first);
    core.store.db.prepare('UPDATE runs SET completed_at = ?, created_at = ? WHERE id = ?').run(old, old, second);
    const count = (sql: string, runId: string) => (core.store.db.prepare(sql).get(runId) as { n: number }).n;
    const events = (runId: string) => count('SELECT COUNT(*) AS n FROM worker_events WHERE run_id = ?', runId);
    const eventsBefore = events(second);
    const firstLog = path.join(core.dataDir, 'artifacts', second, 'flaky', '1', 'agent.log');
    expect(fs.existsSync(firstLog)).toBe(true);

    const job = retentionJob({ store: core.store, settings: kv, dataDir: core.dataDir, pruneJobs: () => 0 });
    const c = ctx();
    // A person retries the second run's task while the job prunes the first: the run is no longer a
    // finished one by the time the job comes to it.
    const progress = c.progress;
    c.progress = (p, d) => {
      if (d.includes(first)) expect(core.engine.retryTask(second, 'flaky')).toBe(true);
      progress(p, d);
    };
    expect(await job.run(c)).toMatch(/^Pruned 1 run older than 1 days/);
    expect(events(first)).toBe(0);
    expect(events(second)).toBeGreaterThan(eventsBefore);
    expect(fs.existsSync(firstLog)).toBe(true);
    expect(await core.engine.waitForRun(second)).toBe('completed');
    expect(fs.readFileSync(path.join(core.dataDir, 'artifacts', second, 'flaky', '2', 'agent.log'), 'utf8')).toContain('attempt 2');
  });
});
