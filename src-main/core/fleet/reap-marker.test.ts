// The obligation to end an attempt's work is durable: attempts.reap_pending is set with the host
// ref, cleared only when the work is seen to end (the agent's own exit, or a reap), and kept when a
// lease is reclaimed from work nobody saw end — which is then an owed reap that a later start ends.
// Driven through the real store with a hand-held worker (so expiry is forced without waiting), and
// through a real engine start against a real process.
import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ShoalCore } from '../shoal';
import { launch, tempDir } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import type { HostRef } from '../hosts/host-ref';
import { isAlive, processStartTime } from './process-tree';

const makeCore = useCores();

const remote = { id: 'remote-1', capabilities: new Set(['shell']), pool: null };
const ssh: HostRef = { kind: 'ssh', host: '127.0.0.1', port: 22, user: 'u', pgid: 4242, dir: '/home/u/.shoal/work/r/t-1' };
const receipt = { artifacts: [], score: null };

function setup(c: ShoalCore, tasks = 1): string {
  c.store.db.prepare(`INSERT OR IGNORE INTO workers (id, name, host, status, created_at) VALUES ('remote-1', 'remote', '{"kind":"local"}', 'online', '2026-01-01T00:00:00Z')`).run();
  return launch(c, {
    name: 'marker',
    task_specs: Array.from({ length: tasks }, (_, i) => ({ id: `t${i}`, name: `t${i}`, instructions: 'true', retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 } })),
  });
}

function markerOf(c: ShoalCore, runId: string, taskId: string, attempt: number): number {
  return (c.store.db.prepare('SELECT reap_pending FROM attempts WHERE run_id = ? AND task_id = ? AND attempt = ?').get(runId, taskId, attempt) as { reap_pending: number }).reap_pending;
}

