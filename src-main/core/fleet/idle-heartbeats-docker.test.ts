// An idle Docker worker's heartbeats (idle-heartbeats.ts) against podman's real Docker API, reached
// through a loopback tcp:// relay that can be taken down (a daemon gone away): while the daemon
// answers, each interval's one ping is the worker's heartbeat; while it does not, the heartbeat
// stays what it was and the worker goes down naming the daemon; once it answers, they resume.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ShoalCore } from '../shoal';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { startDockerRelay } from '../test-support/docker-relay';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';

const makeCore = useCores();
let api: TestDockerApi | undefined;
beforeAll(() => {
  api = startDockerApi();
}, 900_000);
afterAll(() => api?.stop());

interface Beat { status: string; status_reason: string | null; last_heartbeat_at: string | null }
function row(c: ShoalCore, id: string): Beat | undefined {
  return c.store.db.prepare<[string], Beat>('SELECT status, status_reason, last_heartbeat_at FROM workers WHERE id = ?').get(id);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an idle Docker worker', () => {
  it('heartbeats with each ping its daemon answers, keeps its last one while the daemon is away (down, naming it), and beats again once back', async () => {
    let pings = 0;
    const relay = await startDockerRelay(api!.url.slice('unix://'.length), (line) => {
      if (/^GET \S*\/_ping$/.test(line)) pings++;
    });
    onTestFinished(() => relay.close());
    const c = makeCore({ idleHeartbeatMs: 250, reprobe: { minMs: 200, maxMs: 500 } });
    c.engine.addSharedWorker({ id: 'ctr', name: 'idle ctr', host: { kind: 'docker', image: TEST_IMAGE, args: [] }, labels: {}, capabilities: [], max_concurrent_tasks: 1 }, { dockerHost: relay.url });
    const up = await waitFor('the worker up', () => row(c, 'ctr')?.status === 'online' && row(c, 'ctr'), 60_000);
    const pingsWhenUp = pings;
    await waitFor('a heartbeat after the probe\'s', () => row(c, 'ctr')!.last_heartbeat_at! > up.last_heartbeat_at!, 10_000);
    await pause(1_500);
    // One ping per interval (about six in 1.5 s; fewer on a busy machine), not a probe.
    expect(pings - pingsWhenUp).toBeGreaterThanOrEqual(3);
    expect(pings - pingsWhenUp).toBeLessThanOrEqual(9);
    expect(row(c, 'ctr')?.status).toBe('online');

    relay.down();
    const down = await waitFor('the worker down', () => row(c, 'ctr')?.status === 'unhealthy' && row(c, 'ctr'), 10_000);
    expect(down.status_reason).toMatch(new RegExp(`^worker idle ctr: Docker .*${relay.url.replace(/[.:/]/g, '\\$&')}`));
    await pause(1_500);
    expect(row(c, 'ctr')).toMatchObject({ status: 'unhealthy', last_heartbeat_at: down.last_heartbeat_at });

    relay.up();
    const back = await waitFor('the worker back', () => row(c, 'ctr')?.status === 'online' && row(c, 'ctr'), 60_000);
    expect(back.last_heartbeat_at! > down.last_heartbeat_at!).toBe(true);
    await waitFor('idle heartbeats again', () => row(c, 'ctr')!.last_heartbeat_at! > back.last_heartbeat_at!, 10_000);
  }, 180_000);
});
