// `shoal workers`: add (host key refused until accepted, then pinned), list, test, remove, against a
// real OpenSSH server and podman's Docker API started here; the SSH key is sealed at rest.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_IMAGE } from '../core/test-support/docker-api';
import { useSshdAndDocker } from '../core/test-support/use-hosts';
import { tempDir } from '../core/test-support/temp-core';
import { parseSshTarget } from './commands/workers';
import { runCli, startCli } from './test-support/cli';
import { waitFor } from '../core/test-support/wait-for';

const hosts = useSshdAndDocker();

describe('shoal workers', () => {
  it('adds an SSH worker only once its host key is accepted, keeps the key sealed, tests and removes it', async () => {
    const dir = tempDir('shoal-workers-');
    const db = path.join(dir, 'shoal.db');
    const target = `${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}`;
    const refused = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', hosts.sshd.identity, '--db', db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`worker box: ssh ${target}: host key of 127.0.0.1:${hosts.sshd.port} is not known: ${hosts.sshd.fingerprint}`);
    expect(refused.stderr).toContain('nothing was added');
    expect(refused.stderr).toContain('accept it with --accept-new-host-key (shoal workers add)'); // the CLI names its flags

    const added = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', hosts.sshd.identity, '--accept-new-host-key', '--capabilities', 'remote,git', '--max-tasks', '2', '--db', db]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^box: usable — git \d/);
    // Accepting the new key is audited as this user's decision.
    const audit = JSON.parse((await runCli(['approvals', '--audit', '--json', '--db', db])).stdout) as Array<{ actor: string; action: string; subject: string; detail: unknown }>;
    expect(audit.filter((e) => e.action === 'hostkey.trusted').map((e) => [e.actor, e.subject, e.detail]))
      .toEqual([[expect.stringMatching(/^cli:/), `127.0.0.1:${hosts.sshd.port}`, { fingerprint: hosts.sshd.fingerprint, accepted: 'as new' }]]);

    const list = JSON.parse((await runCli(['workers', 'list', '--json', '--db', db])).stdout) as Array<Record<string, unknown>>;
    expect(list).toEqual([{
      name: 'box', host: { kind: 'ssh', host: '127.0.0.1', port: hosts.sshd.port, user: hosts.sshd.user, identity: hosts.sshd.identity },
      capabilities: ['remote', 'git'], max_tasks: 2, docker_host: null, host_key: hosts.sshd.fingerprint, key_sealed: true,
      // No Shoal has put it in service yet, so it has no state.
      status: null, status_reason: null, owed_reaps: 0,
    }]);
    // The private key is in the store only sealed.
    const keyBody = fs.readFileSync(hosts.sshd.identity, 'utf8').split('\n')[1]!;
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('shoal.db'))) expect(fs.readFileSync(path.join(dir, f), 'latin1')).not.toContain(keyBody);

    const tested = await runCli(['workers', 'test', 'box', '--json', '--db', db]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(JSON.parse(tested.stdout)).toMatchObject({ name: 'box', ok: true, git: expect.stringMatching(/^\d/) });

    const dup = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', hosts.sshd.identity, '--db', db]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('a worker "box" already exists');

    expect((await runCli(['workers', 'remove', 'box', '--db', db])).code).toBe(0);
    expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', db])).stdout)).toEqual([]);
  });

  it('adds a Docker worker, refuses a missing image, and says why a worker is unusable', async () => {
    const dir = tempDir('shoal-workers-');
    const db = path.join(dir, 'shoal.db');
    const missing = await runCli(['workers', 'add', 'nope', '--docker', 'localhost/shoal-missing:1', '--docker-host', hosts.dockerApi.url, '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`worker nope: image localhost/shoal-missing:1 not found at ${hosts.dockerApi.url} (Shoal never pulls`);

    const added = await runCli(['workers', 'add', 'ctr', '--docker', TEST_IMAGE, '--docker-host', hosts.dockerApi.url, '--db', db, '--', '-e', 'FOO=bar']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(`added worker ctr: docker ${TEST_IMAGE} at ${hosts.dockerApi.url}`);
    const list = (await runCli(['workers', 'list', '--db', db])).stdout;
    expect(list).toContain('ctr');
    const tested = await runCli(['workers', 'test', 'ctr', '--db', db]);
    expect(tested.code, tested.stderr).toBe(0);
  });

  it('a worker removed during a run and added again is not listed as removed', async () => {
    const dir = tempDir('shoal-workers-');
    const db = path.join(dir, 'shoal.db');
    const add = () => runCli(['workers', 'add', 'ctr', '--docker', TEST_IMAGE, '--docker-host', hosts.dockerApi.url, '--capabilities', 'container', '--db', db]);
    expect((await add()).code).toBe(0);
    const spec = path.join(dir, 'slow.yaml');
    fs.writeFileSync(spec, 'name: slow\ntask_specs:\n  - { id: s, name: S, instructions: sleep 3, metadata: { requires: [container] } }\n');
    const run = startCli(['run', spec, '--db', db], { cwd: dir });
    let err = '';
    run.stderr!.on('data', (d: Buffer) => (err += d));
    const ended = new Promise<number | null>((resolve) => run.on('close', resolve));
    await waitFor('the task running on ctr', () => err.includes('s: running'), 60_000);
    expect((await runCli(['workers', 'remove', 'ctr', '--db', db])).code).toBe(0);
    expect(await ended, err).toBe(0); // the task it ran finished there
    const status = async () => (JSON.parse((await runCli(['workers', 'list', '--json', '--db', db])).stdout) as Array<Record<string, unknown>>)[0];
    expect(await status()).toBeUndefined();
    // Kept again (no Shoal runs now to put it in service): it is not "removed", it has no state yet.
    expect((await add()).code).toBe(0);
    expect(await status()).toMatchObject({ name: 'ctr', status: null, status_reason: null });
    expect((await runCli(['workers', 'list', '--db', db])).stdout).not.toContain('removed from the kept workers');
  });

  it('shoal validate counts the kept workers of its store, as shoal run places tasks on them', async () => {
    const dir = tempDir('shoal-workers-');
    const db = path.join(dir, 'shoal.db');
    const added = await runCli(['workers', 'add', 'ctr', '--docker', TEST_IMAGE, '--docker-host', hosts.dockerApi.url, '--capabilities', 'container', '--db', db]);
    expect(added.code, added.stderr).toBe(0);
    const spec = path.join(dir, 'kept.yaml');
    fs.writeFileSync(spec, [
      'name: on kept workers',
      'task_specs:',
      '  - { id: boxed, name: Boxed, instructions: echo hi, metadata: { requires: [container] } }',
      '  - { id: gpu, name: GPU, instructions: echo hi, metadata: { requires: [gpu] } }',
    ].join('\n'));
    const checked = await runCli(['validate', spec, '--json', '--db', db]);
    expect(checked.code, checked.stderr).toBe(0);
    const warnings = (JSON.parse(checked.stdout) as { warnings: string[] }).warnings;
    // The kept worker offers "container": only the task nothing offers is called unplaceable, and the kept worker is listed.
    expect(warnings.filter((w) => w.includes('cannot be placed'))).toEqual([expect.stringMatching(/^task_specs\[1\]: cannot be placed: no worker offers "gpu" \(workers: local \[.*\]; ctr \[container\]\)$/)]);
  });

  it('adds a Docker worker whose daemon is reached over ssh://, with the SSH login\'s key sealed and its host key pinned; refuses tcp:// to another machine', async () => {
    const dir = tempDir('shoal-workers-');
    const db = path.join(dir, 'shoal.db');
    const url = `ssh://${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}${hosts.dockerApi.url.replace(/^unix:\/\//, '')}`;
    const wrongKey = await runCli(['workers', 'add', 'far', '--docker', TEST_IMAGE, '--docker-host', hosts.dockerApi.url, '--identity', hosts.sshd.identity, '--db', db]);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain('--identity is for --ssh HOST or --docker-host ssh://HOST');

    // A tcp:// daemon on another machine is refused before any traffic (192.0.2.0/24 is documentation-only).
    const tcp = await runCli(['workers', 'add', 'far', '--docker', TEST_IMAGE, '--docker-host', 'tcp://192.0.2.10:2375', '--db', db]);
    expect(tcp.code).toBe(1);
    expect(tcp.stderr).toContain('worker far: Docker at tcp://192.0.2.10:2375 is on another machine: its containers cannot reach Shoal\'s tool gateway over tcp:// (unencrypted); use --docker-host ssh://');

    const refused = await runCli(['workers', 'add', 'far', '--docker', TEST_IMAGE, '--docker-host', url, '--identity', hosts.sshd.identity, '--db', db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`worker far: ssh ${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}: host key of 127.0.0.1:${hosts.sshd.port} is not known: ${hosts.sshd.fingerprint}`);

    const added = await runCli(['workers', 'add', 'far', '--docker', TEST_IMAGE, '--docker-host', url, '--identity', hosts.sshd.identity, '--accept-new-host-key', '--db', db]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(`added worker far: docker ${TEST_IMAGE} at ${url} (host key ${hosts.sshd.fingerprint})`);
    expect(added.stdout).toMatch(/^far: usable — git \d/);
    const [kept] = JSON.parse((await runCli(['workers', 'list', '--json', '--db', db])).stdout) as Array<Record<string, unknown>>;
    expect(kept).toMatchObject({ name: 'far', docker_host: url, host_key: hosts.sshd.fingerprint, key_sealed: true });

    const tested = await runCli(['workers', 'test', 'far', '--json', '--db', db]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(JSON.parse(tested.stdout)).toMatchObject({ name: 'far', ok: true, git: expect.stringMatching(/^\d/), cpus: expect.any(Number) });
  });

  it('reads [USER@]HOST[:PORT]', () => {
    expect(parseSshTarget('me@10.0.0.5:2222')).toEqual({ host: '10.0.0.5', port: 2222, user: 'me' });
    expect(parseSshTarget('box')).toEqual({ host: 'box' });
    expect(() => parseSshTarget('me@box:99999')).toThrow('port 99999 is out of range');
  });
});