describe('the reap marker in the store', () => {
  it('is set with the host ref and cleared by a normal finish: a finished attempt owes nothing', () => {
    const c = makeCore({}, { start: false });
    const runId = setup(c);
    const fleet = c.engine.fleet;
    const lease = fleet.lease(remote, Date.now(), 60_000)!;
    fleet.markStarting(lease, '/tmp/x', null);
    expect(markerOf(c, runId, 't0', 1)).toBe(0); // nothing runs on a host yet
    fleet.markRunningOn(lease, ssh);
    expect(markerOf(c, runId, 't0', 1)).toBe(1);
    expect(fleet.owedReaps()).toEqual([]); // it holds its lease: it runs, nothing is owed
    fleet.finish(lease, { kind: 'scored', result: 'pass', exitCode: 0, receipt });
    expect(markerOf(c, runId, 't0', 1)).toBe(0);
    expect(fleet.owedReaps()).toEqual([]);
    // Failed and interrupted ends are ends too, once the host saw the agent end.
    const second = setup(c);
    const failed = fleet.lease(remote, Date.now(), 60_000)!;
    fleet.markRunningOn(failed, ssh);
    fleet.finish(failed, { kind: 'interrupted', signal: 'SIGTERM' });
    expect(markerOf(c, second, 't0', 1)).toBe(0);
    expect(fleet.owedReaps()).toEqual([]);
  });

  it('stays when the lease is reclaimed from work nobody saw end, across any number of reads, until the work is seen gone', () => {
    const c = makeCore({}, { start: false });
    const runId = setup(c);
    const fleet = c.engine.fleet;
    const now = Date.now();
    const lost = fleet.lease(remote, now, 1000)!;
    fleet.markRunningOn(lost, ssh);
    // The host went silent: the task is reclaimed (not held for the host), the marker is not.
    expect(fleet.reapExpired(now + 1001, () => undefined)).toHaveLength(1);
    expect(c.runsView.tasks(runId)[0]).toMatchObject({ state: 'retry_wait', attempts: 1 });
    expect(markerOf(c, runId, 't0', 1)).toBe(1);
    const owed = { runId, taskId: 't0', attempt: 1, workerId: 'remote-1', hostRef: ssh };
    expect(fleet.owedReaps()).toEqual([owed]);
    // The task runs again and finishes: the orphan of attempt 1 is still owed.
    const retry = fleet.lease(remote, now + 2000, 60_000)!;
    expect(retry.attempt).toBe(2);
    fleet.markRunningOn(retry, ssh);
    fleet.finish(retry, { kind: 'scored', result: 'pass', exitCode: 0, receipt });
    expect(c.runsView.tasks(runId)[0]).toMatchObject({ state: 'passed' });
    expect(fleet.owedReaps()).toEqual([owed]);
    expect(fleet.owedReaps()).toEqual([owed]); // reading it changes nothing
    // A reap confirmed it: nothing is owed, and asking again is harmless.
    fleet.workEnded(owed);
    fleet.workEnded(owed);
    expect(markerOf(c, runId, 't0', 1)).toBe(0);
    expect(fleet.owedReaps()).toEqual([]);
  });

  it('stays when the host could not confirm the end, though the attempt was recorded', () => {
    const c = makeCore({}, { start: false });
    const runId = setup(c);
    const fleet = c.engine.fleet;
    const lease = fleet.lease(remote, Date.now(), 60_000)!;
    fleet.markRunningOn(lease, { kind: 'docker', containerId: 'c0ffee', dockerHost: null });
    fleet.finish(lease, { kind: 'scored', result: 'fail', exitCode: null, reason: 'daemon went away', receipt, workLeft: true });
    expect(markerOf(c, runId, 't0', 1)).toBe(1);
    expect(fleet.owedReaps()).toEqual([{ runId, taskId: 't0', attempt: 1, workerId: 'remote-1', hostRef: { kind: 'docker', containerId: 'c0ffee', dockerHost: null } }]);
  });

  it('is set with what may run for an attempt never seen to start (an SSH group known by its marker), also when a person aborted one of its tool calls, and when its lease was lost before its end was recorded', () => {
    const c = makeCore({}, { start: false });
    const runId = setup(c, 2);
    const fleet = c.engine.fleet;
    const now = Date.now();
    const byMarker = (taskId: string): HostRef => ({ kind: 'ssh', host: '127.0.0.1', port: 22, user: 'u', pgid: null, dir: `/home/u/.shoal/work/r/${taskId}-1`, marker: `/home/u/.shoal/running/s/r.${taskId}.1.pgid` });
    // The host answered after the drop (the attempt fails), and a person had aborted a tool call of
    // it (which turns the end into a cancel): the group its marker names is still owed a reap.
    const aborted = fleet.lease(remote, now, 60_000)!;
    fleet.markStarting(aborted, '/tmp/x', null);
    c.store.db.prepare(`INSERT INTO approvals (id, run_id, task_id, call_id, request, status, decided_by, created_at, attempt) VALUES ('ap1', ?, ?, 'call-1', '{}', 'aborted', 'ann', '2026-01-01T00:00:00Z', 1)`).run(runId, aborted.taskId);
    fleet.finish(aborted, { kind: 'scored', result: 'fail', exitCode: null, reason: 'connection lost', receipt, workLeft: true, leftOn: byMarker(aborted.taskId) });
    expect(c.runsView.tasks(runId).find((t) => t.taskId === aborted.taskId)).toMatchObject({ state: 'cancelled' });
    expect(markerOf(c, runId, aborted.taskId, 1)).toBe(1);
    // Its lease lapsed (Shoal was away) before the drop was seen: the outcome's write is fenced off,
    // and the supervisor records what may run there on its own.
    const lapsed = fleet.lease(remote, now, 1000)!;
    fleet.markStarting(lapsed, '/tmp/y', null);
    expect(fleet.reapExpired(now + 1001, () => undefined)).toHaveLength(1);
    expect(() => fleet.finish(lapsed, { kind: 'unreachable', reason: 'connection lost', workLeft: true, leftOn: byMarker(lapsed.taskId) })).toThrow(/lease/i);
    expect(markerOf(c, runId, lapsed.taskId, 1)).toBe(0);
    fleet.workLeftOn(lapsed, byMarker(lapsed.taskId));
    expect(markerOf(c, runId, lapsed.taskId, 1)).toBe(1);
    expect(fleet.owedReaps().map((o) => [o.taskId, o.attempt, o.hostRef])).toEqual([[aborted.taskId, 1, byMarker(aborted.taskId)], [lapsed.taskId, 1, byMarker(lapsed.taskId)]]);
  });

  it('is never set for a remote agent (it ends its own work) nor for an attempt that never started on a host', () => {
    const c = makeCore({}, { start: false });
    const runId = setup(c, 2);
    const fleet = c.engine.fleet;
    const now = Date.now();
    const [agent, never] = [fleet.lease(remote, now, 1000)!, fleet.lease(remote, now, 1000)!];
    fleet.markRunningOn(agent, { kind: 'agent', agentId: 'a1', pid: 7 });
    fleet.markStarting(never, '/tmp/y', null);
    expect(fleet.reapExpired(now + 1001, () => undefined)).toHaveLength(2);
    expect([markerOf(c, runId, agent.taskId, 1), markerOf(c, runId, never.taskId, 1)]).toEqual([0, 0]);
    expect(fleet.owedReaps()).toEqual([]);
  });

  it('goes when recovery put an orphan back after ending it, and when the work was seen to end under a lost lease', () => {
    const c = makeCore({}, { start: false });
    const runId = setup(c, 2);
    const fleet = c.engine.fleet;
    const now = Date.now();
    const orphan = fleet.lease(remote, now, 60_000)!;
    fleet.markRunningOn(orphan, ssh);
    fleet.recoverAttempt(orphan);
    expect(markerOf(c, runId, orphan.taskId, 1)).toBe(0);
    // The reaper took the lease while the agent was still being stopped here; it then exited.
    const late = fleet.lease(remote, now, 1000)!;
    fleet.markRunningOn(late, ssh);
    fleet.reapExpired(now + 1001, () => undefined);
    expect(markerOf(c, runId, late.taskId, late.attempt)).toBe(1);
    fleet.workEnded(late);
    expect(markerOf(c, runId, late.taskId, late.attempt)).toBe(0);
  });
});

