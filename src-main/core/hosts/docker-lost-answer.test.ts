// The daemon does what an attempt's create or start asks, but its answer never reaches Shoal: the
// connection drops as the answer comes back, or the answer is held until the driver's deadline
// (4 s here, through the DriverPool, instead of the default minute) gives up on it. The container
// exists there (and, for a start, runs the agent) while Shoal has no id for it, or none it recorded:
// - create: the driver looks the container up by its labels (this store, run, task, attempt) and
//   removes it before the attempt's start is reported failed; the attempt fails naming the worker,
//   the daemon and the step, and its retry runs once, nothing left. (It used to stay, created, until
//   the next sweep, which comes only when the worker next comes back from being down.)
// - create, and the daemon cannot be reached for the lookup either: the attempt's log says the
//   container is left to the sweep of unrecorded containers; the worker is down, the task waits for
//   it without spending a retry, and once the daemon answers the sweep removes the container before
//   the task runs there again.
// - create that the daemon gets to only after the driver gave up and looked (a daemon busy for longer
//   than the deadline): the attempt's labels are looked up again in the background, and the
//   container that appears late is removed.
// - start: the running container is not adopted but stopped and removed before the attempt's
//   failure is recorded (and so before its retry is placed): its agent never runs beside the retry.
// The last test times the cleanup itself at the driver. The service is this file's own podman,
// reached through a loopback tcp:// relay (test-support/docker-relay.ts) that passes the request on
// and loses its answer.
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ShoalCore } from '../shoal';
import { artifactDir } from '../fleet/artifacts';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { startDockerRelay, type DockerRelay, type LostAnswer } from '../test-support/docker-relay';
import { processesRunning } from '../test-support/processes';
import { eventsOf, launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { DockerDriver } from './docker/docker-driver';
import { LABEL } from './docker/docker-labels';
import type { AttemptPlan, AttemptSink } from './host-driver';
import { DriverPool } from './driver-pool';

/** The driver's deadline per call: long enough that podman answers a create in time on a loaded
 *  machine (a held answer must come from a daemon that had acted), short enough to wait out. */
const CALL_MS = 4_000;
/** Scheduling, the supervisor's bookkeeping, a loaded machine: on top of the deadlines waited. */
const SLACK_MS = 5_000;

const makeCore = useCores();
let api: TestDockerApi | null = null;
let relay: DockerRelay | null = null;
let docker: Docker;
const savedDockerHost = process.env.DOCKER_HOST;
/** Shown each request line (and the chunk that carried it) before the relay passes it on. */
let onRequest: ((line: string, text: string) => void) | null = null;
const runs: string[] = [];

beforeAll(async () => {
  api = startDockerApi();
  docker = new Docker({ socketPath: api.url.slice('unix://'.length) });
  relay = await startDockerRelay(api.url.slice('unix://'.length), (line, text) => onRequest?.(line, text));
}, 300_000);

afterEach(() => {
  onRequest = null;
  relay?.up();
  relay?.lost.splice(0);
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
});

afterAll(async () => {
  await relay?.close();
  if (!api) return;
  for (const runId of runs) for (const id of await containersOf(runId)) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  api.stop();
});

/** Containers of the run (of one attempt of its task 't'), asked of the service directly. */
async function containersOf(runId: string, attempt?: number): Promise<string[]> {
  const label = [`${LABEL.run}=${runId}`, ...(attempt === undefined ? [] : [`${LABEL.attempt}=${attempt}`])];
  return (await docker.listContainers({ all: true, filters: { label } })).map((c) => c.Id);
}

/** A core whose Docker workers reach the service through the relay, with the short deadline. */
function core(): ShoalCore {
  process.env.DOCKER_HOST = relay!.url;
  const dir = tempDir();
  return makeCore({ drivers: new DriverPool(dir, { docker: { callMs: CALL_MS } }), reprobe: { minMs: 200, maxMs: 1_000 } }, { dir });
}

function launchOne(c: ShoalCore, worker: string, instructions: string, maxAttempts: number): string {
  const runId = launch(c, {
    name: `lost-answer-${worker}`,
    worker_specs: [{ id: 'w1', name: worker, host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
    task_specs: [{ id: 't', name: 't', instructions, retry_policy: { max_attempts: maxAttempts, initial_backoff_seconds: 1 } }],
  });
  runs.push(runId);
  return runId;
}

/** The next request matching `line` (and, when given, whose chunk matches `body`) reaches the
 *  daemon but its answer is lost; resolves with the time it was passed on. */
function loseNext(line: RegExp, how: LostAnswer, body?: RegExp): { at: () => number | null } {
  let at: number | null = null;
  onRequest = (l, text) => {
    if (!line.test(l) || (body && !body.test(text))) return;
    onRequest = null;
    at = Date.now();
    relay!.loseAnswer(how);
  };
  return { at: () => at };
}

/** An attempt's create: the probe's throwaway containers are created too, without these labels. */
const ATTEMPT_CREATE = [/^POST \S*\/containers\/create\?/, /"shoal\.kind":"attempt"/] as const;

function agentLog(c: ShoalCore, runId: string, attempt: number): string {
  return fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', attempt), 'agent.log'), 'utf8');
}

/** waitFor for a check that asks the daemon. */
async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !(await check());) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function attempts(c: ShoalCore, runId: string): number | undefined {
  return c.store.db.prepare<[string], { attempts: number }>("SELECT attempts FROM tasks WHERE run_id = ? AND task_id = 't'").get(runId)?.attempts;
}

function failedEvent(c: ShoalCore, runId: string): Record<string, unknown> | undefined {
  return eventsOf(c, runId).find((e) => e.state === 'failed');
}

/** An attempt started on a driver directly (no engine): its plan, and a sink that keeps its log notes. */
function driverAttempt(workerName: string, runId: string, dir: string, storeId: string): { plan: AttemptPlan; sink: AttemptSink; notes: string[] } {
  const notes: string[] = [];
  const sink: AttemptSink = { started() {}, output() {}, diagnostics: (t) => notes.push(t), events() {}, artifacts() {}, finish() {} };
  const plan: AttemptPlan = {
    workerName, runId, taskId: 't', attempt: 1, launch: { command: 'sleep', args: ['30'], env: {}, stream: 'plain' },
    workdir: { dir, branch: null, baseCommit: null, repo: null }, artifactsDir: dir, gatewayUrl: null, killGraceMs: 500, storeId,
  };
  return { plan, sink, notes };
}
describe('an answer to an attempt\'s create or start that never comes back', () => {
  it.each([
    ['drop', (url: string) => `Docker at ${url}: the connection was lost while creating the container`],
    ['hold', (url: string) => `Docker daemon at ${url} did not answer within 4 s while creating the container`],
  ] as const)('create, answer lost (%s): the container the daemon made is removed before the attempt fails, naming the worker and the cause; the retry runs once', async (how, causeAt) => {
    const c = core();
    const lose = loseNext(ATTEMPT_CREATE[0], how, ATTEMPT_CREATE[1]);
    const runId = launchOne(c, 'maker', 'echo done', 2);
    const failed = await waitFor('attempt 1 failed', () => failedEvent(c, runId), 60_000);
    expect(lose.at()).not.toBeNull();
    const tookMs = Date.now() - lose.at()!;
    // The daemon answered (so it had made the container), and the answer went nowhere.
    expect(relay!.lost).toHaveLength(1);
    // Removed before the failure was recorded: not left for a sweep that may never come.
    expect(await containersOf(runId, 1)).toEqual([]);
    const cause = `worker maker: ${causeAt(relay!.url)}`;
    expect(failed).toMatchObject({ reason: cause });
    const log = agentLog(c, runId, 1);
    expect(log).toMatch(/shoal: worker maker: removed the container the daemon made for this attempt before its answer was lost \([0-9a-f]{12}\)\n/);
    expect(log).toContain(`shoal: ${cause}\n`);
    expect(tookMs).toBeLessThan((how === 'hold' ? CALL_MS : 0) + 2 * CALL_MS + SLACK_MS);

    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(attempts(c, runId)).toBe(2);
    expect(c.engine.fleet.receipts(runId).at(-1)).toMatchObject({ worker_id: 'w1', result: 'pass' });
    await until('no container of the run left', async () => (await containersOf(runId)).length === 0, 20_000);
    console.log(`[docker-lost-answer] create (${how}): attempt failed, its container removed, ${tookMs} ms after the create was passed on`);
  }, 120_000);

  it('create, answer lost and the daemon unreachable for the lookup too: the log leaves the container to the sweep, the task waits for the worker, and the sweep removes it once the daemon answers', async () => {
    const c = core();
    loseNext(ATTEMPT_CREATE[0], 'hold', ATTEMPT_CREATE[1]);
    const runId = launchOne(c, 'maker', 'echo done', 1);
    // The daemon made it (its answer is held): then the network goes, before the lookup.
    await until('the container made', async () => relay!.lost.length === 1 && (await containersOf(runId, 1)).length === 1, 60_000);
    relay!.down();
    const interrupted = await waitFor('the attempt given back', () => eventsOf(c, runId).find((e) => e.state === 'interrupted'), 60_000);
    const cause = `worker maker: Docker at ${relay!.url}: the connection was lost while creating the container`;
    expect(interrupted).toMatchObject({ signal: 'host-unreachable', reason: cause });
    const log = agentLog(c, runId, 1);
    expect(log).toContain(`shoal: worker maker: could not look for (or remove) a container the daemon may have made for this attempt: Docker at ${relay!.url}: the connection was lost; it is left to the sweep of containers Shoal did not record`);
    expect(log).toContain(`shoal: ${cause}; the task waits for the host\n`);
    const [left] = await containersOf(runId, 1);
    expect(left).toBeDefined(); // still there: only the sweep can end it now
    expect((await docker.getContainer(left!).inspect()).State.Status).toBe('created');

    const back = Date.now();
    relay!.up();
    await until('the sweep removed it', async () => (await containersOf(runId, 1)).length === 0, 30_000);
    const sweptMs = Date.now() - back;
    // Completed although one attempt was allowed: the given-back one did not count.
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(c.engine.fleet.receipts(runId)).toMatchObject([{ worker_id: 'w1', result: 'pass' }]);
    await until('no container of the run left', async () => (await containersOf(runId)).length === 0, 20_000);
    console.log(`[docker-lost-answer] create, daemon unreachable: swept ${sweptMs} ms after it answered again`);
  }, 120_000);

  it('create the daemon gets to only after the lookup: the container it makes late is found by a later lookup and removed; the retry runs once', async () => {
    const c = core();
    let passedOnAt: number | null = null;
    onRequest = (line, text) => {
      if (!ATTEMPT_CREATE[0].test(line) || !ATTEMPT_CREATE[1].test(text)) return;
      onRequest = null;
      // Past the create's deadline and the lookup after it: nothing is there to find yet.
      relay!.delayRequest(CALL_MS + 2_000);
      passedOnAt = Date.now() + CALL_MS + 2_000;
    };
    const runId = launchOne(c, 'slowpoke', 'echo done', 2);
    const failed = await waitFor('attempt 1 failed', () => failedEvent(c, runId), 60_000);
    expect(failed).toMatchObject({ reason: `worker slowpoke: Docker daemon at ${relay!.url} did not answer within 4 s while creating the container` });
    expect(agentLog(c, runId, 1)).toContain('shoal: worker slowpoke: the daemon has made no container for this attempt so far; Shoal looks again over the next 60 s and removes one that appears\n');
    // The daemon makes it late (its answer goes nowhere) ...
    await until('the late container made', async () => relay!.lost.length === 1 && (await containersOf(runId, 1)).length === 1, 30_000);
    const madeAt = Date.now();
    // ... and the next lookup removes it.
    await until('the late container removed', async () => (await containersOf(runId, 1)).length === 0, 4 * CALL_MS + SLACK_MS);
    const removedMs = Date.now() - madeAt;
    expect(passedOnAt).not.toBeNull();
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(attempts(c, runId)).toBe(2);
    await until('no container of the run left', async () => (await containersOf(runId)).length === 0, 20_000);
    console.log(`[docker-lost-answer] create made after the lookup: removed ${removedMs} ms after it appeared`);
  }, 120_000);

  it.each([
    ['drop', (url: string) => `Docker at ${url}: the connection was lost while starting the container`],
    ['hold', (url: string) => `Docker daemon at ${url} did not answer within 4 s while starting the container`],
  ] as const)('start, answer lost (%s): the running container is stopped and removed before the attempt fails, so its agent never runs beside the retry', async (how, causeAt) => {
    const c = core();
    const tag = `${process.pid % 1000}${how === 'drop' ? 1 : 2}`;
    const marker = `sleep 37.${tag}`;
    // Only attempts attach before they start (a probe's container does not): the start of the
    // container just attached to is the attempt's.
    let lose: { at: () => number | null } | null = null;
    onRequest = (line) => {
      const attached = /^POST \S*\/containers\/([0-9a-f]+)\/attach\?/.exec(line)?.[1];
      if (attached) lose = loseNext(new RegExp(`^POST \\S*/containers/${attached}/start(\\?|$)`), how);
    };
    const runId = launchOne(c, 'starter', `if [ "$SHOAL_ATTEMPT" = 1 ]; then ${marker}; else echo again; fi`, 2);
    let seenBeside = false;
    const failed = await waitFor('attempt 1 failed', () => {
      if (processesRunning(marker).length > 0 && eventsOf(c, runId).filter((e) => e.state === 'leased').length >= 2) seenBeside = true;
      return failedEvent(c, runId);
    }, 60_000);
    expect(lose).not.toBeNull();
    const at = (lose as unknown as { at: () => number | null }).at();
    expect(at).not.toBeNull();
    const tookMs = Date.now() - at!;
    // The daemon answered the start (so the agent had been started), and the answer went nowhere.
    expect(relay!.lost).toEqual([{ line: expect.stringMatching(/\/start(\?|$)/), at: expect.any(Number) }]);
    const cause = `worker starter: ${causeAt(relay!.url)}`;
    expect(failed).toMatchObject({ reason: cause });
    // Gone before the failure was recorded, and with it before the retry was placed.
    expect(processesRunning(marker)).toEqual([]);
    expect(await containersOf(runId, 1)).toEqual([]);
    const log = agentLog(c, runId, 1);
    expect(log).toContain(`shoal: ${cause}\n`);
    // A silent daemon is not asked again at once: the container was left to be ended before a
    // probe called the daemon usable, which the log says (and that probe, the attempt's own, did).
    if (how === 'hold') expect(log).toMatch(new RegExp(`shoal: worker starter: container [0-9a-f]{12} not removed yet: it is stopped and removed once Docker at ${relay!.url} answers again, before the worker takes work there\n`));
    else expect(log).not.toContain('not removed yet');
    expect(tookMs).toBeLessThan((how === 'hold' ? CALL_MS : 0) + 2 * CALL_MS + SLACK_MS);

    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(seenBeside).toBe(false);
    expect(attempts(c, runId)).toBe(2);
    expect(c.engine.fleet.receipts(runId).at(-1)).toMatchObject({ worker_id: 'w1', result: 'pass' });
    await until('no container of the run left', async () => (await containersOf(runId)).length === 0, 20_000);
    console.log(`[docker-lost-answer] start (${how}): attempt failed, its running container removed, ${tookMs} ms after the start was passed on`);
  }, 120_000);

  it('create, answer lost and the daemon away for the lookup, with no probe to follow (its run ended): the driver finds and removes the container once the daemon answers', async () => {
    const driver = new DockerDriver(TEST_IMAGE, [], relay!.url, 'orphan', null, { callMs: CALL_MS });
    onTestFinished(() => driver.close());
    const dir = tempDir('shoal-lost-answer-');
    const runId = `lost-away-${process.pid}`;
    runs.push(runId);
    loseNext(ATTEMPT_CREATE[0], 'hold', ATTEMPT_CREATE[1]);
    const { plan, sink, notes } = driverAttempt('orphan', runId, dir, 'd'.repeat(24));
    const started = driver.start(plan, sink, new AbortController().signal).then(() => null, (e: Error) => e);
    // The daemon made it (its answer is held); then the network goes, before the lookup.
    await until('the container made', async () => relay!.lost.length === 1 && (await containersOf(runId, 1)).length === 1, 60_000);
    relay!.down();
    expect((await started)?.message).toContain('worker orphan: Docker at');
    expect(notes.join('')).toContain('could not look for (or remove) a container the daemon may have made for this attempt');
    expect(notes.join('')).toContain('meanwhile Shoal looks again over the next 60 s and removes one that appears');
    // No engine, no probe: only the driver's own later lookups can find it.
    const back = Date.now();
    relay!.up();
    await until('the container removed', async () => (await containersOf(runId, 1)).length === 0, 4 * CALL_MS + SLACK_MS);
    console.log(`[docker-lost-answer] create, daemon away for the lookup: removed by a later lookup ${Date.now() - back} ms after the daemon answered again`);
  }, 120_000);

  it('the cleanup itself, timed at the driver: the container of a create or a start whose answer dropped is removed before start() rejects (5 times each)', async () => {
    const driver = new DockerDriver(TEST_IMAGE, [], relay!.url, 'timer', null, { callMs: CALL_MS });
    onTestFinished(() => driver.close());
    const dir = tempDir('shoal-lost-answer-');
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const step of ['create', 'start'] as const) {
      const asked: number[] = [];
      const cleanups: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const runId = `lost-${step}-${process.pid}-${i}`;
        runs.push(runId);
        let lose: { at: () => number | null } | null = null;
        if (step === 'create') lose = loseNext(ATTEMPT_CREATE[0], 'drop', ATTEMPT_CREATE[1]);
        else {
          onRequest = (line) => {
            const attached = /^POST \S*\/containers\/([0-9a-f]+)\/attach\?/.exec(line)?.[1];
            if (attached) lose = loseNext(new RegExp(`^POST \\S*/containers/${attached}/start(\\?|$)`), 'drop');
          };
        }
        const { plan, sink, notes } = driverAttempt('timer', runId, dir, 'c'.repeat(24));
        const error = await driver.start(plan, sink, new AbortController().signal).then(() => null, (e: Error) => e);
        const rejectedAt = Date.now();
        expect(error?.message).toBe(`worker timer: Docker at ${relay!.url}: the connection was lost while ${step === 'create' ? 'creating' : 'starting'} the container`);
        expect(notes).toEqual(step === 'create' ? [expect.stringMatching(/^shoal: worker timer: removed the container the daemon made for this attempt before its answer was lost \([0-9a-f]{12}\)\n$/)] : []);
        expect(await containersOf(runId)).toEqual([]);
        const answered = relay!.lost.at(-1)!.at;
        asked.push(answered - (lose as { at: () => number | null } | null)!.at()!);
        cleanups.push(rejectedAt - answered);
      }
      console.log(`[docker-lost-answer] cleanup after a lost ${step} answer (${step === 'create' ? 'lookup + forced removal' : 'forced removal of the running container'}): median ${median(cleanups)} ms, max ${Math.max(...cleanups)} ms over ${cleanups.length}; the ${step} itself took median ${median(asked)} ms`);
    }
  }, 180_000);
});
