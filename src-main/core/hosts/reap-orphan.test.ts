// A reap goes only through a driver of the host its ref names: another host's driver would find no
// such process group or container there, call the work gone, and the reap marker would be cleared
// while the work still runs. Real drivers from the pool; the mismatch is found before any login.
import { describe, expect, it } from 'vitest';
import { DriverPool } from './driver-pool';
import type { HostRef } from './host-ref';
import { reapThrough } from './reap-orphan';
import { tempDir } from '../test-support/temp-dir';

describe('reapThrough', () => {
  it('skips drivers of another host, and says no driver here can reach it', async () => {
    const pool = new DriverPool(tempDir('shoal-reap-'));
    try {
      const elsewhere = pool.acquire({ kind: 'ssh', host: '127.0.0.2', port: 2222, user: 'someone' }, { workerName: 'other' }).driver;
      const ssh: HostRef = { kind: 'ssh', host: '127.0.0.1', port: 2222, user: 'someone', pgid: 4242, dir: '/tmp/x' };
      expect(elsewhere.reaches?.(ssh)).toBe(false);
      expect(elsewhere.reaches?.({ ...ssh, host: '127.0.0.2' })).toBe(true);
      const t0 = Date.now();
      await expect(reapThrough([() => elsewhere], ssh)).rejects.toThrow('no driver here can reach ssh hosts');
      expect(Date.now() - t0).toBeLessThan(1_000); // no login was tried

      const otherDaemon = pool.acquire({ kind: 'docker', image: 'img', args: [] }, { workerName: 'box', dockerHost: 'unix:///nonexistent/docker.sock' }).driver;
      const docker: HostRef = { kind: 'docker', containerId: 'c0ffee', dockerHost: null };
      expect(otherDaemon.reaches?.(docker)).toBe(false);
      // Refs record the daemon resolved: the one named explicitly is reached, whatever DOCKER_HOST says.
      expect(otherDaemon.reaches?.({ ...docker, dockerHost: 'unix:///nonexistent/docker.sock' })).toBe(true);
      await expect(reapThrough([() => otherDaemon], docker)).rejects.toThrow('no driver here can reach docker hosts');
    } finally {
      await pool.close();
    }
  });
});
