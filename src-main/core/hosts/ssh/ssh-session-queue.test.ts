// Commands past sshd's MaxSessions wait for a free session on the same connection instead of
// failing. A real sshd with MaxSessions 2 (1 for the back-to-back case); the remote is this
// computer, so the commands' own timestamps show how many ran at once.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBatchingRelay } from '../../test-support/batching-relay';
import { startSshd, type TestSshd } from '../../test-support/sshd';
import { tempDir } from '../../test-support/temp-dir';
import { waitFor } from '../../test-support/wait-for';
import type { AttemptSink } from '../host-driver';
import { KnownHosts } from './host-keys';
import { SshConnection } from './ssh-connection';
import { SshDriver } from './ssh-driver';

let two: TestSshd;
beforeAll(() => {
  two = startSshd(undefined, { maxSessions: 2 });
}, 120_000);
afterAll(() => two?.stop());

function connection(sshd: TestSshd, port = sshd.port, opts: { controlIdleMs?: number } = {}): SshConnection {
  return new SshConnection({ host: '127.0.0.1', port, user: sshd.user, identity: sshd.identity }, { known: KnownHosts.inDataDir(tempDir()), pinned: sshd.fingerprint }, opts);
}

/** Sessions held as an agent holds one (long), ending by themselves after `seconds`. */
async function holdSessions(conn: SshConnection, n: number, seconds: number): Promise<Array<Promise<void>>> {
  const ends: Array<Promise<void>> = [];
  for (let i = 0; i < n; i++) {
    const cmd = await conn.spawn(`sleep ${seconds}`, { long: true });
    cmd.channel.resume();
    cmd.channel.stderr.resume();
    cmd.channel.end();
    ends.push(new Promise((resolve) => cmd.channel.once('close', () => resolve())));
  }
  return ends;
}

