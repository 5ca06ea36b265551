// Chaos: a 40-task run whose control plane (`shoal run`, then `shoal resume`) is SIGKILLed 20 times
// at seeded random moments, then resumed to the end. Nothing acknowledged is lost, nothing passes
// twice, no crash costs a task its only attempt, seqs stay contiguous and no agent is left running.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../core/fleet/process-tree';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli, startCli } from './test-support/cli';
import { seededRandom } from '../core/test-support/seeded-random';

const TASKS = 40;

function runExists(db: string): boolean {
  if (!fs.existsSync(db)) return false;
  const ro = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return ro.prepare(`SELECT 1 FROM runs WHERE id = 'chaos'`).get() !== undefined;
  } catch {
    return false;
  } finally {
    ro.close();
  }
}
const KILLS = 20;


describe('chaos', () => {
  it(`${KILLS} SIGKILLs of the control plane over a ${TASKS}-task run: every task passes once, nothing left running`, async () => {
    const dir = tempDir('shoal-chaos-');
    const db = path.join(dir, 'shoal.db');
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify({
      id: 'chaos', name: 'chaos',
      task_specs: Array.from({ length: TASKS }, (_, i) => ({
        id: `t${i}`, name: `task ${i}`, instructions: 'sleep 0.3; echo done > out.txt',
        scorer: { kind: 'file_exists', path: 'out.txt' },
        // One attempt only: a crash of Shoal must not use it up.
        retry_policy: { max_attempts: 1 },
      })),
    }));
    const r = seededRandom(1612);
    for (let k = 0; k < KILLS; k++) {
      const child = startCli(k === 0 ? ['run', specFile, '--db', db, '--max-workers', '4'] : ['resume', '--db', db, '--max-workers', '4'], { cwd: dir });
      if (k === 0) await waitFor('the run to be created', () => runExists(db), 60_000);
      await new Promise((res) => setTimeout(res, 150 + Math.floor(r() * 900)));
      child.kill('SIGKILL');
      await new Promise((res) => (child.exitCode !== null || child.signalCode !== null ? res(null) : child.once('close', res)));
    }
    const last = await runCli(['resume', '--db', db, '--max-workers', '4', '--json'], { cwd: dir, timeoutMs: 180_000 });
    expect(last.code, last.stderr).toBe(0);

    const check = new Database(db, { readonly: true });
    try {
      const tasks = check.prepare(`SELECT task_id, state FROM tasks WHERE run_id = 'chaos'`).all() as Array<{ task_id: string; state: string }>;
      expect(tasks.filter((t) => t.state !== 'passed')).toEqual([]);
      expect(tasks).toHaveLength(TASKS);
      const receipts = check.prepare(`SELECT task_id, result FROM receipts WHERE run_id = 'chaos'`).all() as Array<{ task_id: string; result: string }>;
      expect(receipts.filter((x) => x.result === 'pass')).toHaveLength(TASKS); // one pass each: nothing passed twice
      expect(new Set(receipts.map((x) => x.task_id)).size).toBe(receipts.length); // one receipt per task
      const seqs = (check.prepare(`SELECT seq FROM worker_events WHERE run_id = 'chaos' ORDER BY seq`).all() as Array<{ seq: number }>).map((x) => x.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const active = check.prepare(`SELECT COUNT(*) n FROM attempts WHERE state IN ('leased', 'starting', 'running')`).get() as { n: number };
      expect(active.n).toBe(0);
      const pids = (check.prepare(`SELECT pid FROM attempts WHERE pid IS NOT NULL`).all() as Array<{ pid: number }>).map((x) => x.pid);
      expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
      const interrupted = check.prepare(`SELECT COUNT(*) n FROM attempts WHERE run_id = 'chaos' AND state != 'ended'`).get() as { n: number };
      expect(interrupted.n).toBeGreaterThan(0); // the kills did land mid-attempt
    } finally {
      check.close();
    }
  });
});
