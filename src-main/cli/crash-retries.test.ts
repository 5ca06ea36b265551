// A crash of Shoal never costs a task an attempt, and every task that ends has a receipt and a final
// event: a one-attempt task whose agent is orphaned by two SIGKILLs of `shoal run`/`shoal resume`
// still runs to a pass; a one-attempt task interrupted by Ctrl+C ends failed with its receipt.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli, startCli } from './test-support/cli';
import { queryIfReady } from './test-support/control-plane';

/** Agents running under the Shoal process `ownerPid`. */
function runningAttempts(db: string, ownerPid: number): number {
  return queryIfReady<{ n: number }>(db, `SELECT COUNT(*) n FROM attempts WHERE state = 'running' AND pid IS NOT NULL AND owner_pid = ?`, ownerPid)[0]?.n ?? 0;
}

describe('crashes and retry budgets', () => {
  it('attempts interrupted by the control plane\'s own crash do not count', async () => {
    const dir = tempDir('shoal-crash-budget-');
    const db = path.join(dir, 'shoal.db');
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify({ id: 'budget', name: 'one attempt only', task_specs: [
      { id: 'once', name: 'once', instructions: 'sleep 1; echo done > out.txt', scorer: { kind: 'file_exists', path: 'out.txt' }, retry_policy: { max_attempts: 1 } },
    ] }));
    for (const args of [['run', specFile, '--db', db], ['resume', '--db', db]]) {
      const child = startCli(args, { cwd: dir });
      await waitFor('the agent to run', () => runningAttempts(db, child.pid!) > 0, 60_000);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
    }
    const last = await runCli(['resume', '--db', db, '--json'], { cwd: dir });
    expect(last.code, last.stderr).toBe(0);
    const check = new Database(db, { readonly: true });
    try {
      expect(check.prepare(`SELECT state, attempts FROM tasks WHERE run_id = 'budget'`).get()).toEqual({ state: 'passed', attempts: 3 });
      expect(check.prepare(`SELECT attempt, result FROM receipts WHERE run_id = 'budget'`).all()).toEqual([{ attempt: 3, result: 'pass' }]);
    } finally {
      check.close();
    }
  });

  it('a task whose last attempt was interrupted ends with a receipt and a final event', async () => {
    const dir = tempDir('shoal-final-receipt-');
    const db = path.join(dir, 'shoal.db');
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify({ id: 'fin', name: 'interrupted for good', task_specs: [
      { id: 'slow', name: 'slow', instructions: 'sleep 5', retry_policy: { max_attempts: 1 } },
    ] }));
    const child = startCli(['run', specFile, '--db', db], { cwd: dir });
    await waitFor('the agent to run', () => runningAttempts(db, child.pid!) > 0, 60_000);
    child.kill('SIGINT');
    await new Promise((r) => child.once('close', r));
    const check = new Database(db, { readonly: true });
    try {
      expect(check.prepare(`SELECT state FROM tasks WHERE run_id = 'fin'`).get()).toEqual({ state: 'failed' });
      expect(check.prepare(`SELECT attempt, result FROM receipts WHERE run_id = 'fin'`).all()).toEqual([{ attempt: 1, result: 'fail' }]);
      const states = (check.prepare(`SELECT state, body FROM worker_events WHERE run_id = 'fin' ORDER BY seq`).all() as Array<{ state: string; body: string }>)
        .map((r) => ({ state: r.state, ...(JSON.parse(r.body) as { recoverable?: boolean }) }));
      expect(states.at(-1)).toMatchObject({ state: 'failed', recoverable: false });
    } finally {
      check.close();
    }
  });
});