describe('owed reaps at engine start', () => {
  it('a start ends the work a reclaimed attempt left running and clears its marker; a finished run leaves nothing owed', async () => {
    const dir = tempDir('shoal-owed-');
    // A real process in its own group stands for the work a crashed Shoal's attempt left behind.
    const orphan = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    onTestFinished(() => void (orphan.exitCode === null && orphan.signalCode === null && orphan.kill('SIGKILL')));
    const pid = orphan.pid!;
    const first = makeCore({}, { dir, start: false });
    const runId = setup(first);
    const fleet = first.engine.fleet;
    const now = Date.now();
    const lease = fleet.lease(remote, now, 1000)!;
    fleet.markRunningOn(lease, { kind: 'local', pid, startTime: processStartTime(pid) });
    fleet.reapExpired(now + 1001, () => undefined); // reclaimed while nobody could end it
    await first.shutdown();
    expect(isAlive(pid)).toBe(true);

    const started = Date.now();
    const second = makeCore({}, { dir });
    await waitFor('the orphan ended', () => orphan.exitCode !== null || orphan.signalCode !== null, 10_000);
    await waitFor('its marker cleared', () => markerOf(second, runId, 't0', 1) === 0, 10_000);
    const tookMs = Date.now() - started;
    expect(orphan.signalCode).toBe('SIGKILL');
    // The task was not held for it: it ran again here and passed, its own attempt owing nothing.
    expect(await second.engine.waitForRun(runId)).toBe('completed');
    const rows = second.store.db.prepare('SELECT attempt, state, reap_pending FROM attempts WHERE run_id = ? ORDER BY attempt').all(runId);
    expect(rows).toEqual([{ attempt: 1, state: 'lost', reap_pending: 0 }, { attempt: 2, state: 'ended', reap_pending: 0 }]);
    expect(second.engine.fleet.owedReaps()).toEqual([]);
    expect(tookMs).toBeLessThan(10_000);
  });
});
