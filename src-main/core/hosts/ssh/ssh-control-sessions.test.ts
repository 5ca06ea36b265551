// A cancel, the bringing back of results and a heartbeat's load sample never wait for an agent to
// end, however many sessions agents hold: real sshds with MaxSessions 1 and 2 on 127.0.0.1. The remote is this computer, so an
// agent's process group is checked here with kill(-pgid, 0).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type TestSshd } from '../../test-support/sshd';
import { tempDir } from '../../test-support/temp-dir';
import { eventsOf, launch } from '../../test-support/temp-core';
import { useCores } from '../../test-support/use-cores';
import { waitFor } from '../../test-support/wait-for';
import type { AttemptSink, HostExit } from '../host-driver';
import { KnownHosts } from './host-keys';
import { SshConnection } from './ssh-connection';
import { SshDriver, type SshGroupRef } from './ssh-driver';

const makeCore = useCores();
let one: TestSshd;
let two: TestSshd;
beforeAll(() => {
  one = startSshd(undefined, { maxSessions: 1 });
  two = startSshd(undefined, { maxSessions: 2 });
}, 120_000);
afterAll(() => {
  one?.stop();
  two?.stop();
});

function connection(sshd: TestSshd, controlIdleMs?: number): SshConnection {
  return new SshConnection({ host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity }, { known: KnownHosts.inDataDir(tempDir()), pinned: sshd.fingerprint }, controlIdleMs === undefined ? {} : { controlIdleMs });
}

/** A process of the group still runs. Zombies do not count: a killed agent's children are
 *  reparented to init, which here reaps them only every second or two. */
