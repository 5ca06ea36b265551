// The Docker API goes away while an attempt runs in a container (podman's service is stopped; its
// containers keep running, as a daemon restart or a dropped tcp connection would leave them): the
// attempt ends at once with a reason naming the daemon, and once the API is back the driver ends
// the container it lost sight of — nothing is left running.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { eventsOf, launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';

const makeCore = useCores();
let api: TestDockerApi | null = null;
const savedDockerHost = process.env.DOCKER_HOST;

beforeAll(() => {
  api = startDockerApi();
  process.env.DOCKER_HOST = api.url;
}, 300_000);
afterAll(() => {
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
  api?.stop();
});

function running(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('docker connection loss', () => {
  it('fails the attempt with the daemon named, then ends the container once the API is back', async () => {
    const c = makeCore();
    const marker = `sleep 43.${process.pid % 1000}`;
    const runId = launch(c, {
      name: 'lost-daemon',
      worker_specs: [{ id: 'w1', name: 'container', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 'long', name: 'long', instructions: `echo started; ${marker}`, retry_policy: { max_attempts: 1 } }],
    });
    await waitFor('the agent running', () => running(marker).length >= 1, 30_000);
    api!.stop(); // the API goes away; the container does not
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(c.engine.fleet.receipts(runId)[0]).toMatchObject({ result: 'fail' });
    const failed = eventsOf(c, runId).find((e) => e.state === 'failed')!;
    expect(failed.reason).toContain(`Docker at ${api!.url}`);
    expect(failed.reason).toContain('while the agent ran');
    expect(running(marker).length).toBeGreaterThan(0); // cut off, still running there

    api = startDockerApi(api!.dir); // back at the same address
    await waitFor('the lost container ended', () => running(marker).length === 0, 30_000);
  }, 180_000); // podman's API stops and starts again inside the test: slow on a busy machine
});
