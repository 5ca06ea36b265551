// Owed reaps for tests: an attempt whose lease was reclaimed while its work was never seen to end,
// seeded through the real store by a Shoal that then stops (as one whose host went away); and a host
// that answers no SSH login (a TCP listener on 127.0.0.1 that drops every connection, counting them:
// each one is a try to end the work).
import net from 'node:net';
import path from 'node:path';
import { expect, onTestFinished } from 'vitest';
import type { HostRef } from '../hosts/host-ref';
import { ShoalCore } from '../shoal';
import { launch } from './temp-core';

export async function droppingHost(): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as net.AddressInfo).port, connections: () => n };
}

export function sshRef(port: number): HostRef {
  return { kind: 'ssh', host: '127.0.0.1', port, user: 'nobody', pgid: 4242, dir: '/tmp/shoal-owed-test' };
}

/** A core on DIR's store, shut down when the test ends; `lines` collects what it logs. */
export function coreIn(dir: string, lines: string[] = []): ShoalCore {
  const c = new ShoalCore({
    dbPath: path.join(dir, 'shoal.db'), transport: 'headless', log: (m) => lines.push(m),
    engine: { leaseMs: 5_000, heartbeatMs: 200, killGraceMs: 500, maxWorkers: 2 },
  });
  onTestFinished(() => c.shutdown());
  return c;
}

/** Run "owed", task t0 ("first task"), attempt 1 on worker remote-1 ("box"), its work at `ref`,
 *  its lease lost at `leaseLostAtMs`. Returns the run's id. */
export async function seedOwed(dir: string, ref: HostRef, leaseLostAtMs: number): Promise<string> {
  const c = coreIn(dir);
  c.store.db.prepare(`INSERT OR IGNORE INTO workers (id, name, host, status, created_at) VALUES ('remote-1', 'box', '{"kind":"local"}', 'online', '2026-01-01T00:00:00Z')`).run();
  const runId = launch(c, { name: 'owed', task_specs: [{ id: 't0', name: 'first task', instructions: 'true', retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 } }] });
  const lease = c.engine.fleet.lease({ id: 'remote-1', capabilities: new Set(['shell']), pool: null }, leaseLostAtMs - 1001, 1000)!;
  c.engine.fleet.markRunningOn(lease, ref);
  expect(c.engine.fleet.reapExpired(leaseLostAtMs, () => undefined)).toHaveLength(1);
  await c.shutdown();
  return runId;
}
