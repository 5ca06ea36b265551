// Shoal SIGKILLed while an attempt runs on a KEPT worker whose SSH key exists only sealed in the
// worker registry (the key file it was added from is gone, HOME has no ~/.ssh, there is no
// ssh-agent): on restart the remote work is still reached with that sealed key and ended promptly
// (long before the lease would lapse), the task runs once more, nothing runs twice or is left running.
// Also when the worker was renamed while Shoal was down: the ref's host says whose key it is.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { TEST_IMAGE } from '../core/test-support/docker-api';
import { useSshdAndDocker } from '../core/test-support/use-hosts';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { processesMatching } from '../core/test-support/processes';
import { runCli, startCli } from './test-support/cli';
import { attemptRunning } from './test-support/attempt-running';

const services = useSshdAndDocker();

const sshWhere = (key: string) => ['--ssh', `${services.sshd.user}@127.0.0.1:${services.sshd.port}`, '--identity', key];
const dockerWhere = (key: string) => ['--docker', TEST_IMAGE, '--docker-host', `ssh://${services.sshd.user}@127.0.0.1:${services.sshd.port}${services.dockerApi.url.replace(/^unix:\/\//, '')}`, '--identity', key];

/** `workers add` flags of each case (the key file to seal given), and the kept worker the retry runs
 *  on: a case that renames the worker while Shoal is down leaves the attempt's worker id unknown. */
const cases = [
  { kind: 'ssh', label: 'ssh', where: sshWhere, renamed: false },
  { kind: 'docker', label: 'docker over ssh://', where: dockerWhere, renamed: false },
  { kind: 'ssh', label: 'ssh, renamed while Shoal was down', where: sshWhere, renamed: true },
];

/** No fallback key anywhere: an empty HOME, no agent, no DOCKER_HOST of the caller's. */
function keylessEnv(): NodeJS.ProcessEnv {
  return { HOME: tempDir('shoal-home-'), SSH_AUTH_SOCK: '', DOCKER_HOST: '' };
}

/** Keeps a worker whose key is sealed from a file outside ~/.ssh that is then deleted: only the
 *  registry has it. */
async function keepWorker(name: string, where: (key: string) => string[], db: string, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const keyFile = path.join(tempDir('shoal-key-'), `${name}-key`);
  fs.copyFileSync(services.sshd.identity, keyFile);
  fs.chmodSync(keyFile, 0o600);
  const added = await runCli(['workers', 'add', name, ...where(keyFile), '--accept-new-host-key', '--capabilities', 'far', '--db', db], { cwd: dir, env, timeoutMs: 60_000 });
  expect(added.code, added.stderr).toBe(0);
  fs.rmSync(keyFile);
}

describe.each(cases)('crash recovery on a kept worker with a registry-only key: $label', ({ kind, where, renamed }) => {
  it('ends the orphaned remote work with the sealed key at once, then runs the task once more', async () => {
    const dir = tempDir('shoal-keptcrash-');
    const db = path.join(dir, 'shoal.db');
    const env = keylessEnv();
    await keepWorker('far', where, db, dir, env);

    const marker = `sleep 46.${process.pid % 1000}${kind.length}${renamed ? 1 : 0}`;
    const runId = `keptcrash-${kind}${renamed ? '-renamed' : ''}`;
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({
      id: runId, name: 'crash on a kept worker',
      task_specs: [{
        id: 't', name: 't', retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 }, metadata: { requires: ['far'] },
        instructions: `if [ "$SHOAL_ATTEMPT" = 1 ]; then ${marker} & ${marker}; wait; else echo second; fi`,
      }],
    }));
    const first = startCli(['run', path.join(dir, 'spec.json'), '--db', db], { cwd: dir, env });
    let stderr = '';
    first.stderr!.on('data', (d: Buffer) => (stderr += d));
    await waitFor(`the agent running on the kept ${kind} worker`, () => processesMatching(marker).length >= 2 && attemptRunning(db, runId), 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${stderr}`);
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('close', r));
    expect(processesMatching(marker).length).toBeGreaterThan(0); // the remote work outlived its Shoal
    if (renamed) {
      const removed = await runCli(['workers', 'remove', 'far', '--db', db], { cwd: dir, env });
      expect(removed.code, removed.stderr).toBe(0);
      await keepWorker('near', where, db, dir, env);
    }

    // Restarted: the orphan must be gone well before the 30 s lease would have let the task go.
    const restarted = Date.now();
    const resume = startCli(['resume', '--db', db, '--json'], { cwd: dir, env });
    onTestFinished(() => void (resume.exitCode === null && resume.signalCode === null && resume.kill('SIGKILL'))); // our child, by its handle
    let out = '';
    resume.stderr!.on('data', (d: Buffer) => (out += d));
    const closed = new Promise<number | null>((r) => resume.once('close', r));
    await waitFor('the orphaned remote work ended', () => processesMatching(marker).length === 0, 20_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${out}`);
    });
    const endedAfterMs = Date.now() - restarted;
    expect(endedAfterMs).toBeLessThan(15_000);
    expect(await closed, out).toBe(0);
    expect(out).not.toContain('could not end');
    expect(`${stderr}${out}`).not.toContain('PRIVATE KEY'); // the unsealed key is never logged
    expect(processesMatching(marker)).toEqual([]);

    const check = new Database(db, { readonly: true });
    try {
      const attempts = check.prepare('SELECT attempt, state, worker_id, host_ref FROM attempts WHERE run_id = ? ORDER BY attempt').all(runId) as Array<{ attempt: number; state: string; worker_id: string; host_ref: string }>;
      expect(attempts.map((a) => [a.state, a.worker_id])).toEqual([['interrupted', 'far'], ['ended', renamed ? 'near' : 'far']]);
      expect(attempts.every((a) => JSON.parse(a.host_ref).kind === kind)).toBe(true);
      expect(check.prepare('SELECT attempt, result FROM receipts WHERE run_id = ?').all(runId)).toEqual([{ attempt: 2, result: 'pass' }]);
    } finally {
      check.close();
    }
  });
});
