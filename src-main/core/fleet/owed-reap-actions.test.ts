// The reaps Shoal owes, as a person sees and acts on them: the read model (where the work is, since
// when it is owed, how the tries went), Retry now (wakes that attempt's loop) and Forget (the marker
// goes with an audit entry, the loop stops — also when another process forgot it). Real store, real
// engine loops, and a real TCP listener on 127.0.0.1 standing for an SSH host that drops every
// connection: each connection it counts is one try.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ShoalError } from '../../../src-shared/contract';
import { coreIn, droppingHost, seedOwed, sshRef } from '../test-support/owed-reap';
import { tempDir } from '../test-support/temp-core';
import { waitFor } from '../test-support/wait-for';
import { KnownHosts } from '../hosts/ssh/host-keys';
import { SshConnection } from '../hosts/ssh/ssh-connection';
import { SshDriver } from '../hosts/ssh/ssh-driver';
import { OwedReaps } from './owed-reaps';

const remote = { id: 'remote-1', capabilities: new Set(['shell']), pool: null };
const core = coreIn;

describe('owed reaps, as a person sees them', () => {
  it('lists an owed reap with its work, its worker, since when it is owed; not a running attempt; explains a wrong attempt by field', async () => {
    const dir = tempDir('shoal-owed-view-');
    const lostAt = Date.parse('2026-11-30T10:00:00.000Z');
    const runId = await seedOwed(dir, { kind: 'docker', containerId: 'c0ffee0123456789', dockerHost: null }, lostAt);
    const c = core(dir); // not started: it lists and validates, it runs no loops
    const running = c.engine.fleet.lease(remote, Date.now(), 60_000); // the retry of t0, holding its lease
    c.engine.fleet.markRunningOn(running!, { kind: 'docker', containerId: 'beef', dockerHost: null });
    expect(c.owedReaps.list()).toEqual([{
      runId, runName: 'owed', taskId: 't0', taskName: 'first task', attempt: 1, workerId: 'remote-1', workerName: 'box', keptWorker: null,
      work: 'container c0ffee012345', hostKind: 'docker',
      since: '2026-11-30T10:00:00.000Z', // the lease went then, with the work not seen to end
      lastError: null, lastTriedAt: null, tries: 0,
    }]);
    const error = (fn: () => unknown): ShoalError => {
      try {
        fn();
      } catch (e) {
        if (e instanceof ShoalError) return e;
        throw e;
      }
      throw new Error('no error');
    };
    expect(error(() => c.owedReaps.find({ runId: 'nope', taskId: 't0', attempt: 1 })).message).toBe('run: no run "nope"');
    expect(error(() => c.owedReaps.find({ runId, taskId: 'tx', attempt: 1 })).message).toBe(`task: run ${runId} has no task "tx"`);
    expect(error(() => c.owedReaps.find({ runId, taskId: 't0', attempt: 9 })).message).toBe(`attempt: task ${runId}/t0 has no attempt 9`);
    const leased = error(() => c.owedReaps.forget({ runId, taskId: 't0', attempt: 2 }, 'test'));
    expect([leased.code, leased.message]).toEqual(['conflict', `attempt: ${runId}/t0 (attempt 2) is not owed a reap: it still holds its lease (it runs, or recovery is ending it)`]);
    expect(c.engine.fleet.reapPending({ runId, taskId: 't0', attempt: 2 })).toBe(true); // untouched
  });

  it('a failed try records its cause; Retry now wakes the loop at once; Forget clears the marker, audits it, logs one line and stops the loop', async () => {
    const dir = tempDir('shoal-owed-act-');
    const host = await droppingHost();
    const runId = await seedOwed(dir, sshRef(host.port), Date.now());
    const key = { runId, taskId: 't0', attempt: 1 };
    const lines: string[] = [];
    const c = core(dir, lines);
    c.start(); // its sweep starts the loop: one try now, then pauses of 1 s, 2 s, 4 s…
    const row = () => c.owedReaps.list().find((r) => r.attempt === 1);
    await waitFor('the third failed try recorded', () => (row()?.tries ?? 0) >= 3, 20_000);
    const failed = row()!;
    expect(failed.lastError).toContain('127.0.0.1');
    expect(failed.lastTriedAt).not.toBeNull();
    expect(host.connections()).toBeGreaterThanOrEqual(3);

    // Its pause now is 4 s: Retry now tries well before that ends.
    const before = host.connections();
    const asked = Date.now();
    expect(await c.owedReaps.retry(key)).toEqual({ kind: 'woken' });
    await waitFor('the woken try', () => host.connections() > before && row()!.tries > failed.tries, 10_000);
    expect(Date.now() - asked).toBeLessThan(3_500);

    const forgotten = c.owedReaps.forget(key, 'you');
    expect(forgotten).toMatchObject({ runId, taskId: 't0', attempt: 1, work: `ssh nobody@127.0.0.1:${host.port} pgid 4242` });
    expect(c.engine.fleet.reapPending(key)).toBe(false);
    expect(c.owedReaps.list()).toEqual([]);
    await waitFor('its loop stopped', () => !c.engine.owedReapLooping(key), 5_000);
    const [entry] = c.audit.list({ limit: 5, prefix: 'reap.' });
    expect(entry).toMatchObject({ actor: 'you', action: 'reap.forgotten', subject: `${runId}/t0#1`, detail: { work: forgotten.work, worker: 'box' } });
    expect(lines.filter((l) => l.includes('took over'))).toEqual([
      `[shoal] you took over ending ssh nobody@127.0.0.1:${host.port} pgid 4242 of ${runId}/t0 (attempt 1): Shoal stops trying to end it; if it still runs on that host, end it yourself.`,
    ]);
    // Nothing tries it any more, and a second forget says why it cannot.
    const after = host.connections();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(host.connections()).toBe(after);
    expect(() => c.owedReaps.forget(key, 'you')).toThrow(`attempt: ${runId}/t0 (attempt 1) is not owed a reap: its work was seen to end, or someone already forgot it`);
  });

  it('a forget from another process (the CLI) stops the running app\'s loop when it sees the write', async () => {
    const dir = tempDir('shoal-owed-ext-');
    const host = await droppingHost();
    const runId = await seedOwed(dir, sshRef(host.port), Date.now());
    const key = { runId, taskId: 't0', attempt: 1 };
    const app = core(dir);
    app.start();
    await waitFor('a failed try', () => (app.owedReaps.list()[0]?.tries ?? 0) >= 1, 20_000);
    expect(app.engine.owedReapLooping(key)).toBe(true);
    const cli = core(dir); // another connection to the same file, as `shoal workers forget` opens
    cli.owedReaps.forget(key, 'cli:someone');
    cli.close();
    // The app's external-write watch (every 250 ms) stops it, without waiting for its next try.
    await waitFor('the app\'s loop stopped', () => !app.engine.owedReapLooping(key), 5_000);
    expect(app.owedReaps.list()).toEqual([]);
  });

  it('where no loop runs (the CLI), Retry now tries once and says how it went; an ended one is no longer owed', async () => {
    const dir = tempDir('shoal-owed-once-');
    const host = await droppingHost();
    const runId = await seedOwed(dir, sshRef(host.port), Date.now());
    const c = core(dir); // not started
    const key = { runId, taskId: 't0', attempt: 1 };
    const tried = await c.owedReaps.retry(key);
    expect(tried.kind).toBe('failed');
    expect(host.connections()).toBe(1);
    expect(c.owedReaps.list()[0]).toMatchObject({ tries: 1, lastError: (tried as { error: string }).error });
    expect(c.engine.owedReapLooping(key)).toBe(false);
    // Work found gone (a local process that already exited) is ended: nothing is owed for it after.
    const exited = spawnSync('true');
    const goneDir = tempDir('shoal-owed-gone-');
    const goneRun = await seedOwed(goneDir, { kind: 'local', pid: exited.pid, startTime: null }, Date.now());
    const other = core(goneDir);
    expect(await other.owedReaps.retry({ runId: goneRun, taskId: 't0', attempt: 1 })).toEqual({ kind: 'ended' });
    expect(other.owedReaps.list()).toEqual([]);
    expect(other.engine.fleet.reapPending({ runId: goneRun, taskId: 't0', attempt: 1 })).toBe(false);
  });

  it('the try made when its host is seen back records its cause and counts, as the loop\'s tries and Retry now do', async () => {
    const dir = tempDir('shoal-owed-back-');
    const host = await droppingHost();
    const runId = await seedOwed(dir, sshRef(host.port), Date.now());
    const key = { runId, taskId: 't0', attempt: 1 };
    const c = core(dir); // not started: no loop tries it meanwhile, only the try asked for here
    const lines: string[] = [];
    // The engine's owed reaps, on its store; the host's driver as the worker's re-probe hands it over.
    const owed = new OwedReaps({ fleet: c.engine.fleet, candidates: () => ({ drivers: [], release: () => undefined }), storeOpen: () => c.store.db.open, log: (m) => lines.push(m) });
    const driver = new SshDriver(new SshConnection({ host: '127.0.0.1', port: host.port, user: 'nobody' }, { known: KnownHosts.inDataDir(dir) }));
    try {
      const notYet = await owed.endOn(driver);
      expect(notYet).toContain(`could not yet end ssh nobody@127.0.0.1:${host.port} pgid 4242, left by ${runId}/t0 (attempt 1)`);
      expect(host.connections()).toBe(1);
      const row = c.owedReaps.list()[0]!;
      expect(row).toMatchObject({ tries: 1, lastError: expect.stringContaining(`127.0.0.1:${host.port}`) });
      expect(row.lastTriedAt).not.toBeNull();
      expect(c.engine.fleet.reapPending(key)).toBe(true); // still owed: it did not end
      await owed.endOn(driver);
      expect(c.owedReaps.list()[0]!.tries).toBe(2);
    } finally {
      await owed.close();
      await driver.close();
    }
  });
});
