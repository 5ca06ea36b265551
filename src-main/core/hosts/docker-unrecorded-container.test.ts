// A container the daemon started for an attempt whose id Shoal never stored (the create reached the
// daemon, then the connection dropped or Shoal was killed before the ref was recorded): no stored
// ref names it, so neither recovery nor an owed reap could end it. It carries this store's labels,
// and a probe that finds the daemon answering ends it before the worker is called usable — while
// the container of an attempt this Shoal runs right now on the same daemon, and another store's
// container there, are left alone. The containers are started through the Docker driver's own code
// (its labels), with nothing recorded.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import Docker from 'dockerode';
import { storeIdentity } from '../store/store-identity';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { processesRunning } from '../test-support/processes';
import { launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { startUnrecorded } from '../test-support/unrecorded-work';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { DockerDriver } from './docker/docker-driver';
import { LABEL } from './docker/docker-labels';

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

async function containersOf(runId: string): Promise<string[]> {
  const docker = new Docker({ socketPath: api!.url.slice('unix://'.length) });
  return (await docker.listContainers({ all: true, filters: { label: [`${LABEL.run}=${runId}`] } })).map((x) => x.Id);
}

describe('a container whose id Shoal never stored', () => {
  it('is ended and removed by the probe that finds its daemon answering; a running attempt here and another store\'s container are untouched', async () => {
    const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
    const tag = process.pid % 1000;
    const own = `sleep 61.${tag}`;
    const ghost = `sleep 62.${tag}`;
    const foreign = `sleep 63.${tag}`;
    const runId = launch(c, {
      name: 'running-here',
      worker_specs: [{ id: 'w1', name: 'box', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 't', name: 't', instructions: own, retry_policy: { max_attempts: 1 } }],
    });
    await waitFor('the attempt running here', () => processesRunning(own).length === 1, 60_000);

    const maker = new DockerDriver(TEST_IMAGE, [], null, 'maker');
    onTestFinished(() => maker.close());
    const dir = tempDir('shoal-unrecorded-');
    const ghostRun = `ghost-${tag}`;
    const foreignRun = `foreign-${tag}`;
    const lost = await startUnrecorded(maker, { storeId: storeIdentity(c.store), runId: ghostRun, dir, command: 'sleep', args: [`62.${tag}`] });
    const other = await startUnrecorded(maker, { storeId: 'f'.repeat(24), runId: foreignRun, dir, command: 'sleep', args: [`63.${tag}`] });
    onTestFinished(async () => {
      await maker.reap(lost.ref).catch(() => undefined);
      await maker.reap(other.ref).catch(() => undefined);
    });
    await waitFor('both unrecorded containers running', () => processesRunning(ghost).length === 1 && processesRunning(foreign).length === 1, 60_000);

    // A worker of another run on the same daemon: its probe finds the daemon answering, and the
    // sweep comes before the worker is called up.
    const at = Date.now();
    const second = launch(c, {
      name: 'probe-again',
      worker_specs: [{ id: 'w2', name: 'box two', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 'u', name: 'u', instructions: 'echo done', retry_policy: { max_attempts: 1 } }],
    });
    expect(await c.engine.waitForRun(second)).toBe('completed');
    // The container no stored ref named is gone (its worker was called up only after the sweep).
    expect(processesRunning(ghost)).toEqual([]);
    expect(await containersOf(ghostRun)).toEqual([]);
    await lost.finished;
    // The attempt running here, and the other store's container, untouched.
    expect(processesRunning(own)).toHaveLength(1);
    expect(await containersOf(runId)).toHaveLength(1);
    expect(processesRunning(foreign)).toHaveLength(1);
    expect(await containersOf(foreignRun)).toHaveLength(1);
    // The core's shutdown (after the test) stops the attempt that runs here.
    console.log(`[docker-unrecorded-container] swept and the next run completed ${Date.now() - at} ms after its worker was added`);
  }, 180_000);
});
