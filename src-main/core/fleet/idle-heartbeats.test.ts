// Idle workers' heartbeats (idle-heartbeats.ts), against a real engine on a real store and a real
// OpenSSH server (behind a loopback relay that can be switched off, as a host whose network goes
// away): this computer has a heartbeat from the engine's start on; an idle SSH worker's keeps coming,
// with the host's load, over the one connection its probe made; a host that stops answering gets
// none (its last one stays, the worker goes down with the cause) until it answers again.
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ShoalCore } from '../shoal';
import { KnownHosts } from '../hosts/ssh/host-keys';
import { useSshd } from '../test-support/use-hosts';
import { startSwitchRelay } from '../test-support/switch-relay';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { LOCAL_WORKER_ID } from './engine';

const makeCore = useCores();
const sshd = useSshd();

interface Beat { status: string; status_reason: string | null; last_heartbeat_at: string | null; cpu_percent: number | null; memory_mb: number | null; updated_at: string | null }
function row(c: ShoalCore, id: string): Beat | undefined {
  return c.store.db.prepare<[string], Beat>('SELECT status, status_reason, last_heartbeat_at, cpu_percent, memory_mb, updated_at FROM workers WHERE id = ?').get(id);
}

/** Counts the writes of a worker's heartbeat (a temporary trigger on this core's connection). */
function countBeats(c: ShoalCore, id: string): () => number {
  let n = 0;
  const fn = `shoal_test_beat_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  c.store.db.function(fn, () => {
    n++;
    return null;
  });
  c.store.db.exec(`CREATE TEMP TRIGGER ${fn} AFTER UPDATE OF last_heartbeat_at ON workers WHEN NEW.id = '${id}' BEGIN SELECT ${fn}(); END`);
  return () => n;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('idle heartbeats', () => {
  it('this computer has a heartbeat from the engine\'s start, and it keeps coming while it runs nothing', async () => {
    const c = makeCore({ idleHeartbeatMs: 200 }, { start: false });
    expect(row(c, LOCAL_WORKER_ID)?.last_heartbeat_at).toBeNull();
    c.start();
    // Written by start() itself: no task ran, no wait.
    const first = row(c, LOCAL_WORKER_ID)!;
    expect(first.last_heartbeat_at).not.toBeNull();
    expect(first.status).toBe('online');
    const since = first.updated_at;
    const beat = await waitFor('a later heartbeat', () => {
      const r = row(c, LOCAL_WORKER_ID)!;
      return r.last_heartbeat_at! > first.last_heartbeat_at! && r;
    }, 5_000);
    // A sign of life is no change of state: the Workers view's "since" stays.
    expect(beat).toMatchObject({ status: 'online', updated_at: since });
  });

  it('this computer marked offline by another Shoal on the same store that stopped is online again at this one\'s next heartbeat', async () => {
    const app = makeCore({ idleHeartbeatMs: 200 });
    // `shoal run` on the same store: it ends, and marks the workers it held offline as it stops.
    const cli = makeCore({ idleHeartbeatMs: 60_000 }, { dir: app.dataDir });
    await cli.shutdown();
    const marked = row(app, LOCAL_WORKER_ID)!;
    expect(marked.status).toBe('offline');
    // The app still runs it: its next sign of life says so (the Workers view read "offline" with a
    // fresh heartbeat, for as long as the app ran).
    const back = await waitFor('online again', () => {
      const r = row(app, LOCAL_WORKER_ID)!;
      return r.status === 'online' && r;
    }, 5_000);
    expect(back.last_heartbeat_at! > marked.last_heartbeat_at!).toBe(true);
    expect(back.updated_at! > marked.updated_at!).toBe(true);
  });

  it('an idle SSH worker heartbeats with its host\'s load over the one connection it has; silent while its host is away (the last one kept, the worker down), again once back', async () => {
    const relay = await startSwitchRelay({ host: '127.0.0.1', port: sshd.port });
    onTestFinished(() => relay.close());
    const c = makeCore({ idleHeartbeatMs: 250, reprobe: { minMs: 200, maxMs: 500 } });
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${relay.port}`, sshd.fingerprint);
    c.engine.addSharedWorker({ id: 'box', name: 'idle box', host: { kind: 'ssh', host: '127.0.0.1', port: relay.port, user: sshd.user, identity: sshd.identity }, labels: {}, capabilities: [], max_concurrent_tasks: 1 });
    const up = await waitFor('the worker up', () => row(c, 'box')?.status === 'online' && row(c, 'box'), 30_000);
    const connections = relay.relayed;
    const beats = countBeats(c, 'box');

    // It keeps beating while it runs nothing, with the host's load (this machine's /proc).
    const later = await waitFor('a heartbeat after the probe\'s', () => {
      const r = row(c, 'box')!;
      return r.last_heartbeat_at! > up.last_heartbeat_at! && r.cpu_percent !== null && r;
    }, 10_000);
    expect(later.status).toBe('online');
    expect(later.memory_mb).toBeGreaterThan(0);
    await pause(1_500);
    // Cheap: about one write per interval (not per check of anything else), and no connection of its own.
    expect(beats()).toBeGreaterThanOrEqual(3);
    expect(beats()).toBeLessThanOrEqual(9);
    expect(relay.relayed).toBe(connections);

    // The host goes away: the next check finds it silent, the worker goes down naming it, and its
    // last heartbeat stays what it was (its age says how long it has been silent).
    relay.off();
    const down = await waitFor('the worker down', () => row(c, 'box')?.status === 'unhealthy' && row(c, 'box'), 10_000);
    expect(down.status_reason).toMatch(new RegExp(`^worker idle box: ssh ${sshd.user}@127\\.0\\.0\\.1:${relay.port}: `));
    const lastBeat = down.last_heartbeat_at;
    const beatsWhenDown = beats();
    await pause(1_500); // several intervals and re-probes
    expect(row(c, 'box')).toMatchObject({ status: 'unhealthy', last_heartbeat_at: lastBeat });
    expect(beats()).toBe(beatsWhenDown);

    // Back: the probe calls it up (a heartbeat), and the idle checks go on from there.
    relay.on();
    const back = await waitFor('the worker back', () => row(c, 'box')?.status === 'online' && row(c, 'box'), 10_000);
    expect(back.last_heartbeat_at! > lastBeat!).toBe(true);
    await waitFor('idle heartbeats again', () => row(c, 'box')!.last_heartbeat_at! > back.last_heartbeat_at! && row(c, 'box')!.cpu_percent !== null, 10_000);
  }, 90_000);
});
