// The Docker API goes away while an attempt runs in a container (this file's own podman service is
// stopped by its PID; its containers keep running, as a daemon restart or a dropped tcp connection
// would leave them): the attempt ends at once with a reason naming the daemon, and once the API is
// back the driver ends the container it lost sight of — nothing is left running, and the container
// is gone. The service is this file's alone, so stopping it touches no other test's daemon.
//
// The API is stopped only once a heartbeat's stats request, sent after the agent started, has come
// back: by then the driver's wait for the container's end has its response headers, which is the
// case that used to hang (docker-modem never noticed the connection closing).
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { eventsOf, launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { LABEL } from './docker/docker-driver';

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

async function containersOf(docker: Docker, runId: string): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: { label: [`${LABEL.run}=${runId}`] } })).map((x) => x.Id);
}

function running(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A promise that must settle within `ms`, or the test fails saying what it was waiting for. */
async function within<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('docker connection loss', () => {
  it('fails the attempt with the daemon named, then ends and removes the container once the API is back', async () => {
    const c = makeCore();
    const marker = `sleep 43.${process.pid % 1000}`;
    const runId = launch(c, {
      name: 'lost-daemon',
      worker_specs: [{ id: 'w1', name: 'container', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 'long', name: 'long', instructions: `echo started; ${marker}`, retry_policy: { max_attempts: 1 } }],
    });
    runUnderTest = runId;
    await waitFor('the agent running in its container', () => running(marker).length >= 1, 60_000);
    // A heartbeat after the attempt was recorded as running: its stats request to the daemon was
    // sent after the wait and has come back.
    await waitFor('a heartbeat after the agent started', () => {
      const events = eventsOf(c, runId);
      const at = events.findIndex((e) => e.state === 'running');
      return at >= 0 && events.slice(at).some((e) => e.state === 'heartbeat');
    }, 60_000);
    const url = api!.url;
    api!.stop(); // the API goes away; the container does not
    const t0 = Date.now();
    expect(await within('the run after the API went away', c.engine.waitForRun(runId), 30_000)).toBe('failed');
    const failedAfterMs = Date.now() - t0;
    expect(c.engine.fleet.receipts(runId)[0]).toMatchObject({ result: 'fail' });
    const failed = eventsOf(c, runId).find((e) => e.state === 'failed')!;
    expect(failed.reason).toContain(`Docker at ${url}`);
    expect(failed.reason).toContain('while the agent ran');
    expect(running(marker).length).toBeGreaterThan(0); // cut off, still running there

    api = startDockerApi(api!.dir); // back at the same address
    await waitFor('the lost container ended', () => running(marker).length === 0, 60_000);
    const docker = dockerAt(api);
    let left = await containersOf(docker, runId);
    for (const until = Date.now() + 60_000; left.length > 0 && Date.now() < until; left = await containersOf(docker, runId)) await new Promise((r) => setTimeout(r, 250));
    expect(left).toEqual([]); // removed, not only stopped
    console.log(`[docker-connection-loss] run failed ${failedAfterMs} ms after the API went away`);
  }, 240_000); // podman's API stops and starts again inside the test: slow on a busy machine
});