/** A TCP relay on 127.0.0.1 whose new connections go to whichever server it points at now. */
async function switchableRelay(port: number): Promise<{ port: number; pointAt(port: number): void; close(): Promise<void> }> {
  let target = port;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) open.add(s.on('error', () => undefined).on('close', () => void open.delete(s)));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    pointAt: (p) => void (target = p),
    close: () => {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The most commands running at one moment, from their [start, end] times. */
function mostAtOnce(spans: Array<[number, number]>): number {
  const edges = spans.flatMap(([s, e]) => [[s, 1], [e, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d));
  return most;
}

const timed = (body: string): string => `s=$(date +%s%N); ${body}; echo " $s $(date +%s%N)"`;
const span = (out: string): [number, number] => {
  const [s, e] = out.trim().split(/\s+/).slice(-2).map((n) => Number(BigInt(n) / 1000n));
  return [s!, e!];
};

describe('an SSH connection past the server\'s MaxSessions', () => {
  it('runs 6 concurrent commands over one connection, never more than 2 at once, each with its own output', async () => {
    const conn = connection(two);
    try {
      const t0 = Date.now();
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => conn.exec(timed(`sleep 0.3; printf ${i}`))));
      const took = Date.now() - t0;
      expect(results.map((r) => [r.code, r.stdout.toString().split(' ')[0]])).toEqual(Array.from({ length: 6 }, (_, i) => [0, String(i)]));
      const spans = results.map((r) => span(r.stdout.toString()));
      expect(mostAtOnce(spans)).toBe(2);
      expect(took).toBeGreaterThanOrEqual(900); // three rounds of two
      expect(conn.sessionsWaiting).toBe(0);
    } finally {
      conn.close();
    }
  });

  it('runs back-to-back commands at the limit although sshd frees a closed session late', async () => {
    // Under MaxSessions 1 a command sent as the previous one closes is often refused by sshd
    // (the slot is freed after that read): such a refusal is retried, not reported.
    const one = startSshd(undefined, { maxSessions: 1 });
    const conn = connection(one);
    try {
      for (let i = 0; i < 30; i++) expect((await conn.exec(`printf ${i}`)).stdout.toString()).toBe(String(i));
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => conn.exec(timed(`sleep 0.1; printf ${i}`))));
      expect(results.map((r) => r.stdout.toString().split(' ')[0])).toEqual(['0', '1', '2', '3', '4']);
      expect(mostAtOnce(results.map((r) => span(r.stdout.toString())))).toBe(1);
    } finally {
      conn.close();
      one.stop();
    }
  });

  it('fails a command waiting for a session promptly, naming the lost connection, when the connection drops', async () => {
    const relay = await startBatchingRelay({ host: '127.0.0.1', port: two.port }, 5);
    const conn = connection(two, relay.port);
    try {
      // They end by themselves: nothing is left running after the test.
      const running = [conn.exec('sleep 2'), conn.exec('sleep 2')].map((p) => p.catch((e: Error) => e));
      const waiting = conn.exec('echo never');
      await waitFor('the third command waiting for a session', () => conn.sessionsWaiting === 1, 10_000);
      const cutAt = Date.now();
      relay.cut();
      await expect(waiting).rejects.toThrow(`ssh ${two.user}@127.0.0.1:${relay.port}: could not run a command: connection lost while it waited for a free session`);
      expect(Date.now() - cutAt).toBeLessThan(1000);
      for (const r of await Promise.all(running)) expect(r).toBeInstanceOf(Error);
    } finally {
      conn.close();
      await relay.close();
    }
  });

  it('gives up waiting when its signal aborts: the command never runs, the others do', async () => {
    const conn = connection(two);
    const ran = path.join(tempDir(), 'ran');
    try {
      const running = [conn.exec('sleep 0.5; printf a'), conn.exec('sleep 0.5; printf b')];
      const stop = new AbortController();
      const waiting = conn.exec(`touch ${ran}`, undefined, { signal: stop.signal });
      const after = conn.exec('printf c');
      await waitFor('both commands waiting for a session', () => conn.sessionsWaiting === 2, 10_000);
      stop.abort();
      await expect(waiting).rejects.toThrow(/could not run a command: cancelled while it waited for a free session$/);
      expect(conn.sessionsWaiting).toBe(1);
      expect((await Promise.all([...running, after])).map((r) => r.stdout.toString())).toEqual(['a', 'b', 'c']);
      expect(fs.existsSync(ran)).toBe(false);
    } finally {
      conn.close();
    }
  });

  it('fails at once instead of waiting when asked not to wait (a load sample is worth nothing late)', async () => {
    const conn = connection(two);
    try {
      const running = [conn.exec('sleep 0.5'), conn.exec('sleep 0.5')];
      // The first refusal teaches the limit; the next one is refused here without asking the server.
      for (let i = 0; i < 2; i++) {
        await expect(conn.exec('true', undefined, { wait: false })).rejects.toThrow(/could not run a command now: all 2 sessions the server allows on one connection are in use \(sshd's MaxSessions\)$/);
      }
      expect((await Promise.all(running)).map((r) => r.code)).toEqual([0, 0]);
      expect((await conn.exec('printf ok', undefined, { wait: false })).stdout.toString()).toBe('ok');
    } finally {
      conn.close();
    }
  });

  it('lets short commands go before agents waiting to start, and leaves them a session once the limit is known', async () => {
    const conn = connection(two);
    // An agent's session, as the SSH driver asks for one: output read to the end.
    const agent = async (body: string): Promise<string> => {
      const cmd = await conn.spawn(timed(body), { long: true });
      const out: Buffer[] = [];
      cmd.channel.on('data', (d: Buffer) => out.push(d)).stderr.resume();
      cmd.channel.end();
      await new Promise((resolve) => cmd.channel.once('close', resolve));
      return Buffer.concat(out).toString();
    };
    try {
      const a = agent('sleep 0.3; printf a');
      const b = agent('sleep 0.6; printf b');
      const c = agent('printf c'); // refused: the limit (2) is learned, and it waits
      await waitFor('the third agent waiting', () => conn.sessionsWaiting === 1, 10_000);
      const d = conn.exec(timed('printf d'));
      await waitFor('a short command waiting too', () => conn.sessionsWaiting === 2, 10_000);
      const [sa, sb, sc, sd] = [span(await a), span(await b), span(await c), span((await d).stdout.toString())];
      // a ends: the short command goes first, although it came later; then c waits for b, as one of
      // the two sessions is left to short commands.
      expect(sd[0]).toBeGreaterThanOrEqual(sa[1]);
      expect(sd[0]).toBeLessThan(sb[1]);
      expect(sc[0]).toBeGreaterThanOrEqual(sb[1]);
      // With an agent running and one waiting, short commands still run at once, side by side.
      const e = agent('sleep 0.4; printf e');
      const f = agent('printf f');
      await waitFor('the second agent waiting', () => conn.sessionsWaiting === 1, 10_000);
      const shorts: string[] = [];
      for (let i = 0; i < 3; i++) shorts.push((await conn.exec(timed(`printf ${i}`))).stdout.toString());
      expect(conn.sessionsWaiting).toBe(1);
      const [oute, outf] = [await e, await f];
      expect([shorts, oute, outf].flat().map((o) => o.split(' ')[0])).toEqual(['0', '1', '2', 'e', 'f']);
      for (const o of shorts) expect(span(o)[1]).toBeLessThan(span(oute)[1]);
      expect(span(outf)[0]).toBeGreaterThanOrEqual(span(oute)[1]);
    } finally {
      conn.close();
    }
  });

  it('runs a control command at once over a second connection when agents hold every session, and only then', async () => {
    const conn = connection(two, two.port, { controlIdleMs: 200 });
    try {
      // With a free session it runs on this connection: no second login.
      expect((await conn.exec('printf here', undefined, { control: true })).stdout.toString()).toBe('here');
      expect(conn.controlConnectionOpen).toBe(false);
      // Two agents take both sessions before any refusal: the limit is not known yet.
      const ends = await holdSessions(conn, 2, 2);
      const t0 = Date.now();
      const plain = conn.exec('printf plain');
      const control = await conn.exec('printf control', undefined, { control: true });
      expect(control.stdout.toString()).toBe('control');
      expect(Date.now() - t0).toBeLessThan(1500); // not after an agent ended (2 s)
      expect(conn.controlConnectionOpen).toBe(true);
      expect(conn.sessionsWaiting).toBe(1); // the plain command waits for an agent's session
      expect((await plain).stdout.toString()).toBe('plain');
      await Promise.all(ends);
      await waitFor('the control connection closed when idle', () => !conn.controlConnectionOpen, 10_000);
    } finally {
      conn.close();
    }
  });

  it('opens the control connection only to the host key this connection was shown, else waits for a session here', async () => {
    // The address now leads to another server (another host key): the control connection refuses
    // it, and the command waits for a session on the connection whose key was accepted.
    const other = startSshd(undefined, { maxSessions: 2 });
    const relay = await switchableRelay(two.port);
    const conn = new SshConnection({ host: '127.0.0.1', port: relay.port, user: two.user, identity: two.identity }, { known: KnownHosts.inDataDir(tempDir()), acceptNew: true });
    try {
      const ends = await holdSessions(conn, 2, 1);
      let endedAt = 0;
      void Promise.race(ends).then(() => (endedAt = Date.now()));
      relay.pointAt(other.port);
      // SSH_CONNECTION ends with the port the server listens on: which server ran it.
      const r = await conn.exec('printf %s "$SSH_CONNECTION"', undefined, { control: true });
      expect(r.stdout.toString().split(' ').at(-1)).toBe(String(two.port));
      expect(endedAt).toBeGreaterThan(0);
      await Promise.all(ends);
    } finally {
      conn.close();
      await relay.close();
      other.stop();
    }
  });

  it('leaves forwarded channels out: sshd counts only sessions against MaxSessions', async () => {
    // Two reverse-forwarded connections (as the tool gateway's) and two direct-tcpip channels held
    // open on the connection, then two commands at once: both run together, none waits.
    const held = new Set<net.Socket>();
    const server = net.createServer((s) => void held.add(s.on('error', () => undefined)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const localPort = (server.address() as net.AddressInfo).port;
    const conn = connection(two);
    const clients: net.Socket[] = [];
    try {
      const remotePort = await conn.forwardToLocal(localPort);
      for (let i = 0; i < 2; i++) clients.push(net.connect(remotePort, '127.0.0.1').on('error', () => undefined));
      const client = await conn.connect();
      const direct = await Promise.all([0, 1].map(() => new Promise<{ destroy(): void }>((resolve, reject) => {
        client.forwardOut('127.0.0.1', 0, '127.0.0.1', localPort, (e, ch) => (e ? reject(e) : resolve(ch)));
      })));
      await waitFor('four forwarded channels open', () => held.size === 4, 10_000);
      const results = await Promise.all([0, 1].map((i) => conn.exec(timed(`sleep 0.3; printf ${i}`))));
      expect(mostAtOnce(results.map((r) => span(r.stdout.toString())))).toBe(2);
      for (const ch of direct) ch.destroy();
    } finally {
      for (const c of clients) c.destroy();
      for (const s of held) s.destroy();
      conn.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the SSH driver past the server\'s MaxSessions', () => {
  it('gives up an agent waiting for a session when the attempt is cancelled, and removes its workdir there', async () => {
    const conn = connection(two);
    const driver = new SshDriver(conn);
    const runId = `sessions-${process.pid}-${Date.now()}`;
    const remoteDir = path.join(two.shoalRoot, 'work', runId); // the server's files are on this computer
    try {
      // One agent-like session holds a slot; a refused short command teaches the limit (2), so the
      // driver's short commands still run beside it while a second agent must wait.
      const holder = await conn.spawn('sleep 2', { long: true });
      holder.channel.resume();
      holder.channel.stderr.resume();
      await Promise.all([conn.exec('sleep 0.2'), conn.exec('true')]);
      const local = tempDir();
      const notes: string[] = [];
      const sink: AttemptSink = { started() {}, output() {}, diagnostics: (t) => void notes.push(t), events() {}, artifacts() {}, finish() {} };
      const stop = new AbortController();
      const started = driver.start({
        runId, taskId: 't', attempt: 1, workerName: 'far', workdir: { dir: local, branch: null, baseCommit: null, repo: null }, artifactsDir: local, gatewayUrl: null, killGraceMs: 500, storeId: null,
        launch: { command: 'sh', args: ['-c', `touch ${path.join(local, 'ran')}`], env: {}, stream: 'plain' },
      }, sink, stop.signal);
      await waitFor('the agent waiting for a session, its workdir made', () => conn.sessionsWaiting === 1 && fs.existsSync(path.join(remoteDir, 't-1')), 10_000);
      stop.abort();
      await expect(started).rejects.toThrow(/could not run a command: cancelled while it waited for a free session$/);
      await waitFor('its remote workdir removed', () => !fs.existsSync(path.join(remoteDir, 't-1')), 10_000);
      expect(fs.existsSync(path.join(local, 'ran'))).toBe(false);
      expect(notes).toEqual([]);
    } finally {
      conn.close();
      fs.rmSync(remoteDir, { recursive: true, force: true });
    }
  });
});
