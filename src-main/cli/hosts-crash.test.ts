// Shoal SIGKILLed while an attempt runs on an SSH host or in a container, then restarted: the
// remote work is found through the host ref stored with the attempt and ended before the task runs
// again — nothing is left running and nothing runs twice.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_IMAGE } from '../core/test-support/docker-api';
import { useSshdAndDocker } from '../core/test-support/use-hosts';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli, startCli } from './test-support/cli';
import { attemptRunning } from './test-support/attempt-running';
import { processesMatching, processesRunning } from '../core/test-support/processes';

const services = useSshdAndDocker();

const hosts = [
  { kind: 'ssh', host: () => ({ kind: 'ssh', host: '127.0.0.1', port: services.sshd.port, user: services.sshd.user, identity: services.sshd.identity }) },
  { kind: 'docker', host: () => ({ kind: 'docker', image: TEST_IMAGE }) },
];

/** A `shoal run` of a one-task spec on `host` whose first attempt runs `firstAttempt` (by default
 *  two `sleep`s: the marker the test looks for on this kernel), SIGKILLed once `runs()` says it
 *  runs there, and whose work outlived it. Rarely (twice in many full runs here, Docker only, the
 *  kill landing about a second after the start) podman ends a container as the Shoal attached to it
 *  dies: nothing is left to end then, which tests nothing, so the crash is made again, on a new store. */
async function killWhileRunning(kind: string, host: unknown, runId: string, marker: string, firstAttempt = `${marker} & ${marker}; wait`, runs = () => processesMatching(marker).length >= 2): Promise<{ dir: string; db: string; env: Record<string, string> }> {
  for (let tries = 1; ; tries++) {
    const crashed = await killOnce(kind, host, runId, marker, firstAttempt, runs);
    if (processesMatching(marker).length > 0 || tries === 3) return crashed;
    console.log(`[hosts-crash] ${kind}: the work went with the killed Shoal (try ${tries}); crashing again`);
  }
}

