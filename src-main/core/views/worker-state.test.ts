// The typed state a worker row gets from its stored status and standing: every `offline` row is not
// the same offline (a kept worker whose Shoal stopped, a removed one, a run's worker whose run ended).
import { describe, expect, it } from 'vitest';
import { REMOVED_FROM_KEPT } from '../fleet/worker-reasons';
import { workerState, type WorkerFacts } from './worker-state';

const facts = (f: Partial<WorkerFacts>): WorkerFacts => ({ status: 'online', statusReason: null, standing: true, inActiveRun: true, ...f });

describe('workerState', () => {
  it('maps a standing worker’s status to its state', () => {
    expect(workerState(facts({ status: 'online' }))).toBe('online');
    expect(workerState(facts({ status: 'busy' }))).toBe('busy');
    expect(workerState(facts({ status: 'unknown' }))).toBe('checking');
    expect(workerState(facts({ status: 'unhealthy', statusReason: 'worker box: connection refused' }))).toBe('down');
    expect(workerState(facts({ status: 'draining' }))).toBe('draining');
    expect(workerState(facts({ status: 'retired' }))).toBe('retired');
    expect(workerState(facts({ status: 'offline' }))).toBe('offline');
  });

  it('a kept worker the person removed is removed, also while it still finishes what it runs', () => {
    expect(workerState(facts({ status: 'offline', statusReason: REMOVED_FROM_KEPT, standing: false, inActiveRun: false }))).toBe('removed');
    expect(workerState(facts({ status: 'busy', statusReason: REMOVED_FROM_KEPT, standing: false, inActiveRun: false }))).toBe('removed');
    // Kept again under its name: in service, whatever reason the old row still carries.
    expect(workerState(facts({ status: 'unknown', statusReason: REMOVED_FROM_KEPT, standing: true }))).toBe('checking');
  });

  it('a run’s own worker outside any active run is run-ended, whatever status it was left in', () => {
    expect(workerState(facts({ status: 'offline', standing: false, inActiveRun: false }))).toBe('run-ended');
    expect(workerState(facts({ status: 'draining', standing: false, inActiveRun: false }))).toBe('run-ended');
    expect(workerState(facts({ status: 'draining', standing: false, inActiveRun: true }))).toBe('draining');
  });
});
