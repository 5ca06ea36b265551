// Real processes for the remote-agent tests: a `shoal serve --agents-listen` control plane, `shoal
// agent` workers, and a client of the UI's contract socket to launch runs the way the app does.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { afterEach } from 'vitest';
import { parseControlMessage, WORKER_PROTOCOL_PATH, WORKER_PROTOCOL_VERSION, type ControlMessage } from '../../../src-shared/protocol/worker-protocol';
import { waitFor } from '../../core/test-support/wait-for';
import { runCli, startCli } from './cli';

export interface Proc { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> }

export function spawnCli(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Proc {
  const child = startCli(args, { cwd, ...(env ? { env } : {}) });
  child.stdin!.end();
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

export interface ControlPlane extends Proc { uiUrl: string; agentsUrl: string }

export async function startControlPlane(db: string, cwd: string, extra: string[] = []): Promise<ControlPlane> {
  const p = spawnCli(['serve', '--db', db, '--agents-listen', '127.0.0.1:0', ...extra], cwd);
  const lines = await killedIfNot(p, waitFor(`shoal serve to print its addresses\n${p.err()}`, () => /Agents: (\S+)/.test(p.out()) && p.out(), 30_000));
  return { ...p, uiUrl: /Shoal UI: (\S+)/.exec(lines)![1]!, agentsUrl: /Agents: (\S+)/.exec(lines)![1]! };
}

export async function mintToken(db: string, cwd: string, extra: string[] = []): Promise<{ token: string; url: string; command: string }> {
  const r = await runCli(['agent-token', '--db', db, '--json', ...extra], { cwd });
  if (r.code !== 0) throw new Error(`agent-token failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { token: string; url: string; command: string };
}

export async function startAgent(url: string, token: string | null, dataDir: string, cwd: string, extra: string[] = [], env?: NodeJS.ProcessEnv): Promise<Proc> {
  const p = spawnCli(['agent', '--join', url, ...(token ? ['--token', token] : []), '--data-dir', dataDir, ...extra], cwd, env);
  await killedIfNot(p, waitFor(`the agent to join\n${p.err()}`, () => /(joined|connected) as/.test(p.err()), 30_000));
  return p;
}

/** A process that never came up is killed before the failure is thrown: the caller never got it to
 *  track, so nothing else would stop it. */
async function killedIfNot<T>(p: Proc, up: Promise<T>): Promise<T> {
  try {
    return await up;
  } catch (e) {
    p.child.kill('SIGKILL');
    throw e;
  }
}

/** Calls one method of the UI's contract over its WebSocket, as the renderer does. */
export async function uiCall<T = unknown>(uiUrl: string, method: string, input: unknown): Promise<T> {
  const u = new URL(uiUrl);
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const reply = await new Promise<{ ok: boolean; value?: T; error?: { message: string } }>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { id?: number; envelope?: { ok: boolean; value?: T; error?: { message: string } } };
        if (m.id === 1 && m.envelope) resolve(m.envelope);
      });
      ws.send(JSON.stringify({ id: 1, method, input }));
    });
    if (!reply.ok) throw new Error(`${method}: ${reply.error?.message}`);
    return reply.value as T;
  } finally {
    ws.close();
  }
}

/** A read-only look at the control plane's database while it runs. */
export function query<T>(db: string, sql: string, ...params: unknown[]): T[] {
  const ro = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return ro.prepare(sql).all(...params) as T[];
  } finally {
    ro.close();
  }
}

/** The same while a Shoal may still be making the store (a test waiting for its first rows):
 *  nothing until the file and its tables are there. */
export function queryIfReady<T>(db: string, sql: string, ...params: unknown[]): T[] {
  if (!fs.existsSync(db)) return [];
  try {
    return query<T>(db, sql, ...params);
  } catch {
    return [];
  }
}

export async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await p.exited;
}

/** Launches a spec on a control plane whose own local worker is drained, so every task goes to an agent. */
export async function launchOnAgents(uiUrl: string, spec: unknown, workspace: string | null = null): Promise<string> {
  await uiCall(uiUrl, 'workers.drain', { workerId: 'local' });
  const { runId } = await uiCall<{ runId: string }>(uiUrl, 'specs.launch', { text: JSON.stringify(spec), filename: 'spec.json', workspace });
  return runId;
}

/** Waits for a run to end, read from the control plane's database; its final status. */
export async function waitForRun(db: string, runId: string, ms = 60_000): Promise<string> {
  return waitFor(`run ${runId} to finish`, () => {
    const s = query<{ status: string }>(db, 'SELECT status FROM runs WHERE id = ?', runId)[0]?.status;
    return s && ['completed', 'failed', 'cancelled'].includes(s) ? s : null;
  }, ms, 100);
}

/** Call at a test file's top level: the returned `track` registers a process that is killed
 *  (SIGKILL) after each test, whatever the test left running. */
export function trackProcs(): <T extends Proc>(p: T) => T {
  const procs: Proc[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await stop(p, 'SIGKILL');
  });
  return (p) => {
    procs.push(p);
    return p;
  };
}

/** A hand-driven agent connection: every frame the control plane sends, raw and parsed. */
export async function openRawAgent(agentsUrl: string): Promise<{ sock: WebSocket; frames: string[]; messages: () => ControlMessage[]; closed: Promise<number> }> {
  const sock = new WebSocket(agentsUrl + WORKER_PROTOCOL_PATH);
  const frames: string[] = [];
  sock.on('message', (d) => frames.push(String(d)));
  const closed = new Promise<number>((resolve) => sock.once('close', (code) => resolve(code)));
  await new Promise((resolve) => sock.once('open', resolve));
  const messages = () => frames.flatMap((f) => {
    const m = parseControlMessage(f);
    return m.ok ? [m.value] : [];
  });
  return { sock, frames, messages, closed };
}

/** The `hello` frame a raw connection opens with. */
export function rawHello(auth: unknown, protocol = WORKER_PROTOCOL_VERSION): string {
  return JSON.stringify({ type: 'hello', protocol, auth, name: 'raw', version: 'x', hostname: 'h', capabilities: [], max_tasks: 1 });
}
