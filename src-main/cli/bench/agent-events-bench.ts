// Events streamed from a remote agent on loopback, per second, to compare with the local events/s
// figure (fleet-bench's eventsPerSecond: the same payloads, appended in batches of the same size).
// The path measured is the agent's own: each batch stored in its durable outbox, read back and sent
// as a `write` frame, validated on the control plane, applied fenced by the lease with its sequence
// recorded, and acknowledged, after which the agent deletes it. The clock stops at the last
// acknowledgement, when every event is durable on the control plane. The attempt supervisor is
// left out (it hands the same batches to the same outbox), and so is process spawning, so the
// figure is the transport's. Both ends run in this process and share its one thread.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  MAX_WORKER_FRAME_BYTES, parseControlMessage, WORKER_PROTOCOL_PATH, WORKER_PROTOCOL_VERSION,
  type AgentMessage, type ControlMessage, type LeaseRef,
} from '../../../src-shared/protocol/worker-protocol';
import { AgentCredentials } from '../../core/agents-remote/agent-credentials';
import { startAgentListener } from '../../core/agents-remote/agent-listener';
import { AgentOutbox } from '../../core/agents-remote/agent-outbox';
import type { EventPayload } from '../../core/fleet/event-log';
import { ShoalCore } from '../../core/shoal';

/** A socket that hands out control messages in order, each awaited by what it answers. */
class Wire {
  private readonly queue: ControlMessage[] = [];
  private waiter: (() => void) | null = null;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = parseControlMessage(String(d));
      if (!m.ok) throw new Error(`bench: ${m.message}`);
      this.queue.push(m.value);
      this.waiter?.();
    });
  }

  send(msg: AgentMessage): void {
    this.ws.send(JSON.stringify(msg));
  }

  async next<T extends ControlMessage['type']>(type: T): Promise<Extract<ControlMessage, { type: T }>> {
    for (;;) {
      const i = this.queue.findIndex((m) => m.type === type || m.type === 'error' || m.type === 'refused');
      if (i >= 0) {
        const m = this.queue.splice(i, 1)[0]!;
        if (m.type !== type) throw new Error(`bench: the control plane answered ${JSON.stringify(m)}`);
        return m as Extract<ControlMessage, { type: T }>;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }
}

export async function agentEventsPerSecond(n: number, batch: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-agent-events-'));
  const core = new ShoalCore({ dbPath: path.join(dir, 'shoal.db'), transport: 'headless', log: () => {}, engine: { maxWorkers: 1 } });
  core.start();
  core.engine.drainWorker('local');
  const listener = await startAgentListener({ store: core.store, engine: core.engine, gateway: core.tools, dataDir: dir, host: '127.0.0.1', port: 0, leaseMs: 600_000, heartbeatMs: 60_000, log: () => {} });
  const outbox = new AgentOutbox(path.join(dir, 'agent'));
  const ws = new WebSocket(listener.url + WORKER_PROTOCOL_PATH, { maxPayload: MAX_WORKER_FRAME_BYTES });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const wire = new Wire(ws);
    const { token } = new AgentCredentials(core.store).mintJoinToken({ ttlMs: 60_000 });
    wire.send({ type: 'hello', protocol: WORKER_PROTOCOL_VERSION, auth: { kind: 'join', token }, name: 'bench', version: 'bench', hostname: os.hostname(), capabilities: [], max_tasks: 1 });
    await wire.next('welcome');
    const loaded = core.validateSpec(JSON.stringify({ name: 'agent events', task_specs: [{ id: 't0', name: 't0', instructions: 'true' }] }), 'bench.json', null);
    if (!loaded.ok) throw new Error(loaded.issues.join('; '));
    const runId = core.engine.launch(loaded.spec);
    let lease: LeaseRef | null = null;
    while (!lease) {
      wire.send({ type: 'claim', max: 1 });
      lease = (await wire.next('leases')).leases[0]?.lease ?? null;
    }
    const events: EventPayload[] = Array.from({ length: batch }, (_, i) => (i % 2 ? { state: 'heartbeat', cpu_percent: 12.5, memory_mb: 256 } : { state: 'running_tool', tool: 'exec_shell', call_id: `c${i}` }));
    const t0 = performance.now();
    let lastSent = 0;
    const batches = Math.ceil(n / batch);
    // As the agent's write(): stored first, then sent as stored; acks are not waited for between
    // batches (the outbox is the agent's window).
    for (let b = 0; b < batches; b++) {
      const { seq, frame } = outbox.append(lease, { kind: 'events', events });
      if (seq !== lastSent + 1) throw new Error(`bench: outbox sequence ${seq} after ${lastSent}`);
      wire.ws.send(frame);
      lastSent = seq;
      // Let acknowledgements in as a busy agent would between its flushes.
      if (b % 4 === 3) await new Promise((r) => setImmediate(r));
    }
    for (let acked = 0; acked < batches; acked++) outbox.remove((await wire.next('ack')).seq);
    const seconds = (performance.now() - t0) / 1000;
    const stored = core.store.db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM worker_events WHERE run_id = ? AND state IN ('heartbeat', 'running_tool')`).get(runId)!.n;
    if (stored < batches * batch) throw new Error(`bench: ${stored} of ${batches * batch} agent events stored`);
    return (batches * batch) / seconds;
  } finally {
    ws.close();
    outbox.close();
    await listener.close();
    await core.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
