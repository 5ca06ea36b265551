// `shoal run SPEC` runs that spec's run, not the store's other open runs: those wait for `shoal
// resume` or the app. It took their tasks too, and when its own run ended it stopped them, which
// cost them an attempt: a one-attempt task of another run ended failed because an unrelated
// `shoal run` finished while it ran. Real processes on a real store.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli, startCli } from './test-support/cli';
import { query, queryIfReady } from './test-support/control-plane';

function taskOf(db: string, runId: string): { state: string; attempts: number } | undefined {
  return query<{ state: string; attempts: number }>(db, 'SELECT state, attempts FROM tasks WHERE run_id = ?', runId)[0];
}

function running(db: string, runId: string): boolean {
  return queryIfReady(db, `SELECT 1 FROM attempts WHERE run_id = ? AND state = 'running' AND pid IS NOT NULL`, runId).length > 0;
}

describe('shoal run', () => {
  it("runs its own run only; the store's other open runs wait, and lose no attempt to it", async () => {
    const dir = tempDir('shoal-run-only-');
    const db = path.join(dir, 'shoal.db');
    // `mine` names no run id: it gets one when it is launched.
    const spec = (id: string, instructions: string, named = true) => {
      const file = path.join(dir, `${id}.json`);
      fs.writeFileSync(file, JSON.stringify({ ...(named ? { id } : {}), name: id, task_specs: [
        { id: 't', name: 't', instructions, scorer: { kind: 'file_exists', path: 'out.txt' }, retry_policy: { max_attempts: 1 } },
      ] }));
      return file;
    };
    // Another run left open in the store: its Shoal was killed while its task ran.
    const other = startCli(['run', spec('other', 'sleep 2; echo done > out.txt'), '--db', db], { cwd: dir });
    await waitFor('the other run running', () => running(db, 'other'), 60_000);
    other.kill('SIGKILL');
    await new Promise((r) => other.once('close', r));

    const mine = await runCli(['run', spec('mine', 'echo done > out.txt', false), '--db', db], { cwd: dir });
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stderr).toContain('1 other open run in this store is not run here (other): `shoal resume` runs it');
    // Put back by recovery (the crash cost it no attempt), and left waiting: not started again here.
    expect(taskOf(db, 'other')).toEqual({ state: 'retry_wait', attempts: 1 });

    const resumed = await runCli(['resume', '--db', db], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(taskOf(db, 'other')).toMatchObject({ state: 'passed' });
  });
});
