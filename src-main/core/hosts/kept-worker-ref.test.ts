// Recovery finds the kept worker a crashed attempt's host ref points at, to log in there with that
// worker's sealed key: by the host the ref names (user@host:port, or the Docker daemon), preferring
// the worker the attempt ran on. On a real store with the real cipher.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import { useCores } from '../test-support/use-cores';
import type { HostRef } from './host-ref';

const makeCore = useCores();
const me = os.userInfo().username;
const KEY_A = '-----BEGIN OPENSSH PRIVATE KEY-----\nkey of box\n-----END OPENSSH PRIVATE KEY-----\n';
const KEY_B = '-----BEGIN OPENSSH PRIVATE KEY-----\nkey of twin\n-----END OPENSSH PRIVATE KEY-----\n';

const sshRef = (over: Partial<Extract<HostRef, { kind: 'ssh' }>> = {}): HostRef => ({ kind: 'ssh', host: '127.0.0.1', port: 2222, user: me, pgid: 42, dir: '/tmp/x', ...over });
const dockerRef = (dockerHost: string | null): HostRef => ({ kind: 'docker', containerId: 'c0ffee', dockerHost });

function registry() {
  const c = makeCore({}, { start: false });
  const add = (name: string, host: FleetHostSpec, privateKey: string | null, dockerHost: string | null = null) =>
    c.workerRegistry.add({ name, host, capabilities: [], maxTasks: null, dockerHost, hostKey: `SHA256:pin-of-${name}`, privateKey });
  return { reg: c.workerRegistry, add };
}

describe('the kept worker a host ref points at', () => {
  it('matches an SSH ref by host, port and user, with the key unsealed and the host key pinned', () => {
    const { reg, add } = registry();
    add('box', { kind: 'ssh', host: '127.0.0.1', port: 2222, user: me, identity: '/gone/key' } as FleetHostSpec, KEY_A);
    add('elsewhere', { kind: 'ssh', host: '127.0.0.2', port: 2222, user: me } as FleetHostSpec, KEY_B);
    expect(reg.forRef(sshRef(), 'box')).toMatchObject({ spec: { id: 'box' }, ctx: { privateKey: KEY_A, hostKey: 'SHA256:pin-of-box' } });
    // The worker was renamed (or the attempt ran on a spec's own worker): the host still says whose key.
    expect(reg.forRef(sshRef(), 'w1')?.spec.id).toBe('box');
    expect(reg.forRef(sshRef({ host: 'LOCALHOST' }), 'box')).toBeNull();
    expect(reg.forRef(sshRef({ port: 22 }), 'box')).toBeNull();
    expect(reg.forRef(sshRef({ user: 'someone-else' }), 'box')).toBeNull();
    expect(reg.forRef(dockerRef(null), 'box')).toBeNull();
  });

  it('defaults a kept SSH worker to port 22 and this user, and prefers the worker the attempt ran on', () => {
    const { reg, add } = registry();
    add('plain', { kind: 'ssh', host: 'Box.Example' } as FleetHostSpec, null);
    add('twin', { kind: 'ssh', host: 'box.example', port: 22, user: me } as FleetHostSpec, KEY_B);
    const ref = sshRef({ host: 'box.example', port: 22 });
    expect(reg.forRef(ref, 'plain')?.spec.id).toBe('plain');
    // Another name: one that can log in (a sealed key) before one that cannot.
    expect(reg.forRef(ref, 'gone')).toMatchObject({ spec: { id: 'twin' }, ctx: { privateKey: KEY_B } });
  });

  it('matches a container by its Docker daemon', () => {
    const { reg, add } = registry();
    const far = 'ssh://me@127.0.0.1:2222/run/podman/podman.sock';
    add('far', { kind: 'docker', image: 'img', args: [] } as FleetHostSpec, KEY_A, far);
    add('near', { kind: 'docker', image: 'img', args: [] } as FleetHostSpec, null);
    expect(reg.forRef(dockerRef(far), 'x')).toMatchObject({ spec: { id: 'far' }, ctx: { dockerHost: far, privateKey: KEY_A } });
    expect(reg.forRef(dockerRef(null), 'x')?.spec.id).toBe('near');
    expect(reg.forRef(dockerRef('ssh://me@127.0.0.1:2223'), 'far')).toBeNull();
  });

  it('matches a container by the daemon it was started on, not the one DOCKER_HOST names now', () => {
    const { reg, add } = registry();
    const before = process.env.DOCKER_HOST;
    try {
      add('default', { kind: 'docker', image: 'img', args: [] } as FleetHostSpec, null);
      add('pinned', { kind: 'docker', image: 'img', args: [] } as FleetHostSpec, null, 'unix:///run/a.sock');
      // Started while DOCKER_HOST named a.sock: the ref records that daemon, resolved.
      process.env.DOCKER_HOST = 'unix:///run/b.sock';
      expect(reg.forRef(dockerRef('unix:///run/a.sock'), 'default')?.spec.id).toBe('pinned');
      expect(reg.forRef(dockerRef('unix:///run/b.sock'), 'x')?.spec.id).toBe('default');
      // A ref from before refs were resolved: null meant the environment's daemon.
      expect(reg.forRef(dockerRef(null), 'x')?.spec.id).toBe('default');
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
    }
  });
});
