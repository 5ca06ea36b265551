// `shoal workers add` with bad input: each refusal names the worker and the cause, comes at once
// (the worker's name and key file are judged before its host is dialled), and leaves nothing behind
// — no worker, no pinned host key, no audit entry — against a real OpenSSH server started here.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownHosts } from '../core/hosts/ssh/host-keys';
import { tempDir } from '../core/test-support/temp-core';
import { useSshd } from '../core/test-support/use-hosts';
import { runCli } from './test-support/cli';

const sshd = useSshd();

function store(): { dir: string; db: string } {
  const dir = tempDir('shoal-workers-bad-');
  return { dir, db: path.join(dir, 'shoal.db') };
}

async function nothingKept(s: { dir: string; db: string }): Promise<void> {
  expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', s.db])).stdout)).toEqual([]);
  expect(KnownHosts.inDataDir(s.dir).get(`127.0.0.1:${sshd.port}`)).toBeNull();
  expect(JSON.parse((await runCli(['approvals', '--audit', '--json', '--db', s.db])).stdout)).toEqual([]);
}

describe('shoal workers add: bad input', () => {
  it('refuses a name it could never keep before dialling the host, so accepting its key pins nothing', async () => {
    const s = store();
    const target = `${sshd.user}@127.0.0.1:${sshd.port}`;
    for (const [name, problem] of [['bad name!', 'name: "bad name!" must be 1-64 letters'], ['local', 'name: "local" is the default worker\'s']] as const) {
      const r = await runCli(['workers', 'add', name, '--ssh', target, '--identity', sshd.identity, '--accept-new-host-key', '--db', s.db]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(problem);
    }
    await nothingKept(s);
  });

  it('refuses a capability a task could not name before dialling the host, saying which one and why', async () => {
    const s = store();
    const target = `${sshd.user}@127.0.0.1:${sshd.port}`;
    const long = 'x'.repeat(65);
    const cases: Array<[string, string]> = [
      ['gpu,has space', '--capabilities: "has space" must be 1-64 letters, digits, ".", "_", ":" or "-"'],
      ['gpu=2', '--capabilities: "gpu=2" must be 1-64'],
      [`ok,${long}`, `--capabilities: "${long}" must be 1-64`],
      [Array.from({ length: 65 }, (_, i) => `c${i}`).join(','), '--capabilities: at most 64, got 65'],
    ];
    for (const [caps, problem] of cases) {
      const r = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', sshd.identity, '--accept-new-host-key', '--capabilities', caps, '--db', s.db]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`worker box: ${problem}`);
    }
    await nothingKept(s);
    // Names as tasks require them (metadata.requires) are kept, each once.
    const added = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', sshd.identity, '--accept-new-host-key', '--capabilities', ' gpu, cuda:12.4,gpu ,linux_x86-64 ', '--db', s.db]);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', s.db])).stdout)[0]).toMatchObject({ capabilities: ['gpu', 'cuda:12.4', 'linux_x86-64'] });
  });

  it('refuses a --docker-host that is no Docker address at once, as a usage error, keeping nothing', async () => {
    const s = store();
    const cases: Array<[string, string]> = [
      ['', '--docker-host: empty; give URL (or leave --docker-host out)'],
      ['foo', 'worker d: docker host foo: expected unix:///path/to/docker.sock, tcp://host:port or ssh://'],
      ['unix://', 'worker d: docker host unix://: expected unix:///absolute/path/to/docker.sock'],
      ['tcp://127.0.0.1:0', 'worker d: docker host tcp://127.0.0.1:0: expected tcp://HOST:PORT with a port from 1 to 65535'],
      ['tcp://127.0.0.1:99999', 'worker d: docker host tcp://127.0.0.1:99999: expected tcp://HOST:PORT with a port from 1 to 65535'],
      ['ssh://me:secret@127.0.0.1', 'worker d: docker host ssh://me:***@127.0.0.1: a password in the URL is not supported'],
    ];
    for (const [url, problem] of cases) {
      const r = await runCli(['workers', 'add', 'd', '--docker', 'localhost/shoal-worker:latest', '--docker-host', url, '--db', s.db]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(problem);
      expect(r.stderr).not.toContain('secret');
    }
    expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', s.db])).stdout)).toEqual([]);
  });

  it('says what is wrong with the --identity file, naming the worker and the file', async () => {
    const s = store();
    const target = `${sshd.user}@127.0.0.1:${sshd.port}`;
    const keys = tempDir('shoal-keys-');
    const notKey = path.join(keys, 'notes.txt');
    fs.writeFileSync(notKey, 'not a key\n');
    const locked = path.join(keys, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', locked]);
    const cases: Array<[string, string]> = [
      [path.join(keys, 'missing'), `cannot read ${path.join(keys, 'missing')}: no such file`],
      [keys, `cannot read ${keys}: it is a folder`],
      [`${sshd.identity}.pub`, `${sshd.identity}.pub holds a public key; give the private key (the file without .pub)`],
      [notKey, `${notKey} is not a private key ssh can use`],
      [locked, `${locked} is protected by a passphrase`],
    ];
    for (const [file, cause] of cases) {
      const r = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', file, '--accept-new-host-key', '--db', s.db]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`worker box: --identity: ${cause}`);
    }
    await nothingKept(s);
  });

  it('pins no host key when the host refuses the login, --accept-new-host-key or not: the key is pinned only with a worker kept', async () => {
    const s = store();
    const target = `${sshd.user}@127.0.0.1:${sshd.port}`;
    const keys = tempDir('shoal-keys-');
    const wrong = path.join(keys, 'id_wrong');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const r = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', wrong, '--accept-new-host-key', '--db', s.db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`worker box: ssh ${target}: authentication refused`);
    expect(r.stderr).toContain('nothing was added');
    await nothingKept(s);
    // The right key then adds it, pinning the key it accepted (audited once).
    const added = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', sshd.identity, '--accept-new-host-key', '--db', s.db]);
    expect(added.code, added.stderr).toBe(0);
    expect(KnownHosts.inDataDir(s.dir).get(`127.0.0.1:${sshd.port}`)).toBe(sshd.fingerprint);
    const audit = JSON.parse((await runCli(['approvals', '--audit', '--json', '--db', s.db])).stdout) as Array<{ action: string; detail: unknown }>;
    expect(audit.map((e) => [e.action, e.detail])).toEqual([['hostkey.trusted', { fingerprint: sshd.fingerprint, accepted: 'as new' }]]);
  });

  it('names the worker, the host and the cause when nothing listens there, and keeps nothing', async () => {
    const s = store();
    const started = Date.now();
    const r = await runCli(['workers', 'add', 'box', '--ssh', 'me@127.0.0.1:1', '--db', s.db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('worker box: ssh me@127.0.0.1:1: connection refused');
    expect(r.stderr).toContain('nothing was added');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', s.db])).stdout)).toEqual([]);
  });

  it('gives up on a host that accepts the connection but never speaks SSH after its 15 s, saying so', async () => {
    const s = store();
    const silent = net.createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const r = await runCli(['workers', 'add', 'hung', '--ssh', `me@127.0.0.1:${port}`, '--db', s.db]);
      const took = Date.now() - started;
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`worker hung: ssh me@127.0.0.1:${port}: timed out connecting: no SSH handshake within 15 s`);
      expect(took).toBeGreaterThanOrEqual(15_000);
      expect(took).toBeLessThan(40_000); // the deadline plus the command's start-up on a loaded machine
      expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', s.db])).stdout)).toEqual([]);
    } finally {
      silent.close();
    }
  }, 60_000);
});

describe('shoal workers add and remove with --json', () => {
  it('print what they did as JSON: the probe and where the worker runs, a refusal with its cause, the removal', async () => {
    const s = store();
    const target = `${sshd.user}@127.0.0.1:${sshd.port}`;
    const added = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', sshd.identity, '--accept-new-host-key', '--json', '--db', s.db]);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'box', ok: true, where: `ssh ${target}`, host_key: sshd.fingerprint, git: expect.any(String), cpus: expect.any(Number) });
    // Nothing listens on a port of a closed server: refused, nothing kept, the cause in the JSON.
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const refused = await runCli(['workers', 'add', 'gone', '--ssh', `${sshd.user}@127.0.0.1:${port}`, '--identity', sshd.identity, '--json', '--db', s.db]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ name: 'gone', ok: false, error: expect.stringContaining(`127.0.0.1:${port}`) });
    const removed = await runCli(['workers', 'remove', 'box', '--json', '--db', s.db]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ name: 'box', removed: true });
    expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', s.db])).stdout)).toEqual([]);
  });
});
