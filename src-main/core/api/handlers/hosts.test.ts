// The Workers view's "Add worker" through the contract (input validation included), against a real
// OpenSSH server (and podman's Docker API behind it, for a daemon reached over ssh://): an unknown
// host key is shown for the person to accept, then pinned; the key file is sealed in main and never
// comes back.
import fs from 'node:fs';
import { callMethod as call } from '../../test-support/core-call';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { MethodInput } from '../../../../src-shared/contract';
import { TEST_IMAGE } from '../../test-support/docker-api';
import { launch } from '../../test-support/temp-core';
import { useCores } from '../../test-support/use-cores';
import { useSshdAndDocker } from '../../test-support/use-hosts';
import { KnownHosts } from '../../hosts/ssh/host-keys';
import { freePort } from '../../test-support/free-port';

const makeCore = useCores();
const hosts = useSshdAndDocker();


describe('workers.test / workers.add', () => {
  it('two adds of one name at once: one keeps the worker, the other is told it exists (a conflict, not bad input)', async () => {
    const c = makeCore();
    const add = () => c.call('workers.add', { name: 'twin', host: { kind: 'local' } }, { transport: 'test' });
    const answers = await Promise.all([add(), add()]);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok).map((a) => !a.ok && a.error)).toEqual([expect.objectContaining({ code: 'conflict', message: 'A worker "twin" already exists.' })]);
    expect(await call(c, 'workers.kept', {})).toEqual([expect.objectContaining({ name: 'twin', kind: 'local', target: 'this computer' })]);
  });

  it('shows an unknown host key, adds the worker once it is accepted, and keeps its key sealed', async () => {
    const c = makeCore();
    const host = { kind: 'ssh' as const, host: '127.0.0.1', port: hosts.sshd.port, user: hosts.sshd.user, identity: hosts.sshd.identity };
    const first = await call(c, 'workers.test', { host });
    expect(first).toMatchObject({ ok: false, unknownHostKey: hosts.sshd.fingerprint });
    expect(first.error).toContain('is not known');
    expect(first.error).toContain('trust it below'); // the dialog's checkbox, not the CLI's flags
    expect(first.error).not.toContain('--accept-new-host-key');

    const refused = await call(c, 'workers.add', { name: 'box', host });
    expect(refused.ok).toBe(false);
    expect(await call(c, 'workers.kept', {})).toEqual([]);

    const added = await call(c, 'workers.add', { name: 'box', host, acceptHostKey: hosts.sshd.fingerprint, capabilities: ['remote'] });
    expect(added).toMatchObject({ ok: true, hostKey: hosts.sshd.fingerprint, git: expect.stringMatching(/^\d/) });
    const kept = await call(c, 'workers.kept', {});
    expect(kept).toEqual([{ name: 'box', kind: 'ssh', target: `ssh ${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}`, capabilities: ['remote'], maxTasks: null, hostKey: hosts.sshd.fingerprint, keySealed: true }]);
    expect(JSON.stringify(kept)).not.toContain('PRIVATE KEY');
    // The engine took it at once: it is a worker now.
    expect((await call(c, 'workers.list', {})).map((w) => w.id)).toContain('box');
    // Trusting the key in the dialog is a decision the audit log keeps.
    expect(c.audit.list({ limit: 5 }).filter((e) => e.action === 'hostkey.trusted').map((e) => [e.actor, e.subject, e.detail]))
      .toEqual([['you', `127.0.0.1:${hosts.sshd.port}`, { fingerprint: hosts.sshd.fingerprint }]]);

    // A different key than the one accepted is refused.
    const wrong = await call(c, 'workers.test', { host, acceptHostKey: 'SHA256:notthekey' });
    expect(wrong.error).toContain('changed');

    // The kept worker's own Test: reached with its pinned key and sealed key file, as the engine does.
    expect(await call(c, 'workers.testKept', { name: 'box' })).toMatchObject({ ok: true, hostKey: hosts.sshd.fingerprint, git: expect.stringMatching(/^\d/), cpus: expect.any(Number) });
    const none = await c.call('workers.testKept', { name: 'nobox' }, { transport: 'test' });
    expect(none.ok ? null : none.error).toMatchObject({ code: 'not_found', message: 'No kept worker "nobox".' });
    const bad = await c.call('workers.testKept', { name: '../box' }, { transport: 'test' });
    expect(bad.ok ? null : bad.error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('name') });
    expect(await call(c, 'workers.remove', { name: 'box' })).toEqual({ ok: true });
  });

  it('adds a Docker worker reached over ssh:// with a key file: the key is sealed, and the worker tests usable and runs a task', async () => {
    // No ssh-agent: the key file is the only way in (the test sshd takes no other key).
    const savedAgent = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK;
    onTestFinished(() => {
      if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
    });
    const c = makeCore();
    const dockerHost = `ssh://${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}${hosts.dockerApi.url.replace(/^unix:\/\//, '')}`;
    const host = { kind: 'docker' as const, image: TEST_IMAGE, dockerHost, identity: hosts.sshd.identity };
    const first = await call(c, 'workers.test', { host });
    expect(first).toMatchObject({ ok: false, unknownHostKey: hosts.sshd.fingerprint });
    const tested = await call(c, 'workers.test', { host, acceptHostKey: hosts.sshd.fingerprint });
    expect(tested, tested.error).toMatchObject({ ok: true, hostKey: hosts.sshd.fingerprint, git: expect.stringMatching(/^\d/) });

    const added = await call(c, 'workers.add', { name: 'far', host, acceptHostKey: hosts.sshd.fingerprint });
    expect(added.ok, added.error).toBe(true);
    const kept = await call(c, 'workers.kept', {});
    expect(kept).toEqual([{ name: 'far', kind: 'docker', target: `docker ${TEST_IMAGE} at ${dockerHost}`, capabilities: [], maxTasks: null, hostKey: hosts.sshd.fingerprint, keySealed: true }]);
    // Sealed at rest: neither the stored row nor the worker's spec holds the key or its path.
    const key = fs.readFileSync(hosts.sshd.identity, 'utf8');
    const row = c.store.db.prepare<[string], { host: string; sealed_secret: string }>('SELECT host, sealed_secret FROM worker_registry WHERE name = ?').get('far')!;
    expect(row.sealed_secret).not.toContain('PRIVATE KEY');
    expect(row.sealed_secret).not.toContain(key.split('\n')[1]!);
    expect(row.host).not.toContain(hosts.sshd.identity);

    // The engine took it with the unsealed key: with this computer drained, a task runs in its container.
    expect(c.engine.drainWorker('local')).toBe(true);
    const runId = launch(c, { name: 'far', task_specs: [{ id: 't', name: 't', instructions: 'echo "in $PWD"' }] });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const [receipt] = c.engine.fleet.receipts(runId);
    expect(receipt).toMatchObject({ worker_id: 'far', result: 'pass' });
    const log = (receipt!.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'log')!;
    expect(fs.readFileSync(log.path, 'utf8')).toContain('in /shoal/work'); // the copy in the container
  }, 120_000);

  it('rejects bad input by field', async () => {
    const c = makeCore();
    const envelope = await c.call('workers.add', { name: '../x', host: { kind: 'docker', image: '' } }, { transport: 'test' });
    expect(envelope.ok).toBe(false);
    const refused = async (host: MethodInput<'workers.test'>['host']) => {
      const r = await c.call('workers.test', { host }, { transport: 'test' });
      return r.ok ? 'accepted' : r.error.message;
    };
    // A key for a daemon reached without SSH would be sealed and never used.
    expect(await refused({ kind: 'docker', image: TEST_IMAGE, dockerHost: hosts.dockerApi.url, identity: hosts.sshd.identity }))
      .toContain(`identity: a key file is only for a Docker host reached over ssh://, not ${hosts.dockerApi.url}`);
    const over = `ssh://${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}`;
    expect(await refused({ kind: 'docker', image: TEST_IMAGE, dockerHost: over, identity: '/nonexistent/id_ed25519' })).toContain('identity: cannot read /nonexistent/id_ed25519');
    // The dialog has no working directory a relative path could mean.
    expect(await refused({ kind: 'ssh', host: '127.0.0.1', identity: 'id_ed25519' })).toContain('identity: give the key file\'s full path (or ~/…), not "id_ed25519"');
    expect(await refused({ kind: 'docker', image: TEST_IMAGE, dockerHost: over, identity: 'x'.repeat(5000) })).toMatch(/identity/);
  });
});

