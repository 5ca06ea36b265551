// A Docker daemon that is alive but does not answer never holds an attempt, nor a probe. This file's
// own podman service is frozen with SIGSTOP (by the PID it was started with; its connections stay
// open, which is what a hung daemon looks like, unlike the dropped connection of
// docker-connection-loss.test.ts) at several points, each noticed within the driver's deadline (2 s
// here, through the DriverPool, instead of the default minute):
// - while the agent runs: as for a dropped connection, the worker goes down naming the daemon and
//   the step, the attempt keeps its lease until it lapses and is reclaimed (its container may still
//   run), and once the daemon answers the container is removed before the task runs there again;
// - while the worktree is copied in: the task waits for the worker without spending a retry, its
//   note naming the worker and that step (not the wording of the probe that confirmed it);
// - while the result is copied out: the attempt fails naming that step, and the worker is down;
// - while the worker is probed (`shoal workers test`): the probe fails naming the daemon, and leaves
//   no request pending, so the command ends;
// - while the probe's throwaway container runs, and its removal then fails too (the relay drops it):
//   the container carries Shoal's probe labels, and the next probe that finds the daemon answering
//   removes it.
// After SIGCONT nothing of the attempts is left.
//
// The copies happen only with a daemon Shoal treats as remote: those workers reach the same service
// through a loopback tcp:// relay (test-support/docker-relay.ts), which freezes the service at the
// exact request, before the daemon has seen it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import Docker from 'dockerode';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { artifactDir } from '../fleet/artifacts';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { startDockerRelay, type DockerRelay } from '../test-support/docker-relay';
import { expectReclaimedThenRerunOnce } from '../test-support/cut-off-attempt';
import { processesRunning } from '../test-support/processes';
import { eventsOf, launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { DockerDriver } from './docker/docker-driver';
import { LABEL } from './docker/docker-labels';
import { DriverPool } from './driver-pool';

const CALL_MS = 2_000;
/** Scheduling, the supervisor's bookkeeping, a loaded machine: on top of the deadlines waited. */
const SLACK_MS = 3_000;

const makeCore = useCores();
let api: TestDockerApi | null = null;
let relay: DockerRelay | null = null;
let docker: Docker;
const savedDockerHost = process.env.DOCKER_HOST;
/** The request line at which the relay freezes the service next (once), or null. */
let freezeAt: RegExp | null = null;
let frozenAt: number | null = null;
/** The request line at which the relay goes down next (once; that request never reaches the daemon). */
let downAt: RegExp | null = null;
/** Request lines that froze the service or took the relay down, in order. */
const stoppedAt: string[] = [];
const runs: string[] = [];

beforeAll(async () => {
  api = startDockerApi();
  docker = new Docker({ socketPath: api.url.slice('unix://'.length) });
  relay = await startDockerRelay(api.url.slice('unix://'.length), (line) => {
    if (freezeAt?.test(line)) {
      freezeAt = null;
      stoppedAt.push(line);
      freeze();
    }
    if (downAt?.test(line)) {
      downAt = null;
      stoppedAt.push(line);
      relay!.down();
    }
  });
}, 300_000);

afterEach(() => {
  freezeAt = null;
  downAt = null;
  stoppedAt.length = 0;
  thaw(); // a failed check must not leave the service stopped
  relay?.up();
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
});

afterAll(async () => {
  for (const f of bundled) fs.rmSync(f, { force: true });
  await relay?.close();
  if (!api) return;
  for (const runId of runs) for (const id of await containersOf(runId)) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  api.stop();
});

function freeze(): void {
  process.kill(api!.pid, 'SIGSTOP');
  frozenAt = Date.now();
}

function thaw(): void {
  if (frozenAt === null) return;
  process.kill(api!.pid, 'SIGCONT');
  frozenAt = null;
}

async function containersOf(runId: string, attempt?: number): Promise<string[]> {
  const label = [`${LABEL.run}=${runId}`, ...(attempt === undefined ? [] : [`${LABEL.attempt}=${attempt}`])];
  return (await docker.listContainers({ all: true, filters: { label } })).map((c) => c.Id);
}

async function noContainersLeft(runId: string): Promise<void> {
  let left = await containersOf(runId);
  for (const until = Date.now() + 20_000; left.length > 0 && Date.now() < until; left = await containersOf(runId)) await new Promise((r) => setTimeout(r, 200));
  expect(left).toEqual([]);
}

/** A core whose Docker drivers give up on a silent daemon after CALL_MS, for workers whose daemon
 *  is `dockerHost`. */
function coreFor(dockerHost: string): ShoalCore {
  process.env.DOCKER_HOST = dockerHost;
  const dir = tempDir();
  return makeCore({ drivers: new DriverPool(dir, { docker: { callMs: CALL_MS } }), reprobe: { minMs: 200, maxMs: 1_000 } }, { dir });
}

/** One task that may run once (unless told otherwise): a retry spent on the daemon's silence
 *  would leave the run failed. */
function launchOne(c: ShoalCore, worker: string, instructions: string, maxAttempts = 1): string {
  const runId = launch(c, {
    name: `hung-${worker}`,
    worker_specs: [{ id: 'w1', name: worker, host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
    task_specs: [{ id: 't', name: 't', instructions, retry_policy: { max_attempts: maxAttempts, initial_backoff_seconds: 1 } }],
  });
  runs.push(runId);
  return runId;
}

interface TaskRow { state: string; attempts: number; last_error: string | null; unplaceable: string | null }
function task(c: ShoalCore, runId: string): TaskRow {
  return c.store.db.prepare<[string], TaskRow>("SELECT state, attempts, last_error, unplaceable FROM tasks WHERE run_id = ? AND task_id = 't'").get(runId)!;
}

function workerRow(c: ShoalCore): { status: string; statusReason: string | null } | undefined {
  return c.workersView.list().find((w) => w.id === 'w1');
}

/** The probe child (test-support/probe-child.ts) bundled under out/, where the repo's packages resolve. */
async function bundleProbeChild(): Promise<string> {
  const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
  const out = path.join(repoRoot, 'out', 'test-children', `probe-child-${process.pid}.mjs`);
  await build({
    entryPoints: [path.join(import.meta.dirname, '..', 'test-support', 'probe-child.ts')],
    outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', absWorkingDir: repoRoot,
  });
  bundled.push(out);
  return out;
}
const bundled: string[] = [];

function runProbeChild(script: string, dockerHost: string, name: string, killAfterMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [script, dockerHost, TEST_IMAGE, name, String(CALL_MS), tempDir()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    // A child still there by then is what this guards against: it is ended (by its PID) and the
    // test fails on its timing.
    const killer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

function agentLog(c: ShoalCore, runId: string, attempt: number): string {
  return fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', attempt), 'agent.log'), 'utf8');
}

describe('a Docker daemon that stops answering', () => {
  it('while the agent runs: the worker goes down naming the daemon and the step, the attempt is reclaimed at its lease deadline, and the task reruns once it answers', async () => {
    const c = coreFor(api!.url);
    const marker = `sleep 47.${process.pid % 1000}`;
    const rerunMarker = `sleep 3.${process.pid % 1000}2`;
    // The first attempt hangs (and is cut off); the rerun passes. No spare attempt.
    const runId = launchOne(c, 'runner', `if [ "$SHOAL_ATTEMPT" = 1 ]; then echo started; ${marker}; else ${rerunMarker}; echo again; fi`, 2);
    await waitFor('the agent running in its container', () => processesRunning(marker).length >= 1, 60_000);
    freeze();
    const t = await expectReclaimedThenRerunOnce(c, {
      runId, workerId: 'w1', workerName: 'runner', at: Date.now(), marker, rerunMarker,
      cause: `Docker daemon at ${api!.url} did not answer within 2 s while the agent ran`,
      restore: thaw,
      leftOn: (id) => containersOf(id),
    });
    // A ping every CALL_MS/2, unanswered for CALL_MS.
    expect(t.downMs).toBeLessThan(CALL_MS * 1.5 + SLACK_MS);
    console.log(`[docker-hung-daemon] agent running: worker down ${t.downMs} ms after the freeze; attempt reclaimed after ${t.reclaimedMs} ms (lease 5 s); passed ${t.passedAfterRestoreMs} ms after the thaw`);
  }, 90_000);

  it('while the worktree is copied in: the task waits for the daemon without spending a retry, its note naming the worker and that step, then runs once it answers', async () => {
    const c = coreFor(relay!.url);
    freezeAt = /^PUT \S*\/containers\/\S+\/archive\?/;
    const runId = launchOne(c, 'copier', 'echo hello > hello.txt');
    const interrupted = await waitFor('the attempt given back', () => eventsOf(c, runId).find((e) => e.state === 'interrupted'), 60_000);
    expect(frozenAt).not.toBeNull(); // at the archive request, not before
    const tookMs = Date.now() - frozenAt!;
    // The copy's stall deadline, then the probe that finds the host down (its own deadline).
    expect(tookMs).toBeLessThan(2 * CALL_MS + SLACK_MS);
    // The step that failed, with the worker: not the wording of the probe that confirmed it.
    const cause = `worker copier: Docker daemon at ${relay!.url} did not answer within 2 s while copying the worktree into the container`;
    expect(interrupted).toMatchObject({ signal: 'host-unreachable', reason: cause });
    expect(agentLog(c, runId, 1)).toContain(`shoal: ${cause}`);
    expect(task(c, runId)).toMatchObject({ state: 'queued', last_error: cause });
    // Probes since find the daemon still silent, in their own words: the note keeps the step.
    await waitFor('a probe since', () => workerRow(c)?.statusReason?.includes('while being probed'), 20_000);
    expect(workerRow(c)).toMatchObject({ status: 'unhealthy', statusReason: `worker copier: Docker daemon at ${relay!.url} did not answer within 2 s while being probed; down since: ${cause.slice('worker copier: '.length)}` });
    await waitFor('the note updated', () => task(c, runId).unplaceable?.includes('while being probed'), 20_000);
    expect(task(c, runId).unplaceable).toBe(`waiting for a worker that can be reached: ${workerRow(c)!.statusReason}`);

    thaw();
    // Completed although only one attempt was allowed: the given-back one did not count.
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(c.engine.fleet.receipts(runId)).toMatchObject([{ worker_id: 'w1', result: 'pass' }]);
    await noContainersLeft(runId); // the first attempt's too, removed once the daemon answered
    console.log(`[docker-hung-daemon] copy in: given back ${tookMs} ms after the freeze`);
  }, 60_000);

  it('while the result is copied out: the attempt fails naming that step, the worker goes down, and the container goes once it answers', async () => {
    const c = coreFor(relay!.url);
    freezeAt = /^GET \S*\/containers\/\S+\/archive\?path=%2Fshoal%2Fwork/;
    const runId = launchOne(c, 'copier', 'echo hello > hello.txt');
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(frozenAt).not.toBeNull();
    const tookMs = Date.now() - frozenAt!;
    expect(tookMs).toBeLessThan(CALL_MS + SLACK_MS);
    const cause = `worker copier: Docker daemon at ${relay!.url} did not answer within 2 s while copying the result out of the container`;
    const failed = eventsOf(c, runId).find((e) => e.state === 'failed')!;
    expect(failed.reason).toBe(cause);
    // The agent had ended, so the attempt fails; but no task is given to the silent daemon until a
    // probe finds it answering.
    expect(workerRow(c)?.status).toBe('unhealthy');
    expect(workerRow(c)?.statusReason).toContain(cause.slice('worker copier: '.length));
    // Failed, but its container was not seen removed: a reap is owed (also to a later start).
    const owed = () => c.store.db.prepare<[string], { reap_pending: number }>('SELECT reap_pending FROM attempts WHERE run_id = ? AND attempt = 1').get(runId)?.reap_pending;
    expect(owed()).toBe(1);

    thaw();
    await noContainersLeft(runId);
    await waitFor('the reap no longer owed', () => owed() === 0, 20_000);
    console.log(`[docker-hung-daemon] copy out: failed ${tookMs} ms after the freeze`);
  }, 60_000);

  it('while it is probed (`shoal workers test`): the probe fails within the deadline naming the daemon, and leaves no request pending, so the command ends', async () => {
    const child = await bundleProbeChild();
    // The ping answers; the daemon hangs at the next request: its info, or the image's.
    for (const at of [/^GET \S*\/info$/, /^GET \S*\/images\/\S+\/json$/]) {
      freezeAt = at;
      const t0 = Date.now();
      const r = await runProbeChild(child, relay!.url, 'stuck', CALL_MS + SLACK_MS + 10_000);
      const tookMs = Date.now() - t0;
      expect(frozenAt, `frozen at ${at}`).not.toBeNull();
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`worker stuck: Docker daemon at ${relay!.url} did not answer within 2 s while being probed\n`);
      // The process ended on its own, right after the deadline: nothing was left waiting on the daemon.
      expect(tookMs).toBeLessThan(CALL_MS + SLACK_MS);
      thaw();
      console.log(`[docker-hung-daemon] probe, daemon frozen at ${at.source}: the command ended ${tookMs} ms after it started`);
    }
    // Answering again: the same probe says yes.
    expect(await runProbeChild(child, relay!.url, 'stuck', 60_000)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^stuck: usable — git \d/) });
  }, 90_000);

  it('while its throwaway container runs: the probe gives up within the deadline, and the container it could not remove carries the probe labels and goes once the daemon answers', async () => {
    const driver = new DockerDriver(TEST_IMAGE, [], relay!.url, 'prober', null, { callMs: CALL_MS });
    let id: string | null = null;
    try {
      // Created and started, then the daemon hangs; the probe's removal of it never gets there.
      freezeAt = /^POST \S*\/containers\/\S+\/wait/;
      downAt = /^DELETE \S*\/containers\//;
      const t0 = Date.now();
      expect(await driver.probe()).toMatchObject({ ok: false, error: `Docker daemon at ${relay!.url} did not answer within 2 s while being probed` });
      const gaveUpMs = Date.now() - t0;
      expect(gaveUpMs).toBeLessThan(CALL_MS + SLACK_MS);
      await waitFor('its removal tried', () => stoppedAt.length === 2, CALL_MS + SLACK_MS);
      id = /\/containers\/([0-9a-f]+)\/wait/.exec(stoppedAt[0]!)![1]!;
      expect(stoppedAt[1]).toMatch(new RegExp(`^DELETE \\S*/containers/${id}\\?`));
      thaw();
      relay!.up();
      // Left there, and findable: Shoal's probe labels, with the probe's deadline.
      const left = await docker.getContainer(id).inspect();
      expect(left.Config.Labels).toMatchObject({ [LABEL.kind]: 'probe', [LABEL.probeUntil]: expect.stringMatching(/^\d+$/) });
      expect(Number(left.Config.Labels[LABEL.probeUntil])).toBeLessThanOrEqual(Date.now());

      // Probed again as a worker's watch would, until one finds the daemon answering (just thawed
      // on a busy machine, it may take longer than the 2 s deadline at first).
      const t1 = Date.now();
      const tries: string[] = [];
      for (let p = await driver.probe(); !p.ok; p = await driver.probe()) {
        tries.push(p.error ?? '');
        if (Date.now() - t1 > 20_000) throw new Error(`the daemon did not answer a probe again: ${tries.join('; ')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const cleanMs = Date.now() - t1;
      expect(await docker.getContainer(id).inspect().then(() => 'there', (e: { statusCode?: number }) => e.statusCode)).toBe(404);
      console.log(`[docker-hung-daemon] probe container: the probe gave up ${gaveUpMs} ms after it started; the daemon answered a probe (which removed it) ${cleanMs} ms after the thaw, after ${tries.length} failed probe(s)`);
    } finally {
      await driver.close();
      thaw();
      if (id) await docker.getContainer(id).remove({ force: true }).catch(() => undefined); // a failed check's leftover
    }
  }, 60_000);
});
