// Remote agent vs local driver on the same trivial task (`true`), one at a time: the round trip from
// the lease being granted to the result being durable on the control plane (the receipt), median
// over the tasks. The agent is a real RemoteAgent on a loopback WebSocket, in this process. Both
// sides go through the tool gateway (the local one judges in process; the agent's asks the control
// plane over the socket), so the ratio is the transport and the remote judgment, not the gateway's
// own per-attempt cost.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentCredentials } from '../../core/agents-remote/agent-credentials';
import { startAgentListener } from '../../core/agents-remote/agent-listener';
import { RemoteAgent } from '../../core/agents-remote/remote-agent';
import { ShoalCore } from '../../core/shoal';
import type { Store } from '../../core/store/open';
import { median } from './fleet-bench';

function spec(n: number): string {
  return JSON.stringify({ name: 'bench', task_specs: Array.from({ length: n }, (_, i) => ({ id: `t${i}`, name: `t${i}`, instructions: 'true' })) });
}

/** Lease granted → receipt committed, per task (ms), read back from the timeline. */
function roundTrips(store: Store, runId: string): number[] {
  const rows = store.db.prepare<[string, string], { task_id: string; leased: string; done: string }>(
    `SELECT l.task_id, l.timestamp AS leased, r.completed_at AS done FROM worker_events l JOIN receipts r ON r.run_id = l.run_id AND r.task_id = l.task_id
     WHERE l.run_id = ? AND l.state = 'leased' AND r.run_id = ?`).all(runId, runId);
  return rows.map((r) => Date.parse(r.done) - Date.parse(r.leased));
}

async function waitUntil(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function localRoundTripMs(n: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-local-'));
  const core = new ShoalCore({ dbPath: path.join(dir, 'shoal.db'), transport: 'headless', log: () => {}, engine: { maxWorkers: 1 } });
  try {
    core.start();
    const loaded = core.validateSpec(spec(n), 'bench.json', null);
    if (!loaded.ok) throw new Error(loaded.issues.join('; '));
    const runId = core.engine.launch(loaded.spec);
    await core.engine.waitForRun(runId);
    return median(roundTrips(core.store, runId));
  } finally {
    await core.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function remoteRoundTripMs(n: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-remote-'));
  const core = new ShoalCore({ dbPath: path.join(dir, 'shoal.db'), transport: 'headless', log: () => {}, engine: { maxWorkers: 1 } });
  let agent: RemoteAgent | null = null;
  const listener = await (async () => {
    core.start();
    core.engine.drainWorker('local');
    return startAgentListener({ store: core.store, engine: core.engine, gateway: core.tools, dataDir: dir, host: '127.0.0.1', port: 0, leaseMs: 60_000, heartbeatMs: 5_000, log: () => {} });
  })();
  try {
    const { token } = new AgentCredentials(core.store).mintJoinToken({ ttlMs: 60_000 });
    agent = new RemoteAgent({ url: listener.url, token, dataDir: path.join(dir, 'agent'), maxTasks: 1, version: 'bench', log: () => {} });
    agent.start();
    await waitUntil('the agent to join', () => core.store.db.prepare(`SELECT 1 FROM workers WHERE host LIKE '%"agent"%' AND status = 'online'`).get() !== undefined);
    const loaded = core.validateSpec(spec(n), 'bench.json', null);
    if (!loaded.ok) throw new Error(loaded.issues.join('; '));
    const runId = core.engine.launch(loaded.spec);
    await core.engine.waitForRun(runId);
    return median(roundTrips(core.store, runId));
  } finally {
    await agent?.stop();
    await listener.close();
    await core.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
