// The timeline's storage: events read back exactly as they were pushed live, whether the row was
// written with the envelope in columns only (now) or whole in its body (databases from before).
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/open';
import { EventBus } from '../bus';
import { tempDir } from '../test-support/temp-core';
import { FleetStore } from './fleet-store';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function fleetWithRun(bus: EventBus | null = null): { store: Store; fleet: FleetStore } {
  const store = openStore(path.join(tempDir('shoal-events-'), 's.db'));
  stores.push(store);
  const fleet = new FleetStore(store, bus);
  fleet.createRun({
    id: 'r', name: 'r', labels: {}, workerSpecs: [], workspace: null, createdAt: '2026-11-21T00:00:00Z',
    tasks: [{ spec: { id: 't', name: 't', instructions: 'true', expected_artifacts: [], timeout_seconds: null, metadata: {} }, priority: 0, requires: [], pool: null, unplaceable: null }],
  });
  return { store, fleet };
}

describe('event log', () => {
  it('reads back every event as written, extra and attempt included, in seq order', () => {
    const { store, fleet } = fleetWithRun();
    fleet.tx(() => fleet.events.append('r', [
      { taskId: 't', workerId: 'local', attempt: 1, timestamp: '2026-11-21T00:00:01Z', payload: { state: 'running_tool', tool: 'exec_shell', call_id: 'c1', extra: { phase: 'asked' } } },
      { taskId: 't', workerId: 'local', attempt: 1, timestamp: '2026-11-21T00:00:02Z', payload: { state: 'completed', exit_code: 0 } },
    ]));
    expect(fleet.events.page('r', 1, 10)).toEqual([
      { seq: 2, run_id: 'r', worker_id: 'local', task_id: 't', timestamp: '2026-11-21T00:00:01Z', state: 'running_tool', tool: 'exec_shell', call_id: 'c1', extra: { phase: 'asked', attempt: 1 } },
      { seq: 3, run_id: 'r', worker_id: 'local', task_id: 't', timestamp: '2026-11-21T00:00:02Z', state: 'completed', exit_code: 0, extra: { attempt: 1 } },
    ]);
    // The body leaves out what the columns hold.
    expect(store.db.prepare(`SELECT body FROM worker_events WHERE run_id = 'r' AND seq = 3`).get()).toEqual({ body: '{"exit_code":0,"extra":{"attempt":1}}' });
  });

  it('pushes events to a listening window once their transaction has committed', () => {
    const bus = new EventBus(60_000);
    const pushed: unknown[] = [];
    bus.subscribe((e) => e.type === 'worker_events' && pushed.push(...e.events));
    const { fleet } = fleetWithRun(bus);
    expect(() => fleet.tx(() => {
      fleet.events.append('r', [{ taskId: 't', workerId: 'local', timestamp: '2026-11-21T00:00:01Z', payload: { state: 'heartbeat' } }]);
      throw new Error('rolled back');
    })).toThrow('rolled back');
    fleet.tx(() => fleet.events.append('r', [{ taskId: 't', workerId: 'local', attempt: 1, timestamp: '2026-11-21T00:00:02Z', payload: { state: 'running' } }]));
    bus.flush();
    // The run's own `queued` event, then the committed one; nothing of the rolled-back transaction.
    expect(pushed.map((e) => (e as { state: string }).state)).toEqual(['queued', 'running']);
    expect(pushed[1]).toEqual({ seq: 2, run_id: 'r', worker_id: 'local', task_id: 't', timestamp: '2026-11-21T00:00:02Z', state: 'running', extra: { attempt: 1 } });
    bus.close();
  });

  it('reads rows whose body holds the whole event, as older versions wrote them', () => {
    const { store, fleet } = fleetWithRun();
    const old = { seq: 2, run_id: 'r', worker_id: 'local', task_id: 't', timestamp: '2026-01-01T00:00:00Z', state: 'leased', lease_expires_at: '2026-01-01T00:00:30Z', extra: { attempt: 1 } };
    store.db.prepare(`INSERT INTO worker_events (run_id, seq, task_id, worker_id, timestamp, state, attempt, body) VALUES ('r', 2, 't', 'local', ?, 'leased', 1, ?)`).run(old.timestamp, JSON.stringify(old));
    expect(fleet.events.page('r', 1, 10, 't')).toEqual([old]);
  });
});
