// The Docker API goes away while an attempt runs in a container (this file's own podman service is
// stopped by its PID; its containers keep running, as a daemon restart or a dropped tcp connection
// would leave them). As for a dropped SSH connection: the worker is marked down at once with the
// daemon and the cause, the attempt is not failed (the container may still run there) but keeps its
// lease until the lease lapses and is then reclaimed, and the task waits for the worker with that
// cause. Once the API is back the driver ends and removes the container it lost sight of before
// the worker takes work again, and the task runs there once more and passes — nothing ran twice at
// the same time, nothing is left running. The service is this file's alone, so stopping it touches
// no other test's daemon.
//
// The API is stopped only once a heartbeat's stats request, sent after the agent started, has come
// back: by then the driver's wait for the container's end has its response headers, which is the
// case that used to hang (docker-modem never noticed the connection closing).
//
// After the agent ended, while its result is copied out of the container (a daemon Shoal treats as
// remote: a loopback tcp:// relay in front of the same API, taken down at the archive request), a
// dropped connection fails the attempt naming the worker, the daemon and the step, and takes the
// worker down as a silent daemon does; once the relay is back a probe finds the daemon answering,
// the worker takes work again and the container is gone.
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactDir } from '../fleet/artifacts';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { startDockerRelay, type DockerRelay } from '../test-support/docker-relay';
import { expectReclaimedThenRerunOnce } from '../test-support/cut-off-attempt';
import { processesRunning } from '../test-support/processes';
import { eventsOf, launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { LABEL } from './docker/docker-labels';

const makeCore = useCores();
let api: TestDockerApi | null = null;
const savedDockerHost = process.env.DOCKER_HOST;

beforeAll(() => {
  api = startDockerApi();
  process.env.DOCKER_HOST = api.url;
}, 300_000);
/** The run whose container this file may have left behind when a check failed midway. */
let runUnderTest: string | null = null;

afterAll(async () => {
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
  if (!api) return;
  if (runUnderTest) {
    // A check that failed while the API was down left the container running: bring the API back
    // (a no-op when it is up) and remove whatever carries this run's label.
    api = startDockerApi(api.dir);
    const docker = dockerAt(api);
    for (const id of await containersOf(docker, runUnderTest)) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  }
  api.stop();
});

function dockerAt(a: TestDockerApi): Docker {
  return new Docker({ socketPath: a.url.slice('unix://'.length) });
}

async function containersOf(docker: Docker, runId: string, taskId?: string): Promise<string[]> {
  const label = [`${LABEL.run}=${runId}`, ...(taskId ? [`${LABEL.task}=${taskId}`] : [])];
  return (await docker.listContainers({ all: true, filters: { label } })).map((x) => x.Id);
}

describe('docker connection loss', () => {
  it('marks the worker down, reclaims the cut-off attempt at its lease deadline, and reruns it once the API is back, after removing its container', async () => {
    const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
    const marker = `sleep 43.${process.pid % 1000}`;
    const rerunMarker = `sleep 3.${process.pid % 1000}1`;
    const runId = launch(c, {
      name: 'lost-daemon',
      worker_specs: [{ id: 'w1', name: 'container', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
      // The first attempt hangs (and is cut off); the rerun passes. No spare attempt: any other
      // failure fails this test.
      task_specs: [{ id: 't', name: 't', instructions: `if [ "$SHOAL_ATTEMPT" = 1 ]; then echo started; ${marker}; else ${rerunMarker}; echo again; fi`, retry_policy: { max_attempts: 2, initial_backoff_seconds: 1 } }],
    });
    runUnderTest = runId;
    await waitFor('the agent running in its container', () => processesRunning(marker).length >= 1, 60_000);
    // A heartbeat after the attempt was recorded as running: its stats request to the daemon was
    // sent after the wait and has come back.
    await waitFor('a heartbeat after the agent started', () => {
      const events = eventsOf(c, runId);
      const at = events.findIndex((e) => e.state === 'running');
      return at >= 0 && events.slice(at).some((e) => e.state === 'heartbeat');
    }, 60_000);
    const url = api!.url;
    const at = Date.now();
    api!.stop(); // the API goes away; the container does not
    const stopMs = Date.now() - at; // docker-down blocks this process (and the engine in it) meanwhile
    const t = await expectReclaimedThenRerunOnce(c, {
      runId, workerId: 'w1', workerName: 'container', at, marker, rerunMarker,
      cause: `Docker at ${url}: the connection was lost while the agent ran`,
      restore: () => {
        api = startDockerApi(api!.dir); // back at the same address
      },
      leftOn: (id) => containersOf(dockerAt(api!), id),
    });
    console.log(`[docker-connection-loss] worker down ${t.downMs} ms after the API was stopped (stopping it took ${stopMs} ms); attempt reclaimed after ${t.reclaimedMs} ms (lease 5 s); passed ${t.passedAfterRestoreMs} ms after the API was back`);
  }, 240_000); // podman's API stops and starts again inside the test: slow on a busy machine

  it('a connection dropped while the result is copied out: the attempt fails naming the worker, the daemon and the step, the worker goes down, and takes work again once the daemon answers, the container gone', async () => {
    let dropAt: RegExp | null = /^GET \S*\/containers\/\S+\/archive\?path=%2Fshoal%2Fwork/;
    let droppedAt: number | null = null;
    let relay: DockerRelay | null = null;
    relay = await startDockerRelay(api!.url.slice('unix://'.length), (line) => {
      if (!dropAt?.test(line)) return;
      dropAt = null;
      droppedAt = Date.now();
      relay!.down();
    });
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = relay.url; // the run's worker reaches the daemon through the relay
    try {
      const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
      // 't' first (its copy out is cut); 'u' waits for the one slot, so it runs only once the
      // worker is back — and keeps the run (and its own worker) there meanwhile.
      const runId = launch(c, {
        name: 'dropped-copy-out',
        worker_specs: [{ id: 'w1', name: 'copier', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
        task_specs: [
          { id: 't', name: 't', priority: 2, instructions: 'echo hello > hello.txt', retry_policy: { max_attempts: 1 } },
          { id: 'u', name: 'u', priority: 1, instructions: 'echo again > again.txt', retry_policy: { max_attempts: 1 } },
        ],
      });
      runUnderTest = runId;
      const failed = await waitFor('t failed', () => eventsOf(c, runId, 't').find((e) => e.state === 'failed'), 60_000);
      expect(droppedAt).not.toBeNull(); // at the copy out, not before
      const failedMs = Date.now() - droppedAt!;
      const cause = `worker copier: Docker at ${relay.url}: the connection was lost while copying the result out of the container`;
      expect(failed).toMatchObject({ reason: cause });
      const worker = () => c.workersView.list().find((w) => w.id === 'w1');
      // Down with that cause (later probes that find the relay down say so in their own words).
      await waitFor('the worker marked down', () => worker()?.status === 'unhealthy', 5_000);
      expect(worker()?.statusReason).toMatch(/^worker copier: /);
      expect(worker()?.statusReason).toContain(cause.slice('worker copier: '.length));
      const log = fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', 1), 'agent.log'), 'utf8');
      expect(log).toContain(`shoal: ${cause}; the worker waits for the host to answer again`);
      const stateOf = (task: string) => c.store.db.prepare<[string, string], { state: string }>('SELECT state FROM tasks WHERE run_id = ? AND task_id = ?').get(runId, task)?.state;
      expect(stateOf('u')).toBe('queued'); // not given to the daemon that just dropped
      // Failed, but its container was not seen removed: a reap is owed (also to a later start).
      const owed = () => c.store.db.prepare<[string], { reap_pending: number }>("SELECT reap_pending FROM attempts WHERE run_id = ? AND task_id = 't'").get(runId)?.reap_pending;
      expect(owed()).toBe(1);

      const back = Date.now();
      relay.up();
      await waitFor('u leased once the worker is back', () => eventsOf(c, runId, 'u').some((e) => e.state === 'leased'), 20_000);
      const upMs = Date.now() - back;
      // The probe that found the daemon answering ended the container it had lost sight of first.
      expect(await containersOf(dockerAt(api!), runId, 't')).toEqual([]);
      await waitFor('the reap no longer owed', () => owed() === 0, 20_000);
      expect(await c.engine.waitForRun(runId)).toBe('failed'); // t's failure stands
      expect(c.engine.fleet.receipts(runId).map((r) => [r.task_id, r.worker_id, r.result])).toEqual(expect.arrayContaining([['u', 'w1', 'pass']]));
      console.log(`[docker-connection-loss] copy out: attempt failed ${failedMs} ms after the connection dropped; next task leased ${upMs} ms after the relay was back`);
    } finally {
      process.env.DOCKER_HOST = saved;
      await relay.close();
    }
  }, 120_000);
});
