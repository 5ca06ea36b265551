// A Docker daemon that is alive but does not answer never holds an attempt. This file's own podman
// service is frozen with SIGSTOP (by the PID it was started with; its connections stay open, which
// is what a hung daemon looks like, unlike the dropped connection of docker-connection-loss.test.ts)
// at three points: while the agent runs, while the worktree is copied in, while the result is copied
// out. Each time the attempt ends within the driver's deadline (2 s here, through the DriverPool,
// instead of the default minute) with an error naming the worker, the daemon and the step; after
// SIGCONT the container is removed and nothing of the attempt is left.
//
// The copies happen only with a daemon Shoal treats as remote: those workers reach the same service
// through a loopback tcp:// relay (test-support/docker-relay.ts), which freezes the service at the
// exact archive request, before the daemon has seen it.
import path from 'node:path';
import fs from 'node:fs';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { artifactDir } from '../fleet/artifacts';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { startDockerRelay, type DockerRelay } from '../test-support/docker-relay';
import { processesRunning } from '../test-support/processes';
import { eventsOf, launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { LABEL } from './docker/docker-driver';
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
const runs: string[] = [];

beforeAll(async () => {
  api = startDockerApi();
  docker = new Docker({ socketPath: api.url.slice('unix://'.length) });
  relay = await startDockerRelay(api.url.slice('unix://'.length), (line) => {
    if (freezeAt?.test(line)) {
      freezeAt = null;
      freeze();
    }
  });
}, 300_000);

afterEach(() => {
  freezeAt = null;
  thaw(); // a failed check must not leave the service stopped
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
});

afterAll(async () => {
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

/** One task that may run once: a retry spent on the daemon's silence would leave the run failed. */
function launchOne(c: ShoalCore, worker: string, instructions: string): string {
  const runId = launch(c, {
    name: `hung-${worker}`,
    worker_specs: [{ id: 'w1', name: worker, host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
    task_specs: [{ id: 't', name: 't', instructions, retry_policy: { max_attempts: 1 } }],
  });
  runs.push(runId);
  return runId;
}

function agentLog(c: ShoalCore, runId: string, attempt: number): string {
  return fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', attempt), 'agent.log'), 'utf8');
}

describe('a Docker daemon that stops answering', () => {
  it('while the agent runs: the attempt fails within the deadline naming worker, daemon and step, and the container goes once it answers', async () => {
    const c = coreFor(api!.url);
    const marker = `sleep 47.${process.pid % 1000}`;
    const runId = launchOne(c, 'runner', `echo started; ${marker}`);
    await waitFor('the agent running in its container', () => processesRunning(marker).length >= 1, 60_000);
    freeze();
    const t0 = Date.now();
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const tookMs = Date.now() - t0;
    const failed = eventsOf(c, runId).find((e) => e.state === 'failed')!;
    expect(failed.reason).toBe(`worker runner: Docker daemon at ${api!.url} did not answer within 2 s while the agent ran`);
    // A ping every CALL_MS/2, unanswered for CALL_MS.
    expect(tookMs).toBeLessThan(CALL_MS * 1.5 + SLACK_MS);
    expect(processesRunning(marker).length).toBeGreaterThan(0); // cut off, still running there

    thaw();
    await waitFor('the agent ended once the daemon answered', () => processesRunning(marker).length === 0, 20_000);
    await noContainersLeft(runId);
    console.log(`[docker-hung-daemon] agent running: failed ${tookMs} ms after the freeze`);
  }, 60_000);

  it('while the worktree is copied in: the task waits for the daemon without spending a retry, then runs once it answers', async () => {
    const c = coreFor(relay!.url);
    freezeAt = /^PUT \S*\/containers\/\S+\/archive\?/;
    const runId = launchOne(c, 'copier', 'echo hello > hello.txt');
    const interrupted = await waitFor('the attempt given back', () => eventsOf(c, runId).find((e) => e.state === 'interrupted'), 60_000);
    expect(frozenAt).not.toBeNull(); // at the archive request, not before
    const tookMs = Date.now() - frozenAt!;
    // The copy's stall deadline, then the probe that finds the host down (its own deadline).
    expect(tookMs).toBeLessThan(2 * CALL_MS + SLACK_MS);
    expect(interrupted).toMatchObject({ signal: 'host-unreachable', reason: `Docker daemon at ${relay!.url} did not answer within 2 s while being probed` });
    expect(agentLog(c, runId, 1)).toContain(`shoal: worker copier: Docker daemon at ${relay!.url} did not answer within 2 s while copying the worktree into the container`);

    thaw();
    // Completed although only one attempt was allowed: the given-back one did not count.
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(c.engine.fleet.receipts(runId)).toMatchObject([{ worker_id: 'w1', result: 'pass' }]);
    await noContainersLeft(runId); // the first attempt's too, removed once the daemon answered
    console.log(`[docker-hung-daemon] copy in: given back ${tookMs} ms after the freeze`);
  }, 60_000);

  it('while the result is copied out: the attempt fails naming that step, and the container goes once it answers', async () => {
    const c = coreFor(relay!.url);
    freezeAt = /^GET \S*\/containers\/\S+\/archive\?path=%2Fshoal%2Fwork/;
    const runId = launchOne(c, 'copier', 'echo hello > hello.txt');
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(frozenAt).not.toBeNull();
    const tookMs = Date.now() - frozenAt!;
    expect(tookMs).toBeLessThan(CALL_MS + SLACK_MS);
    const failed = eventsOf(c, runId).find((e) => e.state === 'failed')!;
    expect(failed.reason).toBe(`worker copier: Docker daemon at ${relay!.url} did not answer within 2 s while copying the result out of the container`);

    thaw();
    await noContainersLeft(runId);
    console.log(`[docker-hung-daemon] copy out: failed ${tookMs} ms after the freeze`);
  }, 60_000);
});
