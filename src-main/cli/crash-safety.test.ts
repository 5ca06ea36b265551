// Kill `shoal run` with SIGKILL mid-way, at several moments, and prove that `shoal resume` loses
// nothing that was acknowledged: orphaned agents are ended, interrupted tasks are put back (the
// crash costs them no retry), receipts are never duplicated and every run's seqs stay contiguous.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../core/fleet/process-tree';
import { tempDir } from '../core/test-support/temp-core';
import { runCli, startCli } from './test-support/cli';
import { waitFor } from '../core/test-support/wait-for';


const spec = {
  id: 'crashy',
  name: 'crash me',
  task_specs: Array.from({ length: 6 }, (_, i) => ({
    id: `t${i}`,
    name: `task ${i}`,
    instructions: `echo start; sleep 0.6; echo done > out.txt`,
    scorer: { kind: 'file_exists', path: 'out.txt' },
    retry_policy: { max_attempts: 10, initial_backoff_seconds: 0 },
  })),
};


describe('crash safety', () => {
  it('survives SIGKILL at any moment and resumes without loss or duplicates', async () => {
    const dir = tempDir('shoal-crash-');
    const db = path.join(dir, 'shoal.db');
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const orphans: number[] = [];

    // First process: killed while its first agents are running.
    const first = startCli(['run', specFile, '--db', db, '--max-workers', '3'], { cwd: dir });
    const peek = () => {
      if (!fs.existsSync(db)) return [] as Array<{ pid: number }>;
      const ro = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return ro.prepare(`SELECT pid FROM attempts WHERE state = 'running' AND pid IS NOT NULL`).all() as Array<{ pid: number }>;
      } catch {
        return [];
      } finally {
        ro.close();
      }
    };
    await waitFor('two running agents', () => peek().length >= 2, 20_000);
    orphans.push(...peek().map((r) => r.pid));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('close', r));
    expect(orphans.some((pid) => isAlive(pid))).toBe(true); // agents outlive their killed parent

    // Resume and kill again at a different moment, then resume to the end.
    for (const delay of [150, 700]) {
      const again = startCli(['resume', '--db', db], { cwd: dir });
      await new Promise((r) => setTimeout(r, delay));
      again.kill('SIGKILL');
      await new Promise((r) => again.once('close', r));
    }
    const last = await runCli(['resume', '--db', db, '--json'], { cwd: dir });
    expect(last.code, last.stderr).toBe(0);
    for (const pid of orphans) expect(isAlive(pid)).toBe(false);

    const check = new Database(db, { readonly: true });
    try {
      const tasks = check.prepare(`SELECT task_id, state, attempts FROM tasks WHERE run_id = 'crashy'`).all() as Array<{ state: string; attempts: number }>;
      expect(tasks.every((t) => t.state === 'passed')).toBe(true);
      expect(tasks.some((t) => t.attempts > 1)).toBe(true); // interrupted attempts were re-run
      const dupes = check.prepare(`SELECT task_id, attempt, COUNT(*) n FROM receipts GROUP BY task_id, attempt HAVING n > 1`).all();
      expect(dupes).toEqual([]);
      const passes = check.prepare(`SELECT COUNT(*) n FROM receipts WHERE result = 'pass'`).get() as { n: number };
      expect(passes.n).toBe(6);
      const seqs = (check.prepare(`SELECT seq FROM worker_events WHERE run_id = 'crashy' ORDER BY seq`).all() as Array<{ seq: number }>).map((r) => r.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const lastSeq = (check.prepare(`SELECT last_seq FROM runs WHERE id = 'crashy'`).get() as { last_seq: number }).last_seq;
      expect(lastSeq).toBe(seqs.length);
      const interrupted = check.prepare(`SELECT COUNT(*) n FROM worker_events WHERE state = 'interrupted'`).get() as { n: number };
      expect(interrupted.n).toBeGreaterThanOrEqual(2);
      const active = check.prepare(`SELECT COUNT(*) n FROM attempts WHERE state IN ('leased', 'starting', 'running')`).get() as { n: number };
      expect(active.n).toBe(0);
    } finally {
      check.close();
    }
    const out = JSON.parse(last.stdout.trim().split('\n').pop()!) as { run: { status: string }; receipts: unknown[] };
    expect(out.run.status).toBe('completed');
  });
});

describe('interrupting a run', () => {
  it('Ctrl+C records interrupted, exits 130, and `shoal resume` finishes the run', async () => {
    const dir = tempDir('shoal-int-');
    const db = path.join(dir, 'shoal.db');
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify({ id: 'intr', name: 'interrupt me', task_specs: [{ id: 'slow', name: 'slow', instructions: 'sleep 1; echo done', retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 } }] }));
    const child = startCli(['run', specFile, '--db', db], { cwd: dir });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    await waitFor('the task to run', () => stderr.includes('slow: running'), 20_000);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code).toBe(130);
    expect(stderr).toContain('shoal resume');
    const check = new Database(db, { readonly: true });
    const interrupted = check.prepare(`SELECT body FROM worker_events WHERE run_id = 'intr' AND state = 'interrupted'`).all() as Array<{ body: string }>;
    check.close();
    expect(interrupted.map((r) => JSON.parse(r.body).signal)).toEqual(['SIGINT']);
    const resumed = await runCli(['resume', 'intr', '--db', db, '--json'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim()).receipts).toMatchObject([{ result: 'pass' }]);
  });
});
