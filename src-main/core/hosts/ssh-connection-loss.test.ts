// An SSH host's connection drops while an attempt runs there (a loopback relay in front of the test
// sshd is switched off: every relayed connection goes and new ones are closed at once, as a network
// that went away; the agent keeps running there, in its own session). The worker goes down naming
// the host and the cause, the attempt keeps its lease until it lapses and is then reclaimed, and the
// task waits for the host. The relay is switched on again while the driver's background loop that
// ends the cut-off agent pauses (its tries come about 0.5, 1.5, 3.5, 7.5 and 15.5 s after the drop),
// and the worker's re-probe comes within a second: the probe itself ends the cut-off agent's process
// group before it calls the host usable, so the rerun never runs beside it, the task passes exactly
// once, and nothing of either attempt is left there. The same holds when the Shoal that lost sight
// of the agent is gone before the host answers again: the next one knows the agent from the host ref
// the attempt stored (its reap is owed), and ends it before its worker is up. In both cases the agent
// is checked gone at the very moment the store records the worker back in service.
import fs from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ShoalCore } from '../shoal';
import { expectReclaimedThenRerunOnce } from '../test-support/cut-off-attempt';
import { processesRunning } from '../test-support/processes';
import { useSshd } from '../test-support/use-hosts';
import { startSwitchRelay } from '../test-support/switch-relay';
import { eventsOf, launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { recordWorkerUps } from '../test-support/worker-ups';
import { parseHostRef } from './host-ref';
import { KnownHosts } from './ssh/host-keys';

const makeCore = useCores();
const sshd = useSshd();

/** The remote workdirs (and artifacts dirs) the run's attempts recorded in their host refs that are
 *  still there: the test sshd is this machine, so they are visible here. */
function remoteDirsLeft(c: ShoalCore, runId: string): Promise<string[]> {
  const rows = c.store.db.prepare<[string], { host_ref: string | null }>('SELECT host_ref FROM attempts WHERE run_id = ?').all(runId);
  const dirs = rows.map((r) => parseHostRef(r.host_ref)).flatMap((ref) => (ref?.kind === 'ssh' ? [ref.dir, `${ref.dir}.artifacts`] : []));
  return Promise.resolve(dirs.filter((d) => fs.existsSync(d)));
}

describe('a dropped SSH connection', () => {
  it('ends the cut-off agent before the host is used again: the rerun never runs beside it, and the task passes once', async () => {
    const relay = await startSwitchRelay({ host: '127.0.0.1', port: sshd.port });
    onTestFinished(() => relay.close());
    const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
    // The relay's port is the host's address here: the pin is the test sshd's key.
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${relay.port}`, sshd.fingerprint);
    const marker = `sleep 44.${process.pid % 1000}`;
    const rerunMarker = `sleep 3.${process.pid % 1000}3`;
    const runId = launch(c, {
      name: 'ssh-drop',
      worker_specs: [{ id: 'w1', name: 'far box', host: { kind: 'ssh', host: '127.0.0.1', port: relay.port, user: sshd.user, identity: sshd.identity }, max_concurrent_tasks: 1 }],
      // The first attempt hangs (and is cut off); the rerun passes. No spare attempt: any other
      // failure fails this test.
      task_specs: [{ id: 't', name: 't', instructions: `if [ "$SHOAL_ATTEMPT" = 1 ]; then echo started; ${marker}; else ${rerunMarker}; echo again; fi`, retry_policy: { max_attempts: 2, initial_backoff_seconds: 1 } }],
    });
    onTestFinished(async () => {
      // A check that failed midway may have left the cut-off agent: the host back, its pgid ended.
      relay.on();
      for (const pid of processesRunning(marker)) process.kill(pid, 'SIGKILL');
    });
    await waitFor('the agent running on the host', () => processesRunning(marker).length >= 1, 30_000);
    const ups = recordWorkerUps(c, 'w1', () => processesRunning(marker).length > 0);
    const at = Date.now();
    relay.off();
    /** Back 9 s after the drop: past the background loop's fourth try (7.5 s), well before its fifth. */
    const backAt = at + 9_000;
    const t = await expectReclaimedThenRerunOnce(c, {
      runId, workerId: 'w1', workerName: 'far box', at, marker, rerunMarker,
      cause: `ssh ${sshd.user}@127.0.0.1:${relay.port}: connection lost while the agent ran`,
      restore: async () => {
        await new Promise((r) => setTimeout(r, Math.max(0, backAt - Date.now())));
        relay.on();
      },
      leftOn: (id) => remoteDirsLeft(c, id),
    });
    // Back in service once (after the relay was), with the cut-off agent already gone then.
    expect(ups).toEqual([{ at: expect.any(Number), seen: false }]);
    expect(ups[0]!.at).toBeGreaterThanOrEqual(backAt);
    console.log(`[ssh-connection-loss] worker down ${t.downMs} ms after the drop; attempt reclaimed after ${t.reclaimedMs} ms (lease 5 s); host back ${backAt - at} ms after the drop; cut-off agent seen ended ${t.oldEndedAfterRestoreMs} ms and the rerun first seen ${t.rerunAfterRestoreMs} ms after; passed ${t.passedAfterRestoreMs} ms after`);
  }, 90_000);

  it('ends an agent that an earlier Shoal lost sight of, from its stored host ref, before the next one uses the host again', async () => {
    const relay = await startSwitchRelay({ host: '127.0.0.1', port: sshd.port });
    onTestFinished(() => relay.close());
    const dir = tempDir();
    const first = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } }, { dir });
    KnownHosts.inDataDir(first.dataDir).pin(`127.0.0.1:${relay.port}`, sshd.fingerprint);
    const marker = `sleep 46.${process.pid % 1000}`;
    const rerunMarker = `sleep 3.${process.pid % 1000}4`;
    const runId = launch(first, {
      name: 'ssh-drop-restart',
      worker_specs: [{ id: 'w1', name: 'far box', host: { kind: 'ssh', host: '127.0.0.1', port: relay.port, user: sshd.user, identity: sshd.identity }, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 't', name: 't', instructions: `if [ "$SHOAL_ATTEMPT" = 1 ]; then echo started; ${marker}; else ${rerunMarker}; echo again; fi`, retry_policy: { max_attempts: 2, initial_backoff_seconds: 1 } }],
    });
    onTestFinished(async () => {
      relay.on();
      for (const pid of processesRunning(marker)) process.kill(pid, 'SIGKILL'); // a failed check's leftover
    });
    await waitFor('the agent running on the host', () => processesRunning(marker).length >= 1, 30_000);
    relay.off();
    const workerOf = (c: ShoalCore) => c.workersView.list().find((w) => w.id === 'w1');
    await waitFor('the worker marked down', () => workerOf(first)?.status === 'unhealthy', 20_000);
    // This Shoal stops with the agent cut off: its lease is left to lapse, its reap stays owed.
    await first.shutdown();
    const owed = (c: ShoalCore) => c.store.db.prepare<[string], { reap_pending: number }>("SELECT reap_pending FROM attempts WHERE run_id = ? AND task_id = 't' ORDER BY attempt").all(runId).map((r) => r.reap_pending);

    const next = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } }, { dir });
    const ups = recordWorkerUps(next, 'w1', () => processesRunning(marker).length > 0);
    await waitFor('the attempt reclaimed at its lease deadline', () => eventsOf(next, runId, 't').some((e) => e.state === 'stale'), 30_000);
    await waitFor('the worker down in this Shoal too', () => workerOf(next)?.status === 'unhealthy', 20_000);
    expect(owed(next)).toEqual([1]);
    expect(processesRunning(marker).length).toBeGreaterThan(0); // still running there

    let overlap = false;
    const sampler = setInterval(() => {
      if (processesRunning(marker).length > 0 && processesRunning(rerunMarker).length > 0) overlap = true;
    }, 100);
    onTestFinished(() => clearInterval(sampler));
    const back = Date.now();
    relay.on();
    expect(await next.engine.waitForRun(runId)).toBe('completed');
    const passedMs = Date.now() - back;
    expect(next.engine.fleet.receipts(runId)).toMatchObject([{ worker_id: 'w1', result: 'pass' }]);
    expect(eventsOf(next, runId, 't').filter((e) => e.state === 'completed')).toHaveLength(1);
    // Up again once, with the agent the earlier Shoal lost already ended then.
    expect(ups).toEqual([{ at: expect.any(Number), seen: false }]);
    expect(overlap).toBe(false);
    expect(processesRunning(marker)).toEqual([]);
    await waitFor('nothing owed any more', () => owed(next).every((m) => m === 0), 20_000);
    let left = await remoteDirsLeft(next, runId);
    for (const until = Date.now() + 20_000; left.length > 0 && Date.now() < until; left = await remoteDirsLeft(next, runId)) await new Promise((r) => setTimeout(r, 200));
    expect(left).toEqual([]);
    console.log(`[ssh-connection-loss] after a restart: worker up ${ups[0]!.at - back} ms after the host was back (the agent already ended then); passed ${passedMs} ms after`);
  }, 120_000);
});