describe('specs.probeWorkers (the launch preview)', () => {
  it("flags a spec's worker that cannot be reached, with the cause, and passes one that answers", async () => {
    const c = makeCore();
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${hosts.sshd.port}`, hosts.sshd.fingerprint);
    const closed = await freePort();
    const spec = {
      name: 'preview',
      worker_specs: [
        { id: 'up', name: 'good box', host: { kind: 'ssh', host: '127.0.0.1', port: hosts.sshd.port, user: hosts.sshd.user, identity: hosts.sshd.identity } },
        { id: 'down', name: 'dead box', host: { kind: 'ssh', host: '127.0.0.1', port: closed, user: hosts.sshd.user, identity: hosts.sshd.identity } },
        { id: 'here', name: 'here', host: { kind: 'local' } },
      ],
      task_specs: [{ id: 't', name: 't', instructions: 'true' }],
    };
    const reach = await call(c, 'specs.probeWorkers', { text: JSON.stringify(spec), filename: 'spec.json' });
    expect(reach).toEqual([
      { id: 'up', name: 'good box', kind: 'ssh', ok: true, error: null, unknownHostKey: null },
      { id: 'down', name: 'dead box', kind: 'ssh', ok: false, error: `worker dead box: ssh ${hosts.sshd.user}@127.0.0.1:${closed}: connection refused (is sshd running there?)`, unknownHostKey: null },
      { id: 'here', name: 'here', kind: 'local', ok: true, error: null, unknownHostKey: null },
    ]);
    // An invalid spec has no workers to ask about; the input is still checked by the contract.
    expect(await call(c, 'specs.probeWorkers', { text: '{}', filename: 'bad.json' })).toEqual([]);
    const bad = await c.call('specs.probeWorkers', { text: 1 }, { transport: 'test' });
    expect(bad.ok).toBe(false);
  });

  it("offers to trust a spec's worker's unknown host key right there, pins exactly that key, and passes the worker after", async () => {
    const c = makeCore();
    const address = `127.0.0.1:${hosts.sshd.port}`;
    const host = { kind: 'ssh' as const, host: '127.0.0.1', port: hosts.sshd.port, user: hosts.sshd.user, identity: hosts.sshd.identity };
    const spec = { name: 'preview', worker_specs: [{ id: 'far', name: 'far box', host }], task_specs: [{ id: 't', name: 't', instructions: 'true' }] };
    const probe = () => call(c, 'specs.probeWorkers', { text: JSON.stringify(spec), filename: 'spec.json' });
    const [unknown] = await probe();
    expect(unknown).toEqual({
      id: 'far', name: 'far box', kind: 'ssh', ok: false,
      error: `worker far box: ssh ${hosts.sshd.user}@${address}: host key of ${address} is not known: ${hosts.sshd.fingerprint}; check it against the host, then trust it below`,
      unknownHostKey: { address, fingerprint: hosts.sshd.fingerprint },
    });
    // Nothing was pinned by asking, and no worker is kept by trusting.
    expect(KnownHosts.inDataDir(c.dataDir).get(address)).toBeNull();
    expect(await call(c, 'workers.trustHostKey', unknown!.unknownHostKey!)).toEqual({ ok: true });
    expect(KnownHosts.inDataDir(c.dataDir).get(address)).toBe(hosts.sshd.fingerprint);
    expect(await call(c, 'workers.kept', {})).toEqual([]);
    expect(c.audit.list({ limit: 5 }).map((e) => [e.action, e.subject])).toContainEqual(['hostkey.trusted', address]);
    expect(await probe()).toEqual([{ id: 'far', name: 'far box', kind: 'ssh', ok: true, error: null, unknownHostKey: null }]);
    // Trusting the same key again is harmless; another key over a pinned one is refused, naming both.
    expect(await call(c, 'workers.trustHostKey', { address, fingerprint: hosts.sshd.fingerprint })).toEqual({ ok: true });
    const other = `SHA256:${'A'.repeat(43)}`;
    await expect(call(c, 'workers.trustHostKey', { address, fingerprint: other })).rejects.toThrow(`host key of ${address} is already pinned as ${hosts.sshd.fingerprint}`);
    // With the step that does replace a pin (editing files by hand is not one).
    await expect(call(c, 'workers.trustHostKey', { address, fingerprint: other })).rejects.toThrow(`shoal workers trust ${address} --replace --fingerprint <the key you checked>`);
    expect(KnownHosts.inDataDir(c.dataDir).get(address)).toBe(hosts.sshd.fingerprint);
  });

  it('refuses a malformed address or fingerprint, naming the field', async () => {
    const c = makeCore();
    const refused = async (input: unknown) => {
      const r = await c.call('workers.trustHostKey', input as never, { transport: 'test' });
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.error.message;
    };
    const fingerprint = `SHA256:${'A'.repeat(43)}`;
    expect(await refused({ address: '127.0.0.1', fingerprint })).toContain('address: host:port');
    expect(await refused({ address: '127.0.0.1:99999', fingerprint })).toContain('address: port 99999');
    expect(await refused({ address: 'a b:22', fingerprint })).toContain('address');
    expect(await refused({ address: '127.0.0.1:22', fingerprint: 'MD5:ab:cd' })).toContain('fingerprint: SHA256:');
    expect(await refused({ address: '127.0.0.1:22', fingerprint, extra: 1 })).toMatch(/extra|unrecognized/i);
    expect(KnownHosts.inDataDir(c.dataDir).get('127.0.0.1:22')).toBeNull();
  });
});

