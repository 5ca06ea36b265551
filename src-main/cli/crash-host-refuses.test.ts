// Shoal SIGKILLed while an attempt runs on an SSH host, then restarted while that host refuses its
// key (revoked for a while): the orphaned work cannot be ended yet, so its task must not be put
// back to run beside it. Shoal keeps trying; the task waits for its lease to run out, and once the
// host lets Shoal in again the orphan is ended and the task finishes once.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { startSshd } from '../core/test-support/sshd';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { processesMatching } from '../core/test-support/processes';
import { startCli } from './test-support/cli';
import { attemptRunning } from './test-support/attempt-running';

// Its own server: the test revokes the client key in its authorized_keys.
const sshd = startSshd();
afterAll(() => sshd.stop());

describe('crash recovery while the host refuses Shoal', () => {
  it('keeps trying to end the orphan and does not run the task beside it', async () => {
    const dir = tempDir('shoal-refusedcrash-');
    const db = path.join(dir, 'shoal.db');
    const marker = `sleep 47.${process.pid % 1000}`;
    const runId = 'crash-refused';
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({
      id: runId, name: 'crash while the host refuses',
      worker_specs: [{ id: 'w1', name: 'far', host: { kind: 'ssh', host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity } }],
      task_specs: [{
        id: 't', name: 't', retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 }, metadata: { lease_seconds: 8 },
        instructions: `if [ "$SHOAL_ATTEMPT" = 1 ]; then ${marker} & ${marker}; wait; else echo second; fi`,
      }],
    }));
    const first = startCli(['run', path.join(dir, 'spec.json'), '--db', db, '--accept-new-host-keys'], { cwd: dir });
    let stderr = '';
    first.stderr!.on('data', (d: Buffer) => (stderr += d));
    await waitFor('the agent running on the host', () => processesMatching(marker).length >= 2 && attemptRunning(db, runId), 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${stderr}`);
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('close', r));

    // The key is revoked: the restarted Shoal cannot log in to end what it left running.
    const authorized = path.join(sshd.dir, 'authorized_keys');
    const granted = fs.readFileSync(authorized);
    fs.writeFileSync(authorized, '');
    onTestFinished(() => fs.writeFileSync(authorized, granted));
    const resume = startCli(['resume', '--db', db, '--json'], { cwd: dir });
    onTestFinished(() => void (resume.exitCode === null && resume.signalCode === null && resume.kill('SIGKILL'))); // our child, by its handle
    let out = '';
    resume.stderr!.on('data', (d: Buffer) => (out += d));
    const closed = new Promise<number | null>((r) => resume.once('close', r));
    await waitFor('Shoal saying it could not end the orphan', () => out.includes('could not end'), 30_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${out}`);
    });
    expect(out).toContain('Shoal keeps trying');
    const attemptCount = () => {
      const check = new Database(db, { readonly: true });
      try {
        return (check.prepare('SELECT COUNT(*) n FROM attempts WHERE run_id = ?').get(runId) as { n: number }).n;
      } finally {
        check.close();
      }
    };
    // Well inside the 8 s lease: the task is still the orphan's, and the orphan still runs.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(attemptCount()).toBe(1);
    expect(processesMatching(marker).length).toBeGreaterThan(0);

    // The host lets Shoal in again: the orphan is ended, and the task finishes once.
    fs.writeFileSync(authorized, granted);
    await waitFor('the orphaned work ended', () => processesMatching(marker).length === 0, 40_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${out}`);
    });
    expect(await closed, out).toBe(0);
    const check = new Database(db, { readonly: true });
    try {
      const attempts = check.prepare('SELECT attempt, state FROM attempts WHERE run_id = ? ORDER BY attempt').all(runId) as Array<{ attempt: number; state: string }>;
      expect(attempts.at(-1)).toEqual({ attempt: attempts.length, state: 'ended' });
      expect(check.prepare('SELECT attempt, result FROM receipts WHERE run_id = ?').all(runId)).toEqual([{ attempt: attempts.length, result: 'pass' }]);
    } finally {
      check.close();
    }
    expect(processesMatching(marker)).toEqual([]);
  });
});
