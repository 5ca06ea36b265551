// The job runner on a real SQLite store: persistence of every transition, the reference implementation's retry backoff,
// resume_pending after a restart, tolerance of old or corrupt rows, pause / resume / cancel.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/open';
import { tempDir } from '../test-support/temp-core';
import { JobRunner, type JobKind } from './job-runner';
import { JobStore } from './job-store';
import { waitFor } from '../test-support/wait-for';

const stores: Store[] = [];
const runners: JobRunner[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
  for (const s of stores.splice(0)) s.close();
});

function store(file = path.join(tempDir(), 'shoal.db')): Store {
  const s = openStore(file);
  stores.push(s);
  return s;
}

function runner(s: Store, kinds: JobKind[]): JobRunner {
  const r = new JobRunner({ store: s, bus: null, kinds, checkIntervalMs: 0 });
  runners.push(r);
  return r;
}

const until = <T,>(fn: () => T | null | undefined | false, timeoutMs = 20_000): Promise<T> => waitFor('the job to get there', fn, timeoutMs, 20);

/** A kind whose run() waits until released, so tests can act on it while it runs. */
function gatedKind(name = 'gated') {
  let release: (() => void) | null = null;
  let runs = 0;
  const kind: JobKind = {
    name, label: name, description: '', due: () => false,
    run: (ctx) => new Promise<string>((resolve, reject) => {
      runs++;
      ctx.progress(40, 'halfway there');
      release = () => resolve('all done');
      ctx.signal.addEventListener('abort', () => reject(new Error('stopped')));
    }),
  };
  return { kind, release: () => release?.(), runs: () => runs };
}

/** A started runner whose gated job has reported 40% and waits to be released. */
async function gatedJobHalfway(s: Store): Promise<{ gate: ReturnType<typeof gatedKind>; r: JobRunner; job: { id: string } }> {
  const gate = gatedKind();
  const r = runner(s, [gate.kind]);
  r.start();
  const job = r.enqueue('gated');
  await until(() => r.get(job.id)?.progress === 40);
  return { gate, r, job };
}

