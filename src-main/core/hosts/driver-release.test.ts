// A pooled driver is closed once nothing uses it: the SSH connection of a kept worker the person
// removed closes when its last attempt has ended (not before), and that of a run's own worker when
// the run is over. Seen from the server's side: sshd forks one child per connection, so its
// children are the connections open to it (each test has an sshd of its own).
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { childrenOf } from '../test-support/processes';
import { startSshd, type TestSshd } from '../test-support/sshd';
import { launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { KnownHosts } from './ssh/host-keys';

const makeCore = useCores();
const servers: TestSshd[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
});
const sshd = (): TestSshd => {
  const s = startSshd();
  servers.push(s);
  return s;
};

describe('pooled drivers are released', () => {
  it('closes a removed kept SSH worker\'s connection once its last attempt has ended', async () => {
    const server = sshd();
    const c = makeCore({}, { start: false });
    c.workerRegistry.add({
      name: 'box', host: { kind: 'ssh', host: '127.0.0.1', port: server.port, user: server.user } as never, capabilities: [], maxTasks: 1,
      dockerHost: null, hostKey: server.fingerprint, privateKey: fs.readFileSync(server.identity, 'utf8'),
    });
    c.start();
    expect(c.engine.drainWorker('local')).toBe(true);
    const runId = launch(c, { name: 'release', task_specs: [{ id: 'a', name: 'a', instructions: 'sleep 2; echo done' }] });
    const stateOf = () => c.store.db.prepare<[string], { state: string }>("SELECT state FROM tasks WHERE run_id = ? AND task_id = 'a'").get(runId)?.state;
    await waitFor('task a running on the kept worker', () => ['running', 'running_tool'].includes(stateOf() ?? ''), 30_000);
    expect(childrenOf(server.pid).length).toBeGreaterThan(0);

    expect(c.workerRegistry.remove('box')).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    // Still running there, over the same connection.
    expect(stateOf()).toMatch(/running/);
    expect(childrenOf(server.pid).length).toBeGreaterThan(0);

    await waitFor('task a passed', () => stateOf() === 'passed', 30_000);
    const closedIn = Date.now();
    await waitFor('the connection to the removed worker closed', () => childrenOf(server.pid).length === 0, 10_000);
    console.log(`connection closed ${Date.now() - closedIn} ms after the last attempt passed`);
    expect(c.engine.drivers.size).toBe(0);
    expect(c.store.db.prepare(`SELECT status, status_reason FROM workers WHERE id = 'box'`).get()).toEqual({ status: 'offline', status_reason: 'removed from the kept workers' });
  });

  it('closes a run\'s own SSH worker\'s connection once the run is over, and opens one again when a task of it is retried', async () => {
    const server = sshd();
    const c = makeCore();
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${server.port}`, server.fingerprint);
    // Fails the first time (the run is over, failed), passes when retried.
    const flag = `${tempDir()}/tried`;
    const runId = launch(c, {
      name: 'own',
      worker_specs: [{ id: 'w1', name: 'own box', host: { kind: 'ssh', host: '127.0.0.1', port: server.port, user: server.user, identity: server.identity } }],
      task_specs: [{ id: 't', name: 't', instructions: `if [ -e ${flag} ]; then echo again; else touch ${flag}; exit 1; fi`, retry_policy: { max_attempts: 1 } }],
    });
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    await waitFor('the run\'s connection closed', () => childrenOf(server.pid).length === 0, 10_000);
    expect(c.engine.drivers.size).toBe(0);
    expect(c.store.db.prepare(`SELECT status FROM workers WHERE id = 'w1'`).get()).toEqual({ status: 'offline' });

    // "Retry now" reopens the run: its worker comes back, with a connection of its own.
    expect(c.engine.retryTask(runId, 't')).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(c.engine.fleet.receipts(runId).map((r) => r.worker_id)).toEqual(['w1', 'w1']);
    await waitFor('the connection closed again', () => childrenOf(server.pid).length === 0, 10_000);
  });
});
