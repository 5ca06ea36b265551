// An SSH host's connection drops in the window after the attempt's process group started there but
// before its pgid line (SHOAL_PGID=…, the launcher's first line on stderr) reached Shoal: no ref
// was stored, so only the group's pgid marker under ~/.shoal/running/<store>/ names it. The attempt
// ends naming the worker and the host; as the host does not answer either, it counts as an attempt
// that never ran (the task's only attempt is not used up by it) and the task waits for the host. The
// worker goes down, the group keeps running there while the host is unreachable, and once the host
// answers again the worker's probe ends the group by its marker (and removes the marker and the
// workdir) before it calls the worker up: the retry never runs beside it, and the task passes once.
// When the host answers again at once (a reconnect), the attempt's own check of the host is the
// only probe that may come: the attempt fails (the host answered), and if that was the task's last
// one its run ends and the run's worker leaves with it, so no re-probe follows. That check ends the
// group by its marker too, so it is not left running there.
// Whatever ends it, the attempt keeps the marker as its ref, its reap owed: when the host is still
// down as the run ends (cancelled by a person) no worker there is ever probed again, and the owed
// reap ends the group once the host answers, in this Shoal or in one started later.
//
// The window, made exact (the test sshd runs on this machine, so its files and processes are seen
// here): the attempt's marker is made a FIFO before the run can start, so the launcher, which
// writes the marker before it prints its pgid, blocks there. The relay in front of the sshd then
// holds every byte the server sends, the test reads the marker (the launcher goes on: it prints its
// pgid, which the relay keeps, and becomes the agent), puts what it read back as the regular file
// the launcher would have left, and drops the connection with the pgid line undelivered.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { artifactDir } from '../fleet/artifacts';
import { storeIdentity } from '../store/store-identity';
import type { ShoalCore } from '../shoal';
import { processesMatching, processesRunning } from '../test-support/processes';
import { startSwitchRelay } from '../test-support/switch-relay';
import { eventsOf, launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { useSshd } from '../test-support/use-hosts';
import { waitFor } from '../test-support/wait-for';
import { recordWorkerUps } from '../test-support/worker-ups';
import { KnownHosts } from './ssh/host-keys';
import { markerFile, markerKey, remoteWorkdir } from './ssh/pgid-markers';

const makeCore = useCores();
const sshd = useSshd();


interface AttemptRow { attempt: number; state: string; host_ref: string | null; reap_pending: number; reason: string | null }

function attempts(c: ShoalCore, runId: string): AttemptRow[] {
  return c.store.db.prepare<[string], AttemptRow>("SELECT attempt, state, host_ref, reap_pending, reason FROM attempts WHERE run_id = ? AND task_id = 't' ORDER BY attempt").all(runId);
}

/** The ref an attempt keeps for a group known only by its marker (HostExit.unconfirmed). */
function markerRef(port: number, runId: string, marker: string) {
  return { kind: 'ssh', host: '127.0.0.1', port, user: sshd.user, pgid: null, dir: remoteWorkdir(sshd.shoalRoot, { runId, taskId: 't', attempt: 1 }), marker };
}

const regex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A run whose one task's first attempt has its group started on the host, its pgid line held in
 *  the relay (see the header): the first attempt runs `first` (and hangs); the retry records when
 *  it started and fails if `first` still runs then. */
async function firstAttemptPgidHeld(sleep: number, maxAttempts: number) {
  const relay = await startSwitchRelay({ host: '127.0.0.1', port: sshd.port });
  onTestFinished(() => relay.close());
  const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
  KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${relay.port}`, sshd.fingerprint);
  const storeId = storeIdentity(c.store);
  const tag = process.pid % 1000;
  const first = `sleep ${sleep}.${tag}`;
  const runId = launch(c, {
    name: 'ssh-pgid-loss',
    worker_specs: [{ id: 'w1', name: 'far box', host: { kind: 'ssh', host: '127.0.0.1', port: relay.port, user: sshd.user, identity: sshd.identity }, max_concurrent_tasks: 1 }],
    // An agent of its own (bash, not the shell agent's gateway client, which asks the gateway over
    // this very connection first and gives up once it drops): it runs on whatever becomes of
    // Shoal, as a coding agent in the middle of its work does.
    task_specs: [{
      id: 't', name: 't', metadata: { agent: { command: 'bash -c {instructions}' } },
      instructions: `if [ "$SHOAL_ATTEMPT" = 1 ]; then ${first}; else date +%s%3N > "$SHOAL_ARTIFACTS_DIR/started-at"; if pgrep -f '^${first}$' >/dev/null; then echo "the first attempt's agent still runs"; exit 3; fi; echo again; fi`,
      retry_policy: { max_attempts: maxAttempts, initial_backoff_seconds: 1 },
    }],
  });
  // Before the engine can do any I/O (launch() returned just now; the worker is not even probed):
  // the first attempt's marker is a FIFO, so its launcher blocks there, its pgid not printed yet.
  const marker = markerFile(sshd.shoalRoot, storeId, { runId, taskId: 't', attempt: 1 });
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  execFileSync('mkfifo', [marker]);
  onTestFinished(() => {
    relay.on();
    for (const pid of processesRunning(first)) process.kill(pid, 'SIGKILL'); // a failed check's leftover
    fs.rmSync(marker, { force: true });
  });

  const launcher = await waitFor('the launcher blocked on writing the marker', () => processesMatching(`^sh -c m=.* ${regex(marker)} `)[0], 60_000);
  // The server's reply to the exec went out as it forked, well before the launcher got here: once
  // the server has been quiet a while, that reply has reached Shoal and only the pgid is to come.
  await waitFor('the server quiet', () => Date.now() - relay.lastFromServer > 300, 10_000);
  relay.hold();
  const written = await fs.promises.readFile(marker, 'utf8'); // lets the launcher go on
  const tmp = path.join(path.dirname(marker), `.fifo-${tag}`);
  fs.writeFileSync(tmp, written);
  fs.renameSync(tmp, marker);
  expect(written).toBe(`${launcher} ${markerKey({ runId, taskId: 't', attempt: 1 })}\n`);
  const agentPid = await waitFor('the first attempt\'s agent running there', () => processesRunning(first)[0], 30_000);
  expect(Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(agentPid)], { encoding: 'utf8' }).trim())).toBe(launcher);
  await waitFor('the pgid line held in the relay', () => relay.held > 0, 10_000);
  const worker = () => c.workersView.list().find((w) => w.id === 'w1');
  return { c, relay, runId, first, marker, written, agentPid, worker, cause: `ssh ${sshd.user}@127.0.0.1:${relay.port}: connection lost` };
}

describe('an SSH connection lost after the group started there, before its pgid came back', () => {
  it('fails the attempt naming the host without using up the task, takes the worker down, and the probe that finds the host back ends the group by its marker before the retry runs', async () => {
    // One attempt only: losing the host before the attempt was known to run must not use it up.
    const { c, relay, runId, first, marker, written, agentPid, worker, cause } = await firstAttemptPgidHeld(49, 1);
    const at = Date.now();
    relay.off();
    await waitFor('the worker marked down', () => worker()?.status === 'unhealthy', 10_000, 20);
    const downMs = Date.now() - at;
    // (A re-probe since may have put its own words first: the cause that took it down stays.)
    expect(worker()?.statusReason).toMatch(/^worker far box: /);
    expect(worker()?.statusReason).toContain(cause);
    const ended = await waitFor('the first attempt ended', () => eventsOf(c, runId, 't').find((e) => e.state === 'interrupted'), 10_000, 20);
    // Not the task's failure: no receipt, no failed event, and the attempt is not counted.
    expect(ended).toMatchObject({ signal: 'host-unreachable', reason: `worker far box: ${cause}` });
    expect(eventsOf(c, runId, 't').map((e) => e.state)).not.toContain('failed');
    expect(c.engine.fleet.receipts(runId)).toEqual([]);
    // What may still run there for it is kept as its ref, its reap owed (see the third test).
    expect(attempts(c, runId)).toEqual([{ attempt: 1, state: 'lost', host_ref: JSON.stringify(markerRef(relay.port, runId, marker)), reap_pending: 1, reason: `worker far box: ${cause}` }]);
    const log = fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', 1), 'agent.log'), 'utf8');
    expect(log).toContain(`shoal: worker far box: ${cause}; the task waits for the host`);

    // While the host does not answer: the group runs on there, its marker in place, and the task
    // waits for the host rather than running again anywhere.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(worker()?.status).toBe('unhealthy');
    expect(attempts(c, runId)).toHaveLength(1);
    expect(processesRunning(first)).toEqual([agentPid]);
    expect(fs.readFileSync(marker, 'utf8')).toBe(written);

    const ups = recordWorkerUps(c, 'w1', () => processesRunning(first).length > 0);
    let lastSeen = Date.now();
    const sampler = setInterval(() => {
      if (processesRunning(first).length > 0) lastSeen = Date.now();
    }, 50);
    onTestFinished(() => clearInterval(sampler));
    const back = Date.now();
    relay.on();
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const passedMs = Date.now() - back;
    clearInterval(sampler);

    // Ended by the probe that found the host back, before the worker was called up: the marker and
    // the workdir went with it.
    expect(ups).toEqual([{ at: expect.any(Number), seen: false }]);
    expect(ups[0]!.at).toBeGreaterThanOrEqual(back);
    expect(processesRunning(first)).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
    const firstDir = remoteWorkdir(sshd.shoalRoot, { runId, taskId: 't', attempt: 1 });
    expect(fs.existsSync(firstDir) || fs.existsSync(`${firstDir}.artifacts`)).toBe(false);
    // The retry started after the first agent was last seen running (and saw it gone itself).
    const retryAt = Number(fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', 2), 'started-at'), 'utf8'));
    expect(retryAt).toBeGreaterThan(lastSeen);

    // Exactly one passing receipt, the retry's, on the same worker.
    const receipts = c.store.db.prepare<[string], { attempt: number; worker_id: string; result: string }>('SELECT attempt, worker_id, result FROM receipts WHERE run_id = ?').all(runId);
    expect(receipts).toEqual([{ attempt: 2, worker_id: 'w1', result: 'pass' }]);
    expect(eventsOf(c, runId, 't').filter((e) => e.state === 'completed')).toHaveLength(1);
    // The first attempt's owed reap found its group gone (the probe ended it) and was cleared.
    await waitFor('the owed reap cleared', () => attempts(c, runId)[0]?.reap_pending === 0, 30_000);
    expect(attempts(c, runId).map((a) => [a.attempt, a.state, a.reap_pending])).toEqual([[1, 'lost', 0], [2, 'ended', 0]]);
    console.log(`[ssh-pgid-loss] worker down ${downMs} ms after the drop; host back after ${back - at} ms; worker up ${ups[0]!.at - back} ms after (the group already ended), the retry started ${retryAt - lastSeen} ms after the first agent was last seen; passed ${passedMs} ms after the host was back`);
  }, 120_000);

  it('ends the group at once when the host answers right after the drop, though the task\'s last attempt ends the run and no re-probe of its worker follows', async () => {
    const { c, relay, runId, first, marker } = await firstAttemptPgidHeld(51, 1);
    // Dropped, and back at once: the attempt's own check finds the host answering.
    relay.off();
    relay.on();
    const cause = `ssh ${sshd.user}@127.0.0.1:${relay.port}: connection lost`;
    // The host answered: per the driver's contract an attempt lost this way then fails (and here
    // that was the task's only one), naming the worker and the host.
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const failed = eventsOf(c, runId, 't').filter((e) => e.state === 'failed');
    expect(failed).toMatchObject([{ reason: `worker far box: ${cause}`, recoverable: false }]);
    await waitFor('its owed reap cleared', () => attempts(c, runId)[0]?.reap_pending === 0, 30_000);
    expect(attempts(c, runId)).toEqual([{ attempt: 1, state: 'ended', host_ref: JSON.stringify(markerRef(relay.port, runId, marker)), reap_pending: 0, reason: `worker far box: ${cause}` }]);
    const log = fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', 1), 'agent.log'), 'utf8');
    expect(log).toContain(`shoal: worker far box: ${cause}; the worker waits for the host to answer again`);
    // Its group was ended by then, by its marker, with the marker and the workdir: the run's worker
    // left with the run, so nothing else would have ended it.
    expect(processesRunning(first)).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
    const firstDir = remoteWorkdir(sshd.shoalRoot, { runId, taskId: 't', attempt: 1 });
    expect(fs.existsSync(firstDir) || fs.existsSync(`${firstDir}.artifacts`)).toBe(false);
  }, 120_000);

  it('ends the group once the host answers again though the run was cancelled while it was down and its worker left: the attempt keeps the marker as an owed reap', async () => {
    const { c, relay, runId, first, marker, agentPid, worker } = await firstAttemptPgidHeld(53, 1);
    relay.off();
    await waitFor('the worker marked down', () => worker()?.status === 'unhealthy', 10_000, 20);
    await waitFor('the first attempt given back', () => attempts(c, runId)[0]?.state === 'lost', 10_000, 20);
    // Recorded in the store, so it holds without any worker on this host, and across a restart.
    expect(attempts(c, runId)[0]).toMatchObject({ host_ref: JSON.stringify(markerRef(relay.port, runId, marker)), reap_pending: 1 });
    expect(c.engine.fleet.owedReaps().map((o) => [o.runId, o.attempt, o.hostRef])).toEqual([[runId, 1, markerRef(relay.port, runId, marker)]]);

    // The person gives up on the host: the run ends, and its worker (the only one there) leaves.
    expect(c.engine.cancelRun(runId)).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('cancelled');
    await waitFor('the run\'s worker gone with it', () => worker()?.state === 'run-ended', 10_000);
    // Its reap is tried meanwhile (and fails: the host does not answer), with nothing to probe there.
    const tries = () => c.store.db.prepare<[string], { reap_tries: number }>("SELECT reap_tries FROM attempts WHERE run_id = ? AND task_id = 't' AND attempt = 1").get(runId)!.reap_tries;
    await waitFor('a try to end it failed', () => tries() >= 1, 20_000);
    expect(processesRunning(first)).toEqual([agentPid]);

    const back = Date.now();
    relay.on();
    await waitFor('the group ended by its owed reap', () => processesRunning(first).length === 0, 40_000, 50);
    const endedMs = Date.now() - back;
    await waitFor('the owed reap cleared', () => attempts(c, runId)[0]?.reap_pending === 0, 10_000);
    expect(fs.existsSync(marker)).toBe(false);
    const firstDir = remoteWorkdir(sshd.shoalRoot, { runId, taskId: 't', attempt: 1 });
    expect(fs.existsSync(firstDir) || fs.existsSync(`${firstDir}.artifacts`)).toBe(false);
    expect(c.engine.fleet.owedReaps()).toEqual([]);
    console.log(`[ssh-pgid-loss] run cancelled while the host was down; its group ended ${endedMs} ms after the host answered again`);
  }, 120_000);

  it('keeps the reap owed when the attempt\'s lease lapsed before the drop was seen (Shoal was away past it): its outcome is fenced off, the owed reap is recorded all the same', async () => {
    const { c, relay, runId, first, marker, agentPid, worker } = await firstAttemptPgidHeld(57, 2);
    // Held, so the task the reaper puts back is not leased again meanwhile; then the lease lapses
    // (as when this computer slept through it) before the dropped connection is noticed.
    expect(c.engine.pauseRun(runId)).toBe(true);
    expect(c.engine.fleet.reapExpired(Date.now() + 3_600_000, () => undefined)).toHaveLength(1);
    expect(attempts(c, runId)[0]).toMatchObject({ state: 'lost', host_ref: null, reap_pending: 0 });
    relay.off();
    await waitFor('the worker marked down', () => worker()?.status === 'unhealthy', 10_000, 20);
    // The attempt could record no outcome (its lease is gone), but what may run there is owed.
    await waitFor('the group owed a reap', () => attempts(c, runId)[0]?.reap_pending === 1, 10_000, 20);
    expect(attempts(c, runId)[0]).toMatchObject({ state: 'lost', host_ref: JSON.stringify(markerRef(relay.port, runId, marker)) });
    expect(c.engine.fleet.owedReaps().map((o) => [o.runId, o.attempt, o.hostRef])).toEqual([[runId, 1, markerRef(relay.port, runId, marker)]]);

    // The run is given up while the host is down: its worker leaves, and only the owed reap is left.
    expect(c.engine.cancelRun(runId)).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('cancelled');
    await waitFor('the run\'s worker gone with it', () => worker()?.state === 'run-ended', 10_000);
    expect(processesRunning(first)).toEqual([agentPid]);
    relay.on();
    await waitFor('the group ended by its owed reap', () => processesRunning(first).length === 0, 40_000, 50);
    await waitFor('the owed reap cleared', () => attempts(c, runId)[0]?.reap_pending === 0, 10_000);
    expect(fs.existsSync(marker)).toBe(false);
  }, 120_000);

  it('ends it after a restart too: the owed reap is in the store, and the restarted Shoal tries it once the host answers', async () => {
    const { c, relay, runId, first, marker, agentPid } = await firstAttemptPgidHeld(55, 1);
    relay.off();
    await waitFor('the first attempt given back', () => attempts(c, runId)[0]?.state === 'lost', 10_000, 20);
    expect(c.engine.cancelRun(runId)).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('cancelled');
    await c.shutdown();
    expect(processesRunning(first)).toEqual([agentPid]);

    relay.on();
    const again = makeCore({}, { dir: c.dataDir });
    await waitFor('the group ended by the restarted Shoal', () => processesRunning(first).length === 0, 40_000, 50);
    await waitFor('the owed reap cleared', () => attempts(again, runId)[0]?.reap_pending === 0, 10_000);
    expect(fs.existsSync(marker)).toBe(false);
  }, 120_000);
});