describe('JobRunner', () => {
  it('runs a job to completion, persisting progress and history', async () => {
    const s = store();
    const { gate, r, job } = await gatedJobHalfway(s);
    expect(new JobStore(s).listJobs()[0]).toMatchObject({ id: job.id, status: 'running', progress: 40 });
    gate.release();
    const done = await until(() => (r.get(job.id)?.status === 'completed' ? r.get(job.id) : null));
    expect(done.progress).toBe(100);
    expect(done.detail).toBe('all done');
    expect(done.history.map((h) => h.phase)).toEqual(['created', 'running', 'progress_updated', 'progress_updated', 'completed']);

    const row = new JobStore(s).listJobs()[0]!;
    expect(row.status).toBe('completed');
    expect(JSON.parse(row.detail!)).toMatchObject({ schema_version: 1, status: 'completed', detail: 'all done' });
    const reloaded = runner(s, [gate.kind]);
    expect(reloaded.get(job.id)?.history).toHaveLength(5);
  });

  it('retries a failing job with 500 ms × 2^(attempt−1) backoff until attempts run out', async () => {
    const s = store();
    const times: number[] = [];
    const r = runner(s, [{ name: 'flaky', label: 'flaky', description: '', due: () => false, run: async () => {
      times.push(Date.now());
      throw new Error(`boom ${times.length}`);
    } }]);
    r.start();
    const job = r.enqueue('flaky');
    const failed = await until(() => {
      const j = r.get(job.id);
      return j && j.status === 'failed' && j.retry.attempt === 3 && j.retry.next_retry_at === null && times.length === 4 ? j : null;
    });
    expect(failed.detail).toBe('boom 4');
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Each wait is at least the reference implementation's backoff for that attempt (timers never fire early).
    expect(gaps[0]).toBeGreaterThanOrEqual(490);
    expect(gaps[1]).toBeGreaterThanOrEqual(990);
    expect(gaps[2]).toBeGreaterThanOrEqual(1990);
    const failures = failed.history.filter((h) => h.phase === 'failed').map((h) => [h.retry.attempt, h.retry.next_backoff_ms]);
    expect(failures).toEqual([[1, 500], [2, 1000], [3, 2000], [3, 0]]);
  });

  it('re-queues queued and running jobs after a restart and runs them (resume_pending)', async () => {
    const file = path.join(tempDir(), 'shoal.db');
    const s1 = store(file);
    const gate1 = gatedKind();
    const r1 = runner(s1, [gate1.kind]);
    r1.start();
    const job = r1.enqueue('gated');
    await until(() => r1.get(job.id)?.progress === 40);
    await r1.stop(); // the process goes away mid-job
    expect(new JobStore(s1).listJobs()[0]!.status).toBe('running');

    const gate2 = gatedKind();
    const r2 = runner(s1, [gate2.kind]);
    const resumed = r2.start();
    expect(resumed.map((j) => [j.id, j.status])).toEqual([[job.id, 'queued']]);
    await until(() => gate2.runs() === 1);
    gate2.release();
    const done = await until(() => (r2.get(job.id)?.status === 'completed' ? r2.get(job.id) : null));
    expect(done.history.map((h) => h.phase)).toContain('queued_after_resume');
  });

  it('loads old and corrupt rows instead of failing', () => {
    const s = store();
    const insert = s.db.prepare('INSERT INTO jobs (id, name, status, progress, detail, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run('job-old', 'retention', 'completed', 100, 'plain text from before the schema', 10, 10);
    insert.run('job-corrupt', 'retention', 'exploded', 3, '{"status": 12', 11, 11);
    insert.run('job-v0', 'retention', 'running', 50, JSON.stringify({ status: 'paused', detail: 'held', retry: { attempt: 1 } }), 12, 12);
    const r = runner(s, []);
    expect(r.get('job-old')).toMatchObject({ status: 'completed', detail: 'plain text from before the schema', history: [] });
    expect(r.get('job-corrupt')).toMatchObject({ status: 'failed', progress: 3, detail: '{"status": 12' });
    expect(r.get('job-v0')).toMatchObject({ status: 'paused', detail: 'held', retry: { attempt: 1, max_attempts: 3, backoff_base_ms: 500 } });
  });

  it('pauses, resumes and cancels a running job', async () => {
    const s = store();
    const { gate, r, job } = await gatedJobHalfway(s);
    expect(r.pause(job.id)).toBe(true);
    await until(() => r.get(job.id)?.status === 'paused');
    // The store column has no paused (the reference implementation maps it to running); the detail keeps the truth.
    const row = new JobStore(s).listJobs()[0]!;
    expect(row.status).toBe('running');
    expect(JSON.parse(row.detail!).status).toBe('paused');

    expect(r.resume(job.id)).toBe(true);
    await until(() => gate.runs() === 2);
    expect(r.get(job.id)?.status).toBe('running');
    expect(r.cancel(job.id)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.get(job.id)?.status).toBe('cancelled');
    expect(r.cancel(job.id)).toBe(false);
  });

  it('re-arms a pending retry after a restart', async () => {
    const file = path.join(tempDir(), 'shoal.db');
    const s = store(file);
    let fail = true;
    const kind: JobKind = { name: 'once', label: 'once', description: '', due: () => false, run: async () => {
      if (fail) throw new Error('first try fails');
      return 'second try worked';
    } };
    const r1 = runner(s, [kind]);
    r1.start();
    const job = r1.enqueue('once');
    await until(() => r1.get(job.id)?.status === 'failed');
    await r1.stop();
    fail = false;
    const r2 = runner(s, [kind]);
    r2.start();
    const done = await until(() => (r2.get(job.id)?.status === 'completed' ? r2.get(job.id) : null));
    expect(done.detail).toBe('second try worked');
  });

  it('runNow returns the pending job of a kind instead of queueing a second one', async () => {
    const s = store();
    const gate = gatedKind();
    const r = runner(s, [gate.kind]);
    r.start();
    const a = r.runNow('gated');
    const b = r.runNow('gated');
    expect(b.id).toBe(a.id);
    expect(() => r.enqueue('no-such-kind')).toThrow(/unknown job kind/);
    gate.release();
  });
});
