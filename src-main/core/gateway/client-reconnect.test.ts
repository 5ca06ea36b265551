// The gateway's clients when their connection drops while a call waits for a person (an SSH
// reverse forward that drops and comes back): each asks again with the same call id and gets the
// person's decision — the bash shell client (SSH hosts, containers), the Node shell client, and the
// Codex bridge. Real clients as child processes, the real gateway behind a TCP forward on 127.0.0.1
// that the test cuts and brings back.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../fleet/event-log';
import { CODEX_BRIDGE_SCRIPT } from '../fleet/agents/codex-bridge';
import type { ShoalCore } from '../shoal';
import { tempDir } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { SHELL_CLIENT_SCRIPT } from './shell-client';
import { SHELL_CLIENT_BASH } from './shell-client-bash';

const makeCore = useCores();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP forward to the gateway that can drop every connection and refuse new ones for a while. */
async function forward(targetPort: number): Promise<{ port: number; cut(downMs: number): Promise<void>; close(): void }> {
  const open = new Set<net.Socket>();
  const pipe = (client: net.Socket) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
  let server = net.createServer(pipe);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut: async (downMs) => {
      await new Promise<void>((r) => {
        server.close(() => r());
        for (const s of open) s.destroy();
      });
      await sleep(downMs);
      server = net.createServer(pipe);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close: () => {
      server.close();
      for (const s of open) s.destroy();
    },
  };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  return new Promise((r) => child.on('close', (code) => r({ code, out })));
}

async function attempt(c: ShoalCore, taskId: string, prefix: string, recorded: EventPayload[]) {
  const workdir = tempDir();
  const session = await c.tools.openAttempt({
    scope: { kind: 'task', runId: 'run-fwd', taskId, attempt: 1, workdir }, metadata: { policy: { rules: [{ id: 'ask', tool: 'exec_shell', prefix, action: 'ask' }] } },
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, record: (e) => recorded.push(...e),
  });
  const fwd = await forward(Number(new URL(session.url).port));
  const url = session.url.replace(/:\d+\//, `:${fwd.port}/`);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workdir, SHOAL_GATEWAY_URL: url, SHOAL_RUN_ID: 'run-fwd', SHOAL_TASK_ID: taskId, SHOAL_ATTEMPT: '1', SHOAL_WORKDIR: workdir };
  return { workdir, session, fwd, env, close: () => { fwd.close(); session.close(); } };
}

const phases = (recorded: EventPayload[]) => recorded.map((e) => `${String((e.extra as Record<string, unknown>).kind)}:${String((e.extra as Record<string, unknown>).phase)}`);

describe('a client whose connection to the gateway drops while a person decides', () => {
  it('the bash shell client asks again and runs the command once approved, instead of taking the cut as a refusal', async () => {
    const c = makeCore();
    const recorded: EventPayload[] = [];
    const a = await attempt(c, 'bash', 'touch', recorded);
    try {
      const child = spawn('bash', ['--noprofile', '--norc', '-c', SHELL_CLIENT_BASH, 'shoal-shell', 'touch ran.txt'], { cwd: a.workdir, env: a.env });
      const exited = exitOf(child);
      const pending = await waitFor('the request', () => c.approvals.pending().find((r) => r.runId === 'run-fwd' && r.taskId === 'bash'));
      await sleep(500); // the reply's headers have reached the client: it is waiting on the open stream
      await a.fwd.cut(1_000);
      expect(c.approvals.get(pending.id)!.status).toBe('pending');
      c.approvals.decide(pending.id, 'approved', 'you');
      const { code, out } = await exited;
      expect(code, out).toBe(0);
      expect(fs.existsSync(path.join(a.workdir, 'ran.txt'))).toBe(true);
      expect(c.store.db.prepare("SELECT COUNT(*) AS n FROM approvals WHERE task_id = 'bash'").get()).toEqual({ n: 1 });
      await waitFor('the exit code reported', () => phases(recorded).includes('tool:completed'));
      expect(phases(recorded)).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching', 'tool:completed']);
    } finally {
      a.close();
    }
  });

  it('the Node shell client and the Codex bridge ask again when the drop comes more than 30 s into the wait', async () => {
    const c = makeCore();
    const recorded: EventPayload[] = [];
    const node = await attempt(c, 'node', 'touch', recorded);
    const codex = await attempt(c, 'codex', 'touch', []);
    try {
      const nodeClient = spawn(process.execPath, ['-e', SHELL_CLIENT_SCRIPT, '--', 'touch ran.txt'], { cwd: node.workdir, env: node.env });
      const nodeExit = exitOf(nodeClient);
      // A stand-in for `codex app-server`: one turn that asks to run a command, and writes down the answer.
      const fake = path.join(codex.workdir, 'fake-codex');
      fs.writeFileSync(fake, `#!${process.execPath}
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const m = JSON.parse(l);
  if (m.method === 'initialize') send({ id: m.id, result: { userAgent: 'codex_cli_rs/0.171.0' } });
  else if (m.method === 'thread/start') send({ id: m.id, result: { thread: { id: 'th' } } });
  else if (m.method === 'turn/start') {
    send({ id: m.id, result: { turn: { id: 'tu' } } });
    send({ id: 900, method: 'item/commandExecution/requestApproval', params: { itemId: 'item1', command: 'touch ran.txt' } });
  } else if (m.id === 900) {
    require('fs').writeFileSync(${JSON.stringify(path.join(codex.workdir, 'decision.txt'))}, m.result.decision);
    send({ method: 'turn/completed', params: { turn: { status: 'completed' } } });
  }
});
`, { mode: 0o755 });
      const bridge = spawn(process.execPath, ['-e', CODEX_BRIDGE_SCRIPT, '--', 'do it'], {
        cwd: codex.workdir, env: { ...codex.env, SHOAL_CODEX_BIN: fake, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
      });
      const bridgeExit = exitOf(bridge);
      const nodeReq = await waitFor('the Node client\u2019s request', () => c.approvals.pending().find((r) => r.taskId === 'node'));
      const codexReq = await waitFor('the bridge\u2019s request', () => c.approvals.pending().find((r) => r.taskId === 'codex'));
      expect(codexReq.callId).toBe('codex-item1');
      // A person who takes longer than the clients' 30 s of patience with a lost gateway.
      await sleep(31_000);
      await Promise.all([node.fwd.cut(1_000), codex.fwd.cut(1_000)]);
      c.approvals.decide(nodeReq.id, 'approved', 'you');
      c.approvals.decide(codexReq.id, 'approved', 'you');
      const n = await nodeExit;
      expect(n.code, n.out).toBe(0);
      expect(fs.existsSync(path.join(node.workdir, 'ran.txt'))).toBe(true);
      const decision = await waitFor('the bridge\u2019s answer to Codex', () => fs.existsSync(path.join(codex.workdir, 'decision.txt')) && fs.readFileSync(path.join(codex.workdir, 'decision.txt'), 'utf8'), 15_000);
      expect(decision).toBe('accept');
      const b = await bridgeExit;
      expect(b.code, b.out).toBe(0);
      expect(c.store.db.prepare("SELECT COUNT(*) AS n FROM approvals WHERE run_id = 'run-fwd'").get()).toEqual({ n: 2 });
      await waitFor('the exit code reported', () => phases(recorded).includes('tool:completed'));
      expect(phases(recorded)).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching', 'tool:completed']);
    } finally {
      node.close();
      codex.close();
    }
  }, 120_000);
});
