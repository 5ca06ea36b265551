import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DriverPool } from './driver-pool';

// Drivers are shared per host and closed when nobody uses them; building one opens no connection,
// so these need no server (a real connection closed so: kept-worker-sync.test.ts).
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
    expect(p.acquire(ssh, { workerName: 'a', privateKey: 'KEY-A' }).driver).toBe(p.acquire(ssh, { workerName: 'b', privateKey: 'KEY-A' }).driver);
    expect(p.acquire(ssh, { workerName: 'a' }).driver).toBe(p.acquire(ssh, { workerName: 'b' }).driver);
  });

  it('gives kept workers on one host with different keys or pinned host keys a driver each', () => {
    const p = pool();
    const a = p.acquire(ssh, { workerName: 'a', privateKey: 'KEY-A' }).driver;
    expect(p.acquire(ssh, { workerName: 'b', privateKey: 'KEY-B' }).driver).not.toBe(a);
    expect(p.acquire(ssh, { workerName: 'c' }).driver).not.toBe(a);
    expect(p.acquire(ssh, { workerName: 'd', privateKey: 'KEY-A', hostKey: 'SHA256:other' }).driver).not.toBe(a);
    const docker = { kind: 'docker' as const, image: 'img', args: [] };
    const viaSsh = { dockerHost: 'ssh://dev@127.0.0.1:2222' };
    expect(p.acquire(docker, { workerName: 'e', ...viaSsh, privateKey: 'KEY-A' }).driver).not.toBe(p.acquire(docker, { workerName: 'f', ...viaSsh, privateKey: 'KEY-B' }).driver);
  });

  it('closes a driver once its last use is released, and not before', async () => {
    const p = pool();
    const worker = p.acquire(ssh, { workerName: 'a' });
    const attempt = p.share(worker.driver);
    worker.release();
    worker.release(); // a second release of the same use counts once
    await settle();
    expect(p.size).toBe(1); // the attempt still holds it
    expect(p.acquire(ssh, { workerName: 'b' }).driver).toBe(worker.driver);
    attempt.release();
    await settle();
    expect(p.size).toBe(1); // b's use
  });

  it('makes a new driver for a host whose last one was closed', async () => {
    const p = pool();
    const first = p.acquire(ssh, { workerName: 'a' });
    first.release();
    await settle();
    expect(p.size).toBe(0);
    const again = p.acquire(ssh, { workerName: 'a' });
    expect(again.driver).not.toBe(first.driver);
    expect(p.size).toBe(1);
  });

  it('never closes the local driver', async () => {
    const p = pool();
    const use = p.acquire({ kind: 'local' }, { workerName: 'local' });
    expect(use.driver).toBe(p.local);
    use.release();
    await settle();
    expect(p.acquire({ kind: 'local' }, { workerName: 'local' }).driver).toBe(p.local);
    expect(p.share(p.local).driver).toBe(p.local);
  });
});

/** Lets the pool's close-when-idle step (a few promise turns) run. */
const settle = () => new Promise((r) => setImmediate(r));
