// A kept SSH worker takes tasks of runs without their own workers (the local one drained here), and
// the reverse port forward lets an agent there reach a server on this computer's 127.0.0.1 (how the
// tool gateway stays reachable).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type TestSshd } from '../test-support/sshd';
import { launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { KnownHosts } from './ssh/host-keys';
import { SshConnection } from './ssh/ssh-connection';
import fs from 'node:fs';

const makeCore = useCores();
let sshd: TestSshd;
beforeAll(() => {
  sshd = startSshd();
}, 120_000);
afterAll(() => sshd?.stop());

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
