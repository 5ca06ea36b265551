// An SSH host's connection drops while an attempt runs there (a loopback relay in front of the test
// sshd is switched off: every relayed connection goes and new ones are closed at once, as a network
// that went away; the agent keeps running there, in its own session). The worker goes down naming
// the host and the cause, the attempt keeps its lease until it lapses and is then reclaimed, and the
// task waits for the host. The relay is switched on again while the driver's background loop that
// ends the cut-off agent pauses (its tries come about 0.5, 1.5, 3.5, 7.5 and 15.5 s after the drop),
// and the worker's re-probe comes within a second: the probe itself ends the cut-off agent's process
// group before it calls the host usable, so the rerun never runs beside it, the task passes exactly
// once, and nothing of either attempt is left there.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, it, onTestFinished } from 'vitest';
import type { ShoalCore } from '../shoal';
import { expectReclaimedThenRerunOnce } from '../test-support/cut-off-attempt';
import { processesRunning } from '../test-support/processes';
import { startSshd, type TestSshd } from '../test-support/sshd';
import { startSwitchRelay } from '../test-support/switch-relay';
import { launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { parseHostRef } from './host-ref';
import { KnownHosts } from './ssh/host-keys';

const makeCore = useCores();
let sshd: TestSshd;
beforeAll(() => {
  sshd = startSshd();
}, 120_000);
afterAll(() => sshd?.stop());

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
    console.log(`[ssh-connection-loss] worker down ${t.downMs} ms after the drop; attempt reclaimed after ${t.reclaimedMs} ms (lease 5 s); host back ${backAt - at} ms after the drop; cut-off agent seen ended ${t.oldEndedAfterRestoreMs} ms and the rerun first seen ${t.rerunAfterRestoreMs} ms after; passed ${t.passedAfterRestoreMs} ms after`);
  }, 90_000);
});
