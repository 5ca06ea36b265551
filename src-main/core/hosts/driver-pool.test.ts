import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DriverPool } from './driver-pool';

// Drivers are shared per host; building one opens no connection, so these need no server.
describe('DriverPool', () => {
  const dirs: string[] = [];
  const pools: DriverPool[] = [];
  const pool = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-pool-'));
    dirs.push(dir);
    const p = new DriverPool(dir);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const ssh = { kind: 'ssh' as const, host: '127.0.0.1', port: 2222, user: 'dev' };

  it('shares one driver between workers that reach a host the same way', () => {
    const p = pool();
    expect(p.driverFor(ssh, { workerName: 'a', privateKey: 'KEY-A' })).toBe(p.driverFor(ssh, { workerName: 'b', privateKey: 'KEY-A' }));
    expect(p.driverFor(ssh, { workerName: 'a' })).toBe(p.driverFor(ssh, { workerName: 'b' }));
  });

  it('gives kept workers on one host with different keys or pinned host keys a driver each', () => {
    const p = pool();
    const a = p.driverFor(ssh, { workerName: 'a', privateKey: 'KEY-A' });
    expect(p.driverFor(ssh, { workerName: 'b', privateKey: 'KEY-B' })).not.toBe(a);
    expect(p.driverFor(ssh, { workerName: 'c' })).not.toBe(a);
    expect(p.driverFor(ssh, { workerName: 'd', privateKey: 'KEY-A', hostKey: 'SHA256:other' })).not.toBe(a);
    const docker = { kind: 'docker' as const, image: 'img', args: [] };
    const viaSsh = { dockerHost: 'ssh://dev@127.0.0.1:2222' };
    expect(p.driverFor(docker, { workerName: 'e', ...viaSsh, privateKey: 'KEY-A' })).not.toBe(p.driverFor(docker, { workerName: 'f', ...viaSsh, privateKey: 'KEY-B' }));
  });
});
