// Leases are fenced: a write from a lease that was revoked never changes state, and a stale
// worker's tasks go back to the queue. Driven through the real store with a hand-held "remote"
// worker, so expiry can be forced without waiting.
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { eventsOf, launch } from '../test-support/temp-core';
import { LeaseLostError } from './lease';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();

const remote = { id: 'remote-1', capabilities: new Set(['shell']), pool: null };

function setup(): { c: ShoalCore; runId: string } {
  const c = makeCore({}, { start: false });
  // Not started: nothing but this test leases, so every step is explicit.
  c.store.db.prepare(`INSERT INTO workers (id, name, host, status, created_at, last_heartbeat_at) VALUES ('remote-1', 'remote', '{"kind":"local"}', 'online', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`).run();
  const runId = launch(c, { name: 'fenced', task_specs: [{ id: 't', name: 't', instructions: 'true', retry_policy: { max_attempts: 2, initial_backoff_seconds: 0 } }] });
  return { c, runId };
}

describe('lease fencing', () => {
  it('rejects every write from an expired lease and retries the task', () => {
    const { c, runId } = setup();
    const fleet = c.engine.fleet;
    const now = Date.now();
    const lease = fleet.lease(remote, now, 1000)!;
    expect(lease).toMatchObject({ runId, taskId: 't', attempt: 1 });
    fleet.markStarting(lease, '/tmp/x', null);
    // The worker goes silent; the reaper revokes the lease after its deadline.
    const revoked = fleet.reapExpired(now + 1001, (id) => (id === 'remote-1' ? '2026-01-01T00:00:00Z' : undefined));
    expect(revoked).toHaveLength(1);
    const before = eventsOf(c, runId).length;
    const receipt = { artifacts: [], score: null };
    expect(() => fleet.finish(lease, { kind: 'scored', result: 'pass', exitCode: 0, receipt })).toThrow(LeaseLostError);
    expect(() => fleet.progress(lease, [{ state: 'heartbeat' }])).toThrow(LeaseLostError);
    expect(() => fleet.renew(lease, now + 1002, 1000)).toThrow(LeaseLostError);
    expect(eventsOf(c, runId)).toHaveLength(before);
    expect(fleet.receipts(runId)).toEqual([]);
    const stale = eventsOf(c, runId).find((e) => e.state === 'stale');
    expect(stale).toMatchObject({ worker_id: 'remote-1', last_heartbeat_at: '2026-01-01T00:00:00Z' });
    expect(c.runsView.tasks(runId)[0]).toMatchObject({ state: 'retry_wait', attempts: 1 });

    // The next attempt gets a new token; only it may finish the task.
    const second = fleet.lease(remote, now + 2000, 1000)!;
    expect(second.attempt).toBe(2);
    expect(second.token).not.toBe(lease.token);
    fleet.finish(second, { kind: 'scored', result: 'pass', exitCode: 0, receipt });
    expect(fleet.receipts(runId).map((r) => r.result)).toEqual(['pass']);
    expect(() => fleet.finish(second, { kind: 'scored', result: 'pass', exitCode: 0, receipt })).toThrow(LeaseLostError);
    expect(fleet.receipts(runId)).toHaveLength(1);
    expect(eventsOf(c, runId).map((e) => e.seq)).toEqual(eventsOf(c, runId).map((_, i) => i + 1));
  });

  it('never writes two receipts for one attempt, even if the fence were bypassed', () => {
    const { c, runId } = setup();
    c.store.db.prepare(`INSERT INTO receipts (run_id, task_id, attempt, worker_id, completed_at, result, body) VALUES (?, 't', 1, 'w', 'x', 'pass', '{}')`).run(runId);
    expect(() => c.store.db.prepare(`INSERT INTO receipts (run_id, task_id, attempt, worker_id, completed_at, result, body) VALUES (?, 't', 1, 'w', 'x', 'pass', '{}')`).run(runId)).toThrow(/UNIQUE/);
  });

  it('a lease is renewed only by its holder', () => {
    const { c } = setup();
    const fleet = c.engine.fleet;
    const lease = fleet.lease(remote, Date.now(), 1000)!;
    fleet.renew(lease, Date.now(), 60_000);
    expect(fleet.reapExpired(Date.now() + 2000, () => undefined)).toEqual([]);
    const forged = { ...lease, token: 'not-the-token' };
    expect(() => fleet.renew(forged, Date.now(), 1000)).toThrow(LeaseLostError);
    expect(fleet.isCurrent(lease)).toBe(true);
  });

  it('a stale worker is marked unhealthy and its task runs again on a live one', async () => {
    // The lost lease is 600 ms; the local worker's own are longer, so a loaded machine that starves
    // the event loop for a moment does not make the rescuing attempt stale too.
    const c = makeCore({ leaseMs: 3_000 }, { start: false });
    c.store.db.prepare(`INSERT INTO workers (id, name, host, status, created_at) VALUES ('remote-1', 'remote', '{"kind":"local"}', 'online', '2026-01-01T00:00:00Z')`).run();
    const runId = launch(c, { name: 'stale', task_specs: [{ id: 't', name: 't', instructions: 'echo rescued', retry_policy: { initial_backoff_seconds: 0 } }] });
    const lost = c.engine.fleet.lease(remote, Date.now(), 600)!;
    expect(lost.workerId).toBe('remote-1');
    c.start(); // the local worker and the reaper begin
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const events = eventsOf(c, runId);
    expect(events.find((e) => e.state === 'stale')).toMatchObject({ worker_id: 'remote-1' });
    expect(events.filter((e) => e.state === 'leased').map((e) => e.worker_id)).toEqual(['remote-1', 'local']);
    expect(c.workersView.list().find((w) => w.id === 'remote-1')!.status).toBe('unhealthy');
    expect(c.engine.fleet.receipts(runId)).toMatchObject([{ result: 'pass', worker_id: 'local' }]);
  });
});

describe('leases reclaimed together', () => {
  // Each lease's token is random: a pass over the held leases in token order would reclaim (and
  // recover) them in a different order every time, and so write a run's timeline differently.
  const ids = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'];

  function leaseAll(): { c: ShoalCore; runId: string } {
    const c = makeCore({}, { start: false });
    c.store.db.prepare(`INSERT INTO workers (id, name, host, status, created_at) VALUES ('remote-1', 'remote', '{"kind":"local"}', 'online', '2026-01-01T00:00:00Z')`).run();
    const runId = launch(c, { name: 'many', task_specs: ids.map((id) => ({ id, name: id, instructions: 'true' })) });
    expect(c.engine.fleet.leaseMany(remote, Date.now(), 1000, ids.length).map((l) => l.taskId)).toEqual(ids);
    return { c, runId };
  }

  it('the reaper reclaims expired leases in queue order, and writes their events in that order', () => {
    const { c, runId } = leaseAll();
    const revoked = c.engine.fleet.reapExpired(Date.now() + 60_000, () => undefined);
    expect(revoked.map((r) => r.taskId)).toEqual(ids);
    expect(eventsOf(c, runId).filter((e) => e.state === 'stale').map((e) => e.task_id)).toEqual(ids);
  });

  it('crash recovery finds the orphaned attempts in queue order', () => {
    const { c } = leaseAll();
    c.store.db.prepare('UPDATE attempts SET owner_pid = NULL').run(); // their owner is gone
    expect(c.engine.fleet.orphanedAttempts(() => false).map((o) => o.taskId)).toEqual(ids);
  });
});
