// Bad input and faults get clear errors naming the host, never hangs: unknown and changed SSH host
// keys, a refused key, nothing listening, a missing Docker socket, a missing image. Against a real
// OpenSSH server and podman's Docker API started here.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_IMAGE } from '../test-support/docker-api';
import { useSshdAndDocker } from '../test-support/use-hosts';
import { tempDir } from '../test-support/temp-dir';
import { DockerDriver } from './docker/docker-driver';
import { KnownHosts } from './ssh/host-keys';
import { SshConnection, type SshTarget } from './ssh/ssh-connection';
import { SshDriver } from './ssh/ssh-driver';
import { freePort } from '../test-support/free-port';

const hosts = useSshdAndDocker();

const target = (over: Partial<SshTarget> = {}): SshTarget => ({ host: '127.0.0.1', port: hosts.sshd.port, user: hosts.sshd.user, identity: hosts.sshd.identity, ...over });

function driver(t: SshTarget, keys: { known?: KnownHosts; pinned?: string | null; acceptNew?: boolean } = {}): SshDriver {
  return new SshDriver(new SshConnection(t, { known: keys.known ?? KnownHosts.inDataDir(tempDir()), pinned: keys.pinned, acceptNew: keys.acceptNew }));
}


describe('ssh host faults', () => {
  it('refuses an unknown host key, showing its fingerprint, until it is accepted; then pins it', async () => {
    const known = KnownHosts.inDataDir(tempDir());
    const refused = await driver(target(), { known }).probe();
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain(`127.0.0.1:${hosts.sshd.port}`);
    expect(refused.error).toContain(hosts.sshd.fingerprint);
    expect(refused.error).toContain('not known');

    const d = driver(target(), { known, acceptNew: true });
    const accepted = await d.probe();
    await d.close();
    expect(accepted).toMatchObject({ ok: true, git: expect.stringMatching(/^\d/) });
    expect(accepted.cpus).toBeGreaterThan(0);
    expect(accepted.memoryMb).toBeGreaterThan(0);
    expect(accepted.os).toContain('Linux');
    expect(known.get(`127.0.0.1:${hosts.sshd.port}`)).toBe(hosts.sshd.fingerprint);
    // Pinned now: no acceptance needed any more.
    const again = driver(target(), { known });
    expect((await again.probe()).ok).toBe(true);
    await again.close();
  });

  it('always refuses a changed host key, even when new keys are accepted', async () => {
    const result = await driver(target(), { pinned: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', acceptNew: true }).probe();
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/host key of 127\.0\.0\.1:\d+ changed: expected SHA256:A+, got SHA256:/);
  });

  it('names the host when nothing listens, the key is refused, or the identity file is missing', async () => {
    const port = await freePort();
    const closed = await driver(target({ port }), { acceptNew: true }).probe();
    expect(closed.error).toBe(`ssh ${hosts.sshd.user}@127.0.0.1:${port}: connection refused (is sshd running there?)`);

    const otherKey = path.join(hosts.sshd.dir, 'ssh_host_ed25519_key'); // a valid key the server does not accept for login
    const refused = await driver(target({ identity: otherKey }), { pinned: hosts.sshd.fingerprint }).probe();
    expect(refused.error).toBe(`ssh ${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}: authentication refused (no key was accepted)`);

    const missing = await driver(target({ identity: '/nonexistent/key' }), { pinned: hosts.sshd.fingerprint }).probe();
    expect(missing.error).toBe(`ssh ${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}: identity /nonexistent/key: no such file`);
  });
});

describe('docker host faults', () => {
  it('probes a usable daemon and image: git, cpus, memory', async () => {
    const probe = await new DockerDriver(TEST_IMAGE, [], hosts.dockerApi.url, 'box').probe();
    expect(probe).toMatchObject({ ok: true, git: expect.stringMatching(/^\d/) });
    expect(probe.cpus).toBeGreaterThan(0);
  });

  it('a missing image is a clear error and nothing is pulled', async () => {
    const probe = await new DockerDriver('localhost/shoal-no-such-image:latest', [], hosts.dockerApi.url, 'box').probe();
    expect(probe.ok).toBe(false);
    expect(probe.error).toBe(`image localhost/shoal-no-such-image:latest not found at ${hosts.dockerApi.url} (Shoal never pulls: build or load it there first)`);
  });

  it('a missing socket names it', async () => {
    const probe = await new DockerDriver(TEST_IMAGE, [], 'unix:///nonexistent/docker.sock', 'box').probe();
    expect(probe.error).toBe('Docker socket not found at unix:///nonexistent/docker.sock (is the daemon running?)');
  });

  it('a malformed image name is refused before any request carries it (it used to crash Shoal)', async () => {
    // "/x", "a//b" and "" made the daemon answer GET /images/…/json with a redirect that ended the
    // process (an unhandled 'error' event); "a b" and "x?y" went out as other requests.
    for (const image of ['/x', 'a//b', 'a/../../b', '', 'a b', 'x?y']) {
      const probe = await new DockerDriver(image, [], hosts.dockerApi.url, 'box').probe();
      expect(probe.ok, image).toBe(false);
      expect(probe.error, image).toMatch(image === '' ? /image required/ : /is not an image reference/);
    }
    // Let a redirect followed in the background surface, as it did, before the test ends.
    await new Promise((r) => setTimeout(r, 300));
  });

  it('a malformed --docker-host says what is wrong with it, not "Invalid URL" or "refused the connection"', () => {
    for (const url of ['tcp://127.0.0.1:99999', 'tcp://', 'tcp://127.0.0.1:0']) {
      expect(() => new DockerDriver(TEST_IMAGE, [], url, 'box'), url).toThrow(`docker host ${url}: expected tcp://HOST:PORT with a port from 1 to 65535`);
    }
    for (const url of ['unix://', 'unix://docker.sock']) {
      expect(() => new DockerDriver(TEST_IMAGE, [], url, 'box'), url).toThrow(`docker host ${url}: expected unix:///absolute/path/to/docker.sock`);
    }
  });

  it('refuses docker options it does not understand, naming the worker', () => {
    expect(() => new DockerDriver(TEST_IMAGE, ['--privileged'], hosts.dockerApi.url, 'box')).toThrow('worker box: docker option --privileged is not supported');
  });
});
