// The Workers view's read model against a real store and engine: a kept worker whose host is down
// (a fault with its cause), the same worker removed, a run's own worker after its run ended, and a
// worker of a Shoal that stopped — each with its own state, its real last heartbeat, and drain and
// retire refused (by name) where they make no sense.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callError, callValue } from '../test-support/core-call';
import { freePort } from '../test-support/free-port';
import { launch, tempDir } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import type { ShoalCore } from '../shoal';
import { openStore } from '../store/open';
import { WorkersView } from './workers-view';

const makeCore = useCores();

const row = (c: ShoalCore, id: string) => c.workersView.list().find((w) => w.id === id);

describe('Workers view states', () => {
  it('a kept worker whose host refuses is down with its cause; removed, it is removed and cannot be drained or retired', async () => {
    const c = makeCore();
    const port = await freePort();
    c.workerRegistry.add({ name: 'box', host: { kind: 'ssh', host: '127.0.0.1', port, user: 'nobody' } as never, capabilities: [], maxTasks: 1, dockerHost: null, hostKey: null, privateKey: null });
    await waitFor('box to be found down', () => row(c, 'box')?.state === 'down', 10_000);
    expect(row(c, 'box')!.statusReason).toContain('connection refused');

    expect(c.workerRegistry.remove('box')).toBe(true);
    const removed = row(c, 'box')!;
    expect(removed).toMatchObject({ state: 'removed', status: 'offline', lastHeartbeatAt: null });
    expect(removed.stateSince).not.toBeNull();
    // Gone workers come after the ones that can take work.
    expect(c.workersView.list().map((w) => w.id)).toEqual(['local', 'box']);

    for (const method of ['workers.drain', 'workers.retire'] as const) {
      const e = await callError(c, method, { workerId: 'box' });
      expect(e.message).toMatch(/^Worker "box" cannot be (drained|retired): it was removed from the kept workers/);
    }
    expect(row(c, 'box')!.status).toBe('offline'); // nothing was marked
  });

  it('says where a run’s own SSH or Docker worker runs, as a kept one’s; nothing for this computer', async () => {
    const c = makeCore();
    const port = await freePort();
    launch(c, {
      name: 'hosts', worker_specs: [
        { id: 'run-ssh', name: 'run ssh', host: { kind: 'ssh', host: '127.0.0.1', port, user: 'nobody' } },
        { id: 'run-ctr', name: 'run ctr', host: { kind: 'docker', image: 'localhost/worker:1' } },
      ],
      task_specs: [{ id: 't', name: 't', instructions: 'true' }],
    });
    await waitFor('the run’s workers to be listed', () => row(c, 'run-ssh') && row(c, 'run-ctr'), 10_000);
    expect(row(c, 'run-ssh')!.where).toBe(`ssh nobody@127.0.0.1:${port}`);
    expect(row(c, 'run-ctr')!.where).toBe('docker localhost/worker:1');
    expect(row(c, 'local')!.where).toBeNull();
  });

  it('a run’s own worker is run-ended once its run is over: its last heartbeat is the real one, and drain and retire are refused', async () => {
    const c = makeCore();
    const runId = launch(c, {
      name: 'own worker', worker_specs: [{ id: 'run-box', name: 'run box', host: { kind: 'local' } }],
      task_specs: [{ id: 't', name: 't', instructions: 'sleep 0.6; echo done' }],
    });
    await waitFor('run box to take the task', () => row(c, 'run-box')?.state === 'busy', 10_000);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const ended = await waitFor('run box to leave', () => (row(c, 'run-box')?.state === 'run-ended' ? row(c, 'run-box') : undefined), 5_000);
    expect(ended.status).toBe('offline');
    expect(ended.lastHeartbeatAt).not.toBeNull();
    expect(Date.parse(ended.lastHeartbeatAt!)).toBeLessThanOrEqual(Date.parse(ended.stateSince!));

    const e = await callError(c, 'workers.drain', { workerId: 'run-box' });
    expect(e.message).toBe('Worker "run box" cannot be drained: it belongs to a run that has ended, so it takes no tasks.');
    expect((await callError(c, 'workers.retire', { workerId: 'run-box' })).message).toMatch(/^Worker "run box" cannot be retired: it belongs to a run that has ended/);
    // This computer is still in service: it drains and resumes as before.
    expect(await callValue(c, 'workers.drain', { workerId: 'local' })).toEqual({ ok: true });
    expect(row(c, 'local')!.state).toBe('draining');
    expect(await callValue(c, 'workers.resume', { workerId: 'local' })).toEqual({ ok: true });
  });

  it('a Shoal that stops leaves its workers offline with their real last heartbeat, not one at the stop', async () => {
    const dir = tempDir();
    const c = makeCore({}, { dir });
    const runId = launch(c, { name: 'beat', task_specs: [{ id: 't', name: 't', instructions: 'sleep 0.6' }] });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const before = row(c, 'local')!.lastHeartbeatAt;
    expect(before).not.toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    await c.shutdown();

    // The store as the stopped Shoal left it (a new core would register this computer afresh).
    const store = openStore(path.join(dir, 'shoal.db'));
    try {
      const local = new WorkersView(store).list().find((w) => w.id === 'local');
      expect(local).toMatchObject({ state: 'offline', status: 'offline', lastHeartbeatAt: before });
      expect(Date.parse(local!.stateSince!)).toBeGreaterThan(Date.parse(before!));
    } finally {
      store.close();
    }
  });
});
