// What a worker's row shows for each state: the pill, the line under its name (danger red only for
// a fault), the heartbeat age (never "just now" for a worker that is not alive) and its actions.
import { describe, expect, it } from 'vitest';
import type { WorkerRow } from '../../../../src-shared/contract';
import { hostLine, presentWorker } from './worker-tone';

const NOW = Date.parse('2026-12-02T16:10:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

const worker = (w: Partial<WorkerRow>): WorkerRow => ({
  id: 'box', name: 'box', hostKind: 'ssh', where: 'ssh box', status: 'online', statusReason: null, capabilities: [], maxConcurrent: 2, running: 0,
  lastHeartbeatAt: ago(3_000), cpuPercent: null, memoryMb: null, agent: null, state: 'online', stateSince: ago(3_000), ...w,
});

/** A note's text with its no-break spaces (which keep "last seen 5m ago" on one line) as spaces. */
const plain = (note: { text: string } | null): string | undefined => note?.text.replace(/[\u00a0\u202f]/g, ' ');

const NONE = { drain: false, resume: false, retire: false, revoke: false };

describe('presentWorker', () => {
  it('a healthy worker: online, no line, a live heartbeat, drain and retire', () => {
    const shown = presentWorker(worker({}), NOW);
    expect(shown.pill).toEqual({ tone: 'passed', label: 'Online', pulse: false });
    expect(shown.note).toBeNull();
    expect(shown.heartbeat).toBe('just now');
    expect(shown.idle).toBe('Idle');
    expect(shown.actions).toEqual({ drain: true, resume: false, retire: true, revoke: false });
  });

  it('a host down with a cause is a fault, in danger red, without the "worker NAME: " lead', () => {
    const shown = presentWorker(worker({ status: 'unhealthy', state: 'down', statusReason: 'worker box: ssh nobody@127.0.0.1:2222: connection refused' }), NOW);
    expect(shown.pill.tone).toBe('failed');
    expect(shown.note).toEqual({ text: 'ssh nobody@127.0.0.1:2222: connection refused', kind: 'fault', title: 'worker box: ssh nobody@127.0.0.1:2222: connection refused' });
    expect(shown.heartbeat).toBe('3s ago');
    expect(shown.idle).toBe('—');
    expect(shown.actions).toMatchObject({ drain: true, retire: true });
  });

  it('a removed worker: a neutral line with its real last heartbeat, and no drain or retire', () => {
    const shown = presentWorker(worker({ status: 'offline', state: 'removed', statusReason: 'removed from the kept workers', lastHeartbeatAt: ago(5 * 60_000 + 4_000), stateSince: ago(60_000) }), NOW);
    expect(shown.pill).toEqual({ tone: 'cancelled', label: 'Offline', pulse: false });
    expect(shown.note?.kind).toBe('neutral');
    expect(plain(shown.note)).toBe('Removed · last seen 5m ago');
    expect(shown.heartbeat).toBe('5m ago');
    expect(shown.idle).toBe('—');
    expect(shown.gone).toBe(true);
    expect(shown.actions).toEqual(NONE);
  });

  it('a removed worker that just stopped beating reads seconds ago, not "just now"', () => {
    const shown = presentWorker(worker({ status: 'offline', state: 'removed', lastHeartbeatAt: ago(2_000) }), NOW);
    expect(shown.heartbeat).toBe('2s ago');
    expect(plain(shown.note)).toBe('Removed · last seen 2s ago');
  });

  it('a removed worker still finishing its task says so', () => {
    const shown = presentWorker(worker({ status: 'busy', state: 'removed', running: 1, statusReason: null }), NOW);
    expect(shown.pill).toEqual({ tone: 'running', label: 'Finishing', pulse: true });
    expect(shown.note).toMatchObject({ text: 'Removed · finishing 1 task, then it leaves', kind: 'neutral' });
    expect(shown.actions).toEqual(NONE);
  });

  it('a run’s own worker after its run ended: neutral, when it was last seen (or when it left), no actions', () => {
    expect(plain(presentWorker(worker({ status: 'offline', state: 'run-ended', lastHeartbeatAt: ago(90_000) }), NOW).note)).toBe('Run ended · last seen 1m ago');
    const never = presentWorker(worker({ status: 'offline', state: 'run-ended', lastHeartbeatAt: null, stateSince: ago(60_000) }), NOW);
    expect(plain(never.note)).toMatch(/^Run ended at \d/);
    expect(never.heartbeat).toBe('—');
    expect(never.actions).toEqual(NONE);
    // Neither a heartbeat nor a time it left on record: just the state, never "at —".
    expect(plain(presentWorker(worker({ status: 'offline', state: 'run-ended', lastHeartbeatAt: null, stateSince: null }), NOW).note)).toBe('Run ended');
    expect(plain(presentWorker(worker({ status: 'offline', state: 'offline', lastHeartbeatAt: null, stateSince: null }), NOW).note)).toBe('Offline');
  });

  it('a kept worker whose Shoal stopped: offline since a time, and it can still be drained or retired', () => {
    const shown = presentWorker(worker({ status: 'offline', state: 'offline', lastHeartbeatAt: ago(20_000), stateSince: ago(5_000) }), NOW);
    expect(shown.note?.kind).toBe('neutral');
    expect(plain(shown.note)).toMatch(/^Offline since .+ · last seen 20s ago$/);
    expect(shown.heartbeat).toBe('20s ago');
    expect(shown.actions).toEqual({ drain: true, resume: false, retire: true, revoke: false });
  });

  it('draining and retired workers offer resume', () => {
    expect(presentWorker(worker({ status: 'draining', state: 'draining' }), NOW).actions).toEqual({ drain: false, resume: true, retire: true, revoke: false });
    expect(presentWorker(worker({ status: 'retired', state: 'retired' }), NOW).actions).toEqual({ drain: false, resume: true, retire: false, revoke: false });
  });

  it('a remote agent keeps its own pill and can be revoked until it is', () => {
    const agent = { state: 'stale' as const, address: '127.0.0.1:5000', version: '0.1.0', hostname: 'h', revokedAt: null, facts: null };
    const stale = presentWorker(worker({ hostKind: 'agent', agent }), NOW);
    expect(stale.pill).toMatchObject({ tone: 'failed', label: 'Stale' });
    expect(stale.heartbeat).toBe('3s ago');
    expect(stale.actions.revoke).toBe(true);
    const revoked = presentWorker(worker({ hostKind: 'agent', status: 'offline', state: 'offline', agent: { ...agent, state: 'revoked', revokedAt: ago(1_000) } }), NOW);
    expect(revoked.note).toBeNull();
    expect(revoked.actions.revoke).toBe(false);
  });
});

describe('hostLine', () => {
  it('a kept worker says where it runs; one that is not kept, only its kind', () => {
    expect(hostLine('ssh', 'ssh me@box:2222')).toBe('SSH · me@box:2222');
    expect(hostLine('docker', 'docker img:1 at ssh://me@box')).toBe('Docker · img:1 at ssh://me@box');
    expect(hostLine('ssh')).toBe('SSH');
    expect(hostLine('local', 'this computer')).toBe('This computer');
  });
});