async function killOnce(kind: string, host: unknown, runId: string, marker: string, firstAttempt: string, runs: () => boolean): Promise<{ dir: string; db: string; env: Record<string, string> }> {
  const dir = tempDir('shoal-hostcrash-');
  const db = path.join(dir, 'shoal.db');
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({
    id: runId, name: `crash on ${kind}`,
    worker_specs: [{ id: 'w1', name: kind, host }],
    task_specs: [{
      id: 't', name: 't', retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 },
      instructions: `if [ "$SHOAL_ATTEMPT" = 1 ]; then ${firstAttempt}; else echo second; fi`,
    }],
  }));
  const env = { DOCKER_HOST: services.dockerApi.url };
  const first = startCli(['run', path.join(dir, 'spec.json'), '--db', db, '--accept-new-host-keys'], { cwd: dir, env });
  let stderr = '';
  first.stderr!.on('data', (d: Buffer) => (stderr += d));
  await waitFor(`the agent running on ${kind}`, () => runs() && attemptRunning(db, runId), 60_000).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${stderr}`);
  });
  first.kill('SIGKILL');
  await new Promise((r) => first.once('close', r));
  return { dir, db, env };
}

/** `shoal resume` on the killed run's store: it exits 0, nothing carrying the marker runs any more,
 *  and the task passed once, on its second attempt. */
async function resumeEndsItAndRunsOnce(at: { dir: string; db: string; env: Record<string, string> }, runId: string, marker: string): Promise<void> {
  const resumed = await runCli(['resume', '--db', at.db, '--json'], { cwd: at.dir, env: at.env, timeoutMs: 90_000 });
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(processesMatching(marker)).toEqual([]);
  const check = new Database(at.db, { readonly: true });
  try {
    const receipts = check.prepare('SELECT attempt, result FROM receipts WHERE run_id = ?').all(runId);
    expect(receipts).toEqual([{ attempt: 2, result: 'pass' }]);
  } finally {
    check.close();
  }
}

describe.each(hosts)('crash recovery on $kind', ({ kind, host }) => {
  it('ends the remote attempt a killed Shoal left running, then runs the task once more', async () => {
    const marker = `sleep 44.${process.pid % 1000}${kind.length}`;
    const runId = `crash-${kind}`;
    const { dir, db, env } = await killWhileRunning(kind, host(), runId, marker);
    expect(processesMatching(marker).length).toBeGreaterThan(0); // the remote work outlived its Shoal

    const resumed = await runCli(['resume', '--db', db, '--json'], { cwd: dir, env, timeoutMs: 90_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(processesMatching(marker)).toEqual([]);
    const check = new Database(db, { readonly: true });
    try {
      const attempts = check.prepare('SELECT attempt, state, host_ref, reap_pending FROM attempts WHERE run_id = ? ORDER BY attempt').all(runId) as Array<{ attempt: number; state: string; host_ref: string; reap_pending: number }>;
      expect(attempts.map((a) => a.state)).toEqual(['interrupted', 'ended']);
      // The orphan was ended and the retry ended on its own: nothing is owed to a later start.
      expect(attempts.map((a) => a.reap_pending)).toEqual([0, 0]);
      expect(attempts.every((a) => JSON.parse(a.host_ref).kind === kind)).toBe(true);
      const receipts = check.prepare('SELECT attempt, result FROM receipts WHERE run_id = ?').all(runId);
      expect(receipts).toEqual([{ attempt: 2, result: 'pass' }]);
      // The key `shoal run --accept-new-host-keys` accepted is audited as the CLI user's decision.
      const trusted = check.prepare(`SELECT actor, subject, detail FROM audit_log WHERE action = 'hostkey.trusted'`).all();
      expect(trusted).toEqual(kind === 'ssh' ? [{ actor: expect.stringMatching(/^cli:/), subject: `127.0.0.1:${services.sshd.port}`, detail: JSON.stringify({ fingerprint: services.sshd.fingerprint, accepted: 'as new' }) }] : []);
    } finally {
      check.close();
    }
  });

  // The window between "the host started the work" and "Shoal stored its ref": the killed Shoal's
  // attempt is left as that moment leaves it (still 'starting', no host ref, no reap marker), so
  // recovery knows nothing to end and puts the task back at once. The work carries this store's
  // mark (a container label, an SSH pgid marker): the worker's first probe ends it before the
  // worker is called up, so the task's next attempt never runs beside it.
  it('ends the remote work of an attempt whose ref the killed Shoal had not stored, before the task runs again', async () => {
    const marker = `sleep 45.${process.pid % 1000}${kind.length}`;
    const runId = `unrecorded-${kind}`;
    const { dir, db, env } = await killWhileRunning(kind, host(), runId, marker);
    const forget = new Database(db);
    try {
      forget.prepare(`UPDATE attempts SET state = 'starting', host_ref = NULL, reap_pending = 0 WHERE run_id = ? AND attempt = 1`).run(runId);
    } finally {
      forget.close();
    }
    expect(processesMatching(marker).length).toBeGreaterThan(0); // nothing stored names it

    await resumeEndsItAndRunsOnce({ dir, db, env }, runId, marker);
  });
});

// The agent's own process exits after Shoal was killed, while a job it started in the background
// runs on in its group: the leader is gone, so "is this still the attempt's group?" is answered by
// the members' environment (they inherited the agent's SHOAL_WORKDIR). Recovery ends the job.
describe.each([
  { kind: 'local', host: () => ({ kind: 'local' }) },
  { kind: 'ssh', host: hosts[0]!.host },
])('crash recovery on $kind, the agent itself gone', ({ kind, host }) => {
  it('ends what the agent left running in its group, then runs the task once more', async () => {
    const marker = `sleep 46.${process.pid % 1000}${kind.length}`;
    const runId = `leader-gone-${kind}`;
    // The agent (a shell) exits 2 s after the kill; its background sleep does not.
    const { dir, db, env } = await killWhileRunning(kind, host(), runId, marker, `${marker} >/dev/null 2>&1 & sleep 2`, () => processesRunning(marker).length === 1);
    await waitFor('the agent exited, its background job still running', () => processesRunning(marker).length === 1 && processesMatching(marker).length === 1, 30_000);

    await resumeEndsItAndRunsOnce({ dir, db, env }, runId, marker);
  });
});
