// A kept SSH worker takes tasks of runs without their own workers (the local one drained here); the
// reverse port forward lets an agent there reach a server on this computer's 127.0.0.1 (how the tool
// gateway stays reachable); a dropped connection makes the worker unhealthy, its attempt is reclaimed
// at the lease deadline and retried once the host answers again, and the agent it cut off is ended.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSshd } from '../test-support/sshd';
import { useSshd } from '../test-support/use-hosts';
import { eventsOf, launch } from '../test-support/temp-core';
import { waitFor } from '../test-support/wait-for';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { KnownHosts } from './ssh/host-keys';
import { SshConnection } from './ssh/ssh-connection';
import fs from 'node:fs';
import { processesRunning } from '../test-support/processes';

const makeCore = useCores();

const sshd = useSshd();

describe('kept workers', () => {
  it('runs a task on a kept SSH worker with its sealed key', async () => {
    const dir = tempDir();
    const setup = makeCore({}, { dir, start: false });
    setup.workerRegistry.add({
      name: 'box', host: { kind: 'ssh', host: '127.0.0.1', port: sshd.port, user: sshd.user } as never, capabilities: ['remote'], maxTasks: 1,
      dockerHost: null, hostKey: sshd.fingerprint, privateKey: fs.readFileSync(sshd.identity, 'utf8'),
    });
    setup.start();
    expect(setup.engine.drainWorker('local')).toBe(true);
    const runId = launch(setup, { name: 'kept', task_specs: [{ id: 't', name: 't', instructions: 'echo "on $SHOAL_WORKDIR"' }] });
    expect(await setup.engine.waitForRun(runId)).toBe('completed');
    const [receipt] = setup.engine.fleet.receipts(runId);
    expect(receipt).toMatchObject({ worker_id: 'box', result: 'pass' });
    const log = (receipt!.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'log')!;
    expect(fs.readFileSync(log.path, 'utf8')).toMatch(/^on \/.*\.shoal\/work\//m); // ran in the remote workdir
  });

  it('stops placing work on a kept worker removed while it runs a task; that task finishes there', async () => {
    const dir = tempDir();
    const c = makeCore({}, { dir, start: false });
    c.workerRegistry.add({
      name: 'gone', host: { kind: 'ssh', host: '127.0.0.1', port: sshd.port, user: sshd.user } as never, capabilities: [], maxTasks: 1,
      dockerHost: null, hostKey: sshd.fingerprint, privateKey: fs.readFileSync(sshd.identity, 'utf8'),
    });
    c.start();
    expect(c.engine.drainWorker('local')).toBe(true);
    const runId = launch(c, { name: 'removed', task_specs: [
      { id: 'a', name: 'a', priority: 2, instructions: 'sleep 2; echo first' },
      { id: 'b', name: 'b', priority: 1, instructions: 'echo second' },
    ] });
    const stateOf = (id: string) => (c.store.db.prepare('SELECT state FROM tasks WHERE run_id = ? AND task_id = ?').get(runId, id) as { state: string } | undefined)?.state;
    await waitFor('task a running on the kept worker', () => ['running', 'running_tool'].includes(stateOf('a') ?? ''), 30_000);
    const removed = await c.call('workers.remove', { name: 'gone' }, { transport: 'test' });
    expect(removed).toMatchObject({ ok: true, value: { ok: true } });
    await waitFor('task a finished', () => stateOf('a') === 'passed', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(stateOf('b')).toBe('queued'); // not placed on the removed worker
    const row = c.store.db.prepare(`SELECT status, status_reason FROM workers WHERE id = 'gone'`).get();
    expect(row).toEqual({ status: 'offline', status_reason: 'removed from the kept workers' });
    expect(c.engine.resumeWorker('local')).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(c.engine.fleet.receipts(runId).map((r) => [r.task_id, r.worker_id])).toEqual(expect.arrayContaining([['a', 'gone'], ['b', 'local']]));
  });

  it('forwards a port on the remote 127.0.0.1 back to a server here', async () => {
    const server = http.createServer((_req, res) => res.end('gateway here'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const conn = new SshConnection({ host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity }, { known: KnownHosts.inDataDir(tempDir()), pinned: sshd.fingerprint });
    try {
      const remotePort = await conn.forwardToLocal((server.address() as { port: number }).port);
      const r = await conn.exec(`curl -s --max-time 5 http://127.0.0.1:${remotePort}/`);
      expect(r.stdout.toString()).toContain('gateway here');
    } finally {
      conn.close();
      server.close();
    }
  });
});

describe('a dropped SSH connection', () => {
  it('marks the worker unhealthy, reclaims the cut-off attempt at its lease deadline, and retries it once the host is back', async () => {
    const dir = tempDir('shoal-sshd-drop-');
    const own = startSshd(dir);
    onTestFinished(() => own.stop()); // also when the test fails before its own stop below
    const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${own.port}`, own.fingerprint);
    const marker = `sleep 45.${process.pid % 1000}`;
    const flag = path.join(tempDir(), 'first-attempt');
    const runId = launch(c, {
      name: 'drop',
      worker_specs: [{ id: 'w1', name: 'flaky box', host: { kind: 'ssh', host: '127.0.0.1', port: own.port, user: own.user, identity: own.identity } }],
      // The first attempt hangs (and is cut off); the retry finds the flag and passes. No spare
      // attempt: any other failure (a setup step's lost exit status, say) fails this test.
      task_specs: [{ id: 't', name: 't', instructions: `if [ -e ${flag} ]; then echo again; else touch ${flag}; ${marker} & ${marker}; wait; fi`, retry_policy: { max_attempts: 2, initial_backoff_seconds: 1 } }],
    });
    await waitFor('the agent running', () => processesRunning(marker).length >= 2, 20_000);
    const leased = Date.now();
    own.stop(); // the server and every connection go (by the PID it recorded)
    const status = () => c.store.db.prepare<[string], { status: string }>('SELECT status FROM workers WHERE id = ?').get('w1')?.status;
    await waitFor('the worker marked unhealthy', () => status() === 'unhealthy', 10_000);
    // Not failed at once: the lease lapses first (5 s here), then the reaper reclaims the task.
    const stale = await waitFor('the attempt reclaimed', () => eventsOf(c, runId, 't').find((e) => e.state === 'stale'), 20_000);
    expect(Date.parse(String(stale.timestamp)) - leased).toBeGreaterThan(3_000);
    const note = await waitFor('the task waiting for the host', () => c.store.db.prepare<[string], { unplaceable: string | null }>("SELECT unplaceable FROM tasks WHERE run_id = ? AND task_id = 't'").get(runId)?.unplaceable);
    expect(note).toContain(`worker flaky box: ssh ${own.user}@127.0.0.1:${own.port}: connection refused`);
    expect(processesRunning(marker).length).toBeGreaterThan(0); // cut off, still running there
    // The host comes back on the same port: the orphan is ended and the task retried there.
    execFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/infra/sshd-up'), [dir], { env: { ...process.env, SSHD_UP_PORT: String(own.port) } });
    try {
      expect(await c.engine.waitForRun(runId)).toBe('completed');
      expect(c.engine.fleet.receipts(runId)).toMatchObject([{ worker_id: 'w1', result: 'pass' }]);
      await waitFor('the cut-off agent ended', () => processesRunning(marker).length === 0, 30_000);
      // It was back (the retry ran there); with its run over, the run's worker has left the engine.
      await waitFor('the run\'s worker to leave', () => status() === 'offline', 10_000);
    } finally {
      own.stop();
    }
  });
});
