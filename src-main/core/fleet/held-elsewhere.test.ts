// A sweep for unrecorded work spares an attempt that holds its lease in another live Shoal on the
// same store (its work is that process's), and only then: not one whose owner died, not one of this
// process that no longer runs here, not one whose lease is gone. Real store, a real other process.
import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { FleetStore } from './fleet-store';
import { isAlive } from './process-tree';

const makeCore = useCores();
const remote = { id: 'remote-1', capabilities: new Set(['shell']), pool: null };

describe('FleetStore.heldElsewhere', () => {
  it('is true only while another live process holds the attempt\'s lease', async () => {
    const c = makeCore({}, { start: false });
    c.store.db.prepare(`INSERT OR IGNORE INTO workers (id, name, host, status, created_at) VALUES ('remote-1', 'remote', '{"kind":"local"}', 'online', '2026-01-01T00:00:00Z')`).run();
    const runId = launch(c, { name: 'held', task_specs: ['a', 'b'].map((id) => ({ id, name: id, instructions: 'true' })) });
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    onTestFinished(() => void other.kill('SIGKILL'));
    const theirs = new FleetStore(c.store, null, other.pid!);
    const mine = c.engine.fleet;
    const leased = theirs.lease(remote, Date.now(), 60_000)!;
    const own = mine.lease(remote, Date.now(), 60_000)!;
    expect(mine.heldElsewhere(leased, isAlive)).toBe(true);
    expect(mine.heldElsewhere(own, isAlive)).toBe(false); // this process's: runs here or not at all
    expect(mine.heldElsewhere({ runId, taskId: leased.taskId, attempt: 2 }, isAlive)).toBe(false);
    other.kill('SIGKILL');
    await waitFor('the other process gone', () => !isAlive(other.pid!), 5_000);
    expect(mine.heldElsewhere(leased, isAlive)).toBe(false);
  });
});
