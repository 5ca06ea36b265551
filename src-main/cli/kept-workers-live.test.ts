// `shoal workers add|remove` in a terminal while `shoal serve` runs on the same store: the running
// engine hears of it without a restart. An added worker is registered and given the queued tasks;
// a removed one finishes the task it runs, takes nothing more and goes offline with the reason —
// and its SSH connection closes. Real processes: the bundled CLI, `shoal serve`, OpenSSH on 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childrenOf } from '../core/test-support/processes';
import { startSshd, type TestSshd } from '../core/test-support/sshd';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli } from './test-support/cli';
import { query, startControlPlane, trackProcs, uiCall, waitForRun } from './test-support/control-plane';

const track = trackProcs();
let sshd: TestSshd;
beforeAll(() => {
  sshd = startSshd(); // its own: its children are the connections this test opened
}, 120_000);
afterAll(() => sshd?.stop());

const REMOVED = 'removed from the kept workers';

describe('kept workers changed from the CLI reach a running `shoal serve`', () => {
  it('places queued tasks on a worker added from the CLI, and stops once it is removed from the CLI', async () => {
    const dir = tempDir('shoal-live-workers-');
    const db = path.join(dir, 'shoal.db');
    const serve = track(await startControlPlane(db, dir));
    await uiCall(serve.uiUrl, 'workers.drain', { workerId: 'local' }); // only the kept worker may take them
    const spec = {
      // a runs long enough to still be running when the remove lands, even on a loaded machine
      // where starting the CLI takes seconds: box must not have taken b by then.
      name: 'live', task_specs: ['a', 'b', 'c'].map((id, i) => ({ id, name: id, priority: 3 - i, instructions: `sleep ${id === 'a' ? 8 : 1}; echo ${id} on "$SHOAL_WORKDIR"` })),
    };
    const { runId } = await uiCall<{ runId: string }>(serve.uiUrl, 'specs.launch', { text: JSON.stringify(spec), filename: 'spec.json', workspace: null });
    const workerRow = () => query<{ status: string; status_reason: string | null }>(db, "SELECT status, status_reason FROM workers WHERE id = 'box'")[0];
    // When the command committed its change: the registry's revision is written in that transaction.
    const committedAt = () => Date.parse(query<{ updated_at: string }>(db, "SELECT updated_at FROM settings WHERE key = 'worker_registry.revision'")[0]!.updated_at);
    const onBox = () => query<{ task_id: string }>(db, "SELECT task_id FROM tasks WHERE worker_id = 'box' AND lease_token IS NOT NULL").map((r) => r.task_id);

    const added = await runCli(['workers', 'add', 'box', '--ssh', `${sshd.user}@127.0.0.1:${sshd.port}`, '--identity', sshd.identity, '--accept-new-host-key', '--max-tasks', '1', '--db', db]);
    expect(added.code, added.stderr).toBe(0);
    let t = Date.now();
    await waitFor('serve to register the added worker', () => workerRow(), 10_000, 5);
    const addSeen = { afterExit: Date.now() - t, afterCommit: Date.now() - committedAt() };
    const first = await waitFor('a task placed on the added worker', () => onBox()[0], 30_000);
    expect(first).toBe('a'); // the highest priority

    const removed = await runCli(['workers', 'remove', 'box', '--db', db]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain('removed worker box');
    t = Date.now();
    // While its task runs there, the row says why it takes nothing new.
    await waitFor('serve to take the removed worker out', () => workerRow()?.status_reason === REMOVED, 10_000, 5);
    const removeSeen = { afterExit: Date.now() - t, afterCommit: Date.now() - committedAt() };
    console.log(`serve saw the CLI's add ${addSeen.afterCommit} ms after its commit (${addSeen.afterExit} ms after the command exited), its remove ${removeSeen.afterCommit} ms (${removeSeen.afterExit} ms)`);
    // Its external-write watch looks every 250 ms; a loaded machine may add to that, never seconds.
    expect(Math.max(addSeen.afterCommit, removeSeen.afterCommit)).toBeLessThan(5_000);

    // The task it ran finishes there; then it is offline, shown so with the reason, and its connection closes.
    await waitFor('task a to pass', () => query<{ state: string }>(db, "SELECT state FROM tasks WHERE run_id = ? AND task_id = 'a'", runId)[0]?.state === 'passed', 30_000);
    await waitFor('the removed worker offline', () => workerRow()?.status === 'offline', 10_000);
    expect(workerRow()).toEqual({ status: 'offline', status_reason: REMOVED });
    const shown = (await uiCall<Array<{ id: string; status: string; statusReason: string | null }>>(serve.uiUrl, 'workers.list', {})).find((w) => w.id === 'box');
    expect(shown).toMatchObject({ status: 'offline', statusReason: REMOVED });
    await waitFor('serve\'s connection to the removed worker closed', () => childrenOf(sshd.pid).length === 0, 10_000);

    // Nothing more goes there: b and c wait (the local worker is drained) …
    await new Promise((r) => setTimeout(r, 1_000));
    expect(query<{ task_id: string; state: string }>(db, "SELECT task_id, state FROM tasks WHERE run_id = ? AND task_id != 'a' ORDER BY task_id", runId))
      .toEqual([{ task_id: 'b', state: 'queued' }, { task_id: 'c', state: 'queued' }]);
    // … until this computer takes them.
    await uiCall(serve.uiUrl, 'workers.resume', { workerId: 'local' });
    expect(await waitForRun(db, runId)).toBe('completed');
    expect(query<{ task_id: string; worker_id: string }>(db, 'SELECT task_id, worker_id FROM receipts WHERE run_id = ? ORDER BY task_id', runId))
      .toEqual([{ task_id: 'a', worker_id: 'box' }, { task_id: 'b', worker_id: 'local' }, { task_id: 'c', worker_id: 'local' }]);
    const receipt = JSON.parse(query<{ body: string }>(db, "SELECT body FROM receipts WHERE run_id = ? AND task_id = 'a'", runId)[0]!.body) as { artifacts: Array<{ kind: string; path: string }> };
    const log = fs.readFileSync(receipt.artifacts.find((x) => x.kind === 'log')!.path, 'utf8');
    expect(log).toMatch(/^a on \/.*\.shoal\/work\//m); // it ran on the SSH worker
  });
});
