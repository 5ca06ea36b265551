// The Workers view's "Add worker" through the contract (input validation included), against a real
// OpenSSH server: an unknown host key is shown for the person to accept, then pinned; the key file
// is sealed in main and never comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput } from '../../../../src-shared/contract';
import type { ShoalCore } from '../../shoal';
import { startSshd, type TestSshd } from '../../test-support/sshd';
import { useCores } from '../../test-support/use-cores';
import { KnownHosts } from '../../hosts/ssh/host-keys';
import { freePort } from '../../test-support/free-port';

const makeCore = useCores();
let sshd: TestSshd;
beforeAll(() => {
  sshd = startSshd();
}, 120_000);
afterAll(() => sshd?.stop());

async function call<M extends MethodName>(c: ShoalCore, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await c.call(method, input, { transport: 'test' });
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.value as MethodOutput<M>;
}

describe('workers.test / workers.add', () => {
  it('shows an unknown host key, adds the worker once it is accepted, and keeps its key sealed', async () => {
    const c = makeCore();
    const host = { kind: 'ssh' as const, host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity };
    const first = await call(c, 'workers.test', { host });
    expect(first).toMatchObject({ ok: false, unknownHostKey: sshd.fingerprint });
    expect(first.error).toContain('is not known');

    const refused = await call(c, 'workers.add', { name: 'box', host });
    expect(refused.ok).toBe(false);
    expect(await call(c, 'workers.kept', {})).toEqual([]);

    const added = await call(c, 'workers.add', { name: 'box', host, acceptHostKey: sshd.fingerprint, capabilities: ['remote'] });
    expect(added).toMatchObject({ ok: true, hostKey: sshd.fingerprint, git: expect.stringMatching(/^\d/) });
    const kept = await call(c, 'workers.kept', {});
    expect(kept).toEqual([{ name: 'box', kind: 'ssh', target: `ssh ${sshd.user}@127.0.0.1:${sshd.port}`, capabilities: ['remote'], maxTasks: null, hostKey: sshd.fingerprint, keySealed: true }]);
    expect(JSON.stringify(kept)).not.toContain('PRIVATE KEY');
    // The engine took it at once: it is a worker now.
    expect((await call(c, 'workers.list', {})).map((w) => w.id)).toContain('box');

    // A different key than the one accepted is refused.
    const wrong = await call(c, 'workers.test', { host, acceptHostKey: 'SHA256:notthekey' });
    expect(wrong.error).toContain('changed');
    expect(await call(c, 'workers.remove', { name: 'box' })).toEqual({ ok: true });
  });

  it('rejects bad input by field', async () => {
    const c = makeCore();
    const envelope = await c.call('workers.add', { name: '../x', host: { kind: 'docker', image: '' } }, { transport: 'test' });
    expect(envelope.ok).toBe(false);
  });
});

describe('specs.probeWorkers (the launch preview)', () => {
  it("flags a spec's worker that cannot be reached, with the cause, and passes one that answers", async () => {
    const c = makeCore();
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${sshd.port}`, sshd.fingerprint);
    const closed = await freePort();
    const spec = {
      name: 'preview',
      worker_specs: [
        { id: 'up', name: 'good box', host: { kind: 'ssh', host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity } },
        { id: 'down', name: 'dead box', host: { kind: 'ssh', host: '127.0.0.1', port: closed, user: sshd.user, identity: sshd.identity } },
        { id: 'here', name: 'here', host: { kind: 'local' } },
      ],
      task_specs: [{ id: 't', name: 't', instructions: 'true' }],
    };
    const reach = await call(c, 'specs.probeWorkers', { text: JSON.stringify(spec), filename: 'spec.json' });
    expect(reach).toEqual([
      { id: 'up', name: 'good box', kind: 'ssh', ok: true, error: null },
      { id: 'down', name: 'dead box', kind: 'ssh', ok: false, error: `worker dead box: ssh ${sshd.user}@127.0.0.1:${closed}: connection refused (is sshd running there?)` },
      { id: 'here', name: 'here', kind: 'local', ok: true, error: null },
    ]);
    // An invalid spec has no workers to ask about; the input is still checked by the contract.
    expect(await call(c, 'specs.probeWorkers', { text: '{}', filename: 'bad.json' })).toEqual([]);
    const bad = await c.call('specs.probeWorkers', { text: 1 }, { transport: 'test' });
    expect(bad.ok).toBe(false);
  });
});