function groupAlive(pgid: number): boolean {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // it ended while we looked
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

interface Agent {
  started: Promise<SshGroupRef>;
  finished: Promise<HostExit & { at: number }>;
  artifacts: string[];
  local: string;
  stop: AbortController;
}

const runId = `control-${process.pid}-${Date.now()}`;
/** The run's folder on a test server (in its own home, removed with it). */
const remoteRun = (sshd: TestSshd) => path.join(sshd.shoalRoot, 'work', runId);
let taskNo = 0;

/** An attempt through the driver running `script` (sh), as the supervisor starts one. */
function startAgent(driver: SshDriver, script: string): Agent {
  const local = tempDir();
  const stop = new AbortController();
  const artifacts: string[] = [];
  let finish!: (exit: HostExit & { at: number }) => void;
  const finished = new Promise<HostExit & { at: number }>((resolve) => (finish = resolve));
  const sink: AttemptSink = {
    started() {}, output() {}, diagnostics() {}, events() {},
    artifacts: (names) => void artifacts.push(...names),
    finish: (exit) => finish({ ...exit, at: Date.now() }),
  };
  const taskId = `t${++taskNo}`;
  const started = driver.start({
    runId, taskId, attempt: 1, workerName: 'far', workdir: { dir: local, branch: null, baseCommit: null, repo: null }, artifactsDir: local, gatewayUrl: null, killGraceMs: 5_000, storeId: null,
    launch: { command: 'sh', args: ['-c', script], env: { SHOAL_ARTIFACTS_DIR: local }, stream: 'plain' },
  }, sink, stop.signal) as Agent['started'];
  started.catch(() => undefined);
  return { started, finished, artifacts, local, stop };
}

/** Cancels each agent and returns the ms from the cancel to its process group being gone. */
async function cancelAndTime(agents: Agent[]): Promise<number[]> {
  const refs = await Promise.all(agents.map((a) => a.started));
  for (const r of refs) expect(groupAlive(r.pgid)).toBe(true);
  const t0 = Date.now();
  for (const a of agents) a.stop.abort();
  return Promise.all(refs.map(async (r) => {
    await waitFor(`process group ${r.pgid} gone`, () => !groupAlive(r.pgid), 20_000, 10);
    return Date.now() - t0;
  }));
}

describe('cancelling SSH agents that hold every session', () => {
  it('MaxSessions 1: a cancel kills the agent holding the only session at once, over a control connection', async () => {
    const conn = connection(one, 300);
    const driver = new SshDriver(conn);
    try {
      const agent = startAgent(driver, 'sleep 30');
      const [ms] = await cancelAndTime([agent]);
      console.log(`MaxSessions 1, cancel to killed: ${ms} ms`);
      expect(ms).toBeLessThan(10_000); // the agent would have run 30 s
      const exit = await agent.finished;
      expect(exit.hostError).toBeUndefined();
      expect(exit.signal ?? exit.code).toBeTruthy();
      // The control connection goes once idle; the agent's own connection stays.
      await waitFor('the control connection closed when idle', () => !conn.controlConnectionOpen, 10_000);
    } finally {
      await driver.close();
    }
  });

  it('MaxSessions 2: agents that took both sessions before any refusal, and one waiting, are all cancelled promptly', async () => {
    const conn = connection(two);
    const driver = new SshDriver(conn);
    try {
      // One after the other: no refusal yet, so the limit is not known and both take a session.
      const a = startAgent(driver, 'sleep 30');
      await a.started;
      const b = startAgent(driver, 'sleep 30');
      await b.started;
      const c = startAgent(driver, 'touch ran; sleep 30'); // refused: the limit is learned; it waits
      await waitFor('the third agent waiting for a session', () => conn.sessionsWaiting === 1, 10_000);
      const t0 = Date.now();
      c.stop.abort();
      const ms = await cancelAndTime([a, b]);
      console.log(`MaxSessions 2, two agents holding both sessions, cancel to killed: ${ms.join(', ')} ms`);
      for (const m of ms) expect(m).toBeLessThan(10_000);
      await expect(c.started).rejects.toThrow(/cancelled while it waited for a free session/);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(fs.existsSync(path.join(remoteRun(two), `t${taskNo}-1`, 'ran'))).toBe(false);
      for (const x of [a, b]) expect((await x.finished).hostError).toBeUndefined();
    } finally {
      await driver.close();
    }
  });

  it('MaxSessions 2: a burst of agents started at once is cancelled promptly, nothing left running', async () => {
    const conn = connection(two);
    const driver = new SshDriver(conn);
    try {
      const agents = Array.from({ length: 5 }, () => startAgent(driver, 'sleep 30'));
      // However the burst's setup commands met the limit, some agents run and the rest wait.
      await waitFor('sessions all taken, the rest of the burst waiting', () => conn.sessionsWaiting > 0, 10_000);
      const settled = await Promise.race([Promise.allSettled(agents.map((a) => a.started)), new Promise((r) => setTimeout(r, 1000))]);
      expect(settled).toBeUndefined(); // some are still waiting
      const t0 = Date.now();
      for (const a of agents) a.stop.abort();
      const outcomes = await Promise.allSettled(agents.map((a) => a.started));
      const refs = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      expect(refs.length).toBeGreaterThan(0);
      await Promise.all(refs.map((r) => waitFor(`process group ${r.pgid} gone`, () => !groupAlive(r.pgid), 20_000, 10)));
      const ms = Date.now() - t0;
      console.log(`MaxSessions 2, burst of 5 (${refs.length} running), cancel to all killed: ${ms} ms`);
      expect(ms).toBeLessThan(10_000);
      for (const o of outcomes) if (o.status === 'rejected') expect(String(o.reason)).toMatch(/cancelled while it waited for a free session/);
      await Promise.all(agents.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((a) => a.finished));
    } finally {
      await driver.close();
    }
  });
});

describe('bringing back results while agents hold every session', () => {
  it('MaxSessions 1: an agent that ended gets its results back at once although the next agent took the session', async () => {
    const conn = connection(one);
    const driver = new SshDriver(conn);
    try {
      const first = startAgent(driver, 'sleep 1; printf done > "$SHOAL_ARTIFACTS_DIR/result.txt"');
      await first.started;
      const next = startAgent(driver, 'sleep 30');
      await waitFor('the next agent waiting for the session', () => conn.sessionsWaiting === 1, 10_000);
      const nextRef = await next.started; // it takes the session as soon as the first agent ends
      const endedAt = Date.now();
      const exit = await first.finished;
      console.log(`MaxSessions 1, results back after the next agent took the session: ${exit.at - endedAt} ms`);
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.hostError).toBeUndefined();
      expect(exit.at - endedAt).toBeLessThan(10_000);
      expect(first.artifacts).toEqual(['result.txt']);
      expect(fs.readFileSync(path.join(first.local, 'result.txt'), 'utf8')).toBe('done');
      expect(groupAlive(nextRef.pgid)).toBe(true); // it still runs: the results did not wait for it
      await cancelAndTime([next]);
      await next.finished;
    } finally {
      await driver.close();
    }
  });
});

describe('sampling the host\'s load while an agent holds every session', () => {
  it('MaxSessions 1: a sample comes at once over the control connection, which still closes once the samples stop, and pins no key', async () => {
    const known = tempDir();
    const conn = new SshConnection({ host: '127.0.0.1', port: one.port, user: one.user, identity: one.identity }, { known: KnownHosts.inDataDir(known), pinned: one.fingerprint }, { controlIdleMs: 500 });
    const driver = new SshDriver(conn);
    try {
      const agent = startAgent(driver, 'sleep 30');
      const ref = await agent.started;
      expect(conn.controlConnectionOpen).toBe(false);
      const timed = async () => {
        const t0 = Date.now();
        const usage = await driver.usage(ref);
        return { usage, ms: Date.now() - t0 };
      };
      const first = await timed(); // opens the control connection
      const again = await timed(); // over the open one
      console.log(`MaxSessions 1, agent holding the only session: load sample ${first.ms} ms (control connection opened), then ${again.ms} ms`);
      for (const s of [first, again]) {
        expect(s.usage).toEqual({ cpuPercent: expect.any(Number), memoryMb: expect.any(Number) });
        expect(s.usage!.memoryMb).toBeGreaterThan(0);
        expect(s.ms).toBeLessThan(5_000);
      }
      expect(groupAlive(ref.pgid)).toBe(true); // the sample did not wait for the agent
      // Idle once the samples stop: it closes, and the next sample opens it again.
      await waitFor('the control connection closed when idle', () => !conn.controlConnectionOpen, 10_000);
      expect((await timed()).usage).not.toBeNull();
      await waitFor('the control connection closed when idle again', () => !conn.controlConnectionOpen, 10_000);
      // It accepted only the pinned key, and wrote no pin of its own.
      expect(fs.existsSync(path.join(known, 'known-hosts.json'))).toBe(false);
      await cancelAndTime([agent]);
      await agent.finished;
    } finally {
      await driver.close();
    }
  });

  it('MaxSessions 1: with the control connection\'s only session busy too, a sample gives up at once rather than wait', async () => {
    const conn = connection(one, 500);
    const driver = new SshDriver(conn);
    try {
      const agent = startAgent(driver, 'sleep 30');
      const ref = await agent.started;
      // A control command holding the control connection's only session for 5 s.
      const held = conn.exec('sleep 5', undefined, { control: true });
      await waitFor('the control connection open', () => conn.controlConnectionOpen, 10_000);
      await new Promise((r) => setTimeout(r, 300)); // its session opened there
      const t0 = Date.now();
      expect(await driver.usage(ref)).toBeNull();
      const ms = Date.now() - t0;
      console.log(`MaxSessions 1, both connections' sessions busy: load sample gave up after ${ms} ms`);
      expect(ms).toBeLessThan(3_000);
      expect((await held).code).toBe(0);
      await cancelAndTime([agent]);
      await agent.finished;
    } finally {
      await driver.close();
    }
  });

  it('MaxSessions 1: an attempt\'s heartbeats carry the host\'s load although its agent holds the only session', async () => {
    const c = makeCore({ heartbeatMs: 200 });
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${one.port}`, one.fingerprint);
    const runId = launch(c, {
      name: 'beat-one-session',
      worker_specs: [{ id: 'w1', name: 'one session', host: { kind: 'ssh', host: '127.0.0.1', port: one.port, user: one.user, identity: one.identity }, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 'busy', name: 'busy', instructions: 'sleep 2', retry_policy: { max_attempts: 1 } }],
    }, null);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const beats = eventsOf(c, runId).filter((e) => e.state === 'heartbeat');
    const figures = beats.filter((e) => typeof e.cpu_percent === 'number');
    console.log(`MaxSessions 1, a 2 s agent: ${figures.length} of ${beats.length} heartbeats carried the host's load`);
    expect(figures.length).toBeGreaterThan(0);
    // The machine's memory in use, far more than one shell's few megabytes.
    expect(Math.max(...figures.map((b) => b.memory_mb as number))).toBeGreaterThan(64);
  });
});
