// One connected remote agent, on the control plane: authenticates its hello, leases it work that fits
// its capabilities, renews its leases, and applies its outbox writes — each deduplicated by (agent,
// sequence) and fenced by the lease token in the same transaction that records the sequence, so a
// replayed write is acknowledged without being applied twice and a reclaimed attempt's late result
// is refused (and the agent told to stop it).
import fs from 'node:fs';
import type { WebSocket } from 'ws';
import {
  parseAgentMessage, WORKER_PROTOCOL_VERSION, type AgentMessage, type ControlMessage, type GrantedLease, type LeaseRef, type WriteOp,
} from '../../../src-shared/protocol/worker-protocol';
import type { FleetEngine } from '../fleet/engine';
import type { AttemptOutcome } from '../fleet/fleet-store';
import { nowIso } from '../fleet/ids';
import { LeaseLostError, type Lease } from '../fleet/lease';
import type { Store } from '../store/open';
import type { AgentCredentials } from './agent-credentials';
import { factsFromWire, type AgentHost } from './agent-host';
import { leaseOf, type RemoteJudges } from './remote-judges';
import type { RunBundles } from './run-bundles';
import { keepReclaimedWork } from '../fleet/keep-partial';
import { dropPartial, partialBranch } from '../fleet/partial-work';
import { applyResultBranch, storeChunk, storeUploadedFiles, uploadedBundle, UploadRejected } from './uploads';
import { KEEP_OUT_OF_SERVICE } from '../fleet/worker-status-sql';

export interface SessionDeps {
  store: Store;
  engine: FleetEngine;
  credentials: AgentCredentials;
  bundles: RunBundles;
  /** Judges the tool calls of this agent's attempts with the control plane's policy. */
  judges: RemoteJudges;
  /** Who cancelled the attempt holding this lease token, while its agent has not yet reported it. */
  cancelledBy: (token: string) => string | undefined;
  dataDir: string;
  /** The listener's lease length; a task's own `metadata.lease_seconds` wins over it. */
  leaseMs: number;
  heartbeatMs: number;
  log: (message: string) => void;
  /** Another session of the same agent (a reconnect while the old socket lingers) is closed. */
  claim: (agentId: string, session: AgentSession) => void;
  release: (agentId: string, session: AgentSession) => void;
  /** The agent's worker row changed (joined, heartbeat, stale, gone): open views refresh. */
  changed?: () => void;
}

export class AgentSession {
  agentId: string | null = null;
  private name = '';
  private capabilities = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  lastHeartbeatMs = Date.now();
  private refused = false;
  /** Partial branches this agent sent snapshots to, until their attempt finishes. */
  private readonly snapshotted = new Set<string>();
  /** Every write runs these: prepared once per connection, not per frame. */
  private readonly held;
  private readonly acked;
  private readonly bump;
  /** Every heartbeat and claim runs these too. */
  private readonly beat;
  private readonly seen;
  private readonly statusOf;
  private readonly revokedAt;

  constructor(private readonly ws: WebSocket, private readonly deps: SessionDeps, private readonly address: string) {
    this.held = deps.store.db.prepare<[string, string, number, string, string], { one: number }>(
      'SELECT 1 AS one FROM tasks WHERE run_id = ? AND task_id = ? AND attempts = ? AND lease_token = ? AND worker_id = ?');
    this.acked = deps.store.db.prepare<[string], { acked_seq: number }>('SELECT acked_seq FROM remote_agents WHERE id = ?');
    this.bump = deps.store.db.prepare<[number, string, number]>('UPDATE remote_agents SET acked_seq = ? WHERE id = ? AND acked_seq < ?');
    this.beat = deps.store.db.prepare<[string, number | null, number | null, string, string, string]>(
      `UPDATE workers SET last_heartbeat_at = ?, cpu_percent = ?, memory_mb = ?, status = ${KEEP_OUT_OF_SERVICE('?')}, status_reason = NULL, updated_at = ? WHERE id = ?`);
    this.seen = deps.store.db.prepare<[string, string]>('UPDATE remote_agents SET last_seen_at = ? WHERE id = ?');
    this.statusOf = deps.store.db.prepare<[string], { status: string }>('SELECT status FROM workers WHERE id = ?');
    this.revokedAt = deps.store.db.prepare<[string], { revoked_at: string | null }>('SELECT revoked_at FROM remote_agents WHERE id = ?');
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.fail('invalid_message', 'binary frames are not part of the worker protocol');
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8');
      // One message at a time, in order: sequences are applied in the order the outbox wrote them.
      this.queue = this.queue.then(() => this.onMessage(text)).catch((e: unknown) => this.deps.log(`[agents] ${this.label()}: ${(e as Error).message}`));
    });
    ws.on('error', (e: Error & { code?: string }) => {
      // ws closes the socket itself (1009 for an oversized frame); say why, on this side too.
      if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.deps.log(`[agents] ${this.label()}: frame over the size limit refused; connection closed`);
      else this.deps.log(`[agents] ${this.label()}: ${e.message}`);
    });
    ws.on('close', (code, reason) => {
      if (reason.length > 0) this.deps.log(`[agents] ${this.label()}: disconnected (${code} ${reason.toString()})`);
      if (this.agentId) {
        this.deps.release(this.agentId, this);
        // The listener closes its sockets while the host shuts down: the store may be closed already.
        if (this.deps.store.db.open) {
          this.setStatus('offline');
          this.deps.changed?.();
        }
      }
    });
  }

  private label(): string {
    return this.agentId ? `agent ${this.name} (${this.agentId})` : `connection from ${this.address}`;
  }

  private send(msg: ControlMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Refuses the connection with a clear message on both sides, writes nothing. */
  fail(code: Extract<ControlMessage, { type: 'error' }>['code'], message: string): void {
    // Frames already queued behind the refusal (a write right after the revoked heartbeat) apply nothing.
    this.refused = true;
    this.deps.log(`[agents] ${this.label()} refused: ${message}`);
    this.send({ type: 'error', code, message });
    this.ws.close(4000, code);
  }

  private async onMessage(text: string): Promise<void> {
    if (!this.deps.store.db.open || this.refused) return;
    const parsed = parseAgentMessage(text);
    if (!parsed.ok) return this.fail(parsed.code, parsed.message);
    const msg = parsed.value;
    if (msg.type === 'hello') return this.hello(msg);
    if (!this.agentId) return this.fail('not_hello', 'the first frame must be "hello"');
    switch (msg.type) {
      case 'heartbeat': return this.heartbeat(msg);
      case 'claim': return this.claimWork(msg.max);
      case 'renew': return this.renew(msg.leases);
      case 'write': return this.write(msg.seq, msg.lease, msg.op);
      case 'judge': return this.judge(msg);
    }
  }

  private hello(msg: Extract<AgentMessage, { type: 'hello' }>): void {
    if (this.agentId) return this.fail('invalid_message', 'hello sent twice');
    if (msg.protocol !== WORKER_PROTOCOL_VERSION) return this.fail('protocol_version', `worker protocol ${msg.protocol} is not supported (the control plane speaks ${WORKER_PROTOCOL_VERSION})`);
    let credential: string | undefined;
    let ackedSeq: number;
    if (msg.auth.kind === 'join') {
      const joined = this.deps.credentials.join(msg.auth.token, { name: msg.name, capabilities: msg.capabilities, version: msg.version, hostname: msg.hostname, address: this.address });
      if (!joined.ok) return this.fail(joined.refusal.code, joined.refusal.message);
      this.agentId = joined.agentId;
      this.name = joined.name;
      this.capabilities = new Set(joined.capabilities);
      credential = joined.credential;
      ackedSeq = 0;
      this.deps.log(`[agents] ${this.name} (${this.agentId}) joined from ${this.address}`);
    } else {
      const auth = this.deps.credentials.authenticate(msg.auth.agent_id, msg.auth.credential);
      if (!auth.ok) return this.fail(auth.refusal.code, auth.refusal.message);
      this.agentId = auth.agent.id;
      this.name = auth.agent.name;
      // Capabilities are re-probed on every start; the ones the token granted stay.
      this.capabilities = new Set([...auth.agent.capabilities, ...msg.capabilities]);
      ackedSeq = auth.agent.ackedSeq;
      this.deps.log(`[agents] ${this.name} (${this.agentId}) reconnected from ${this.address}`);
    }
    this.deps.claim(this.agentId, this);
    const now = nowIso();
    const host = JSON.stringify({ kind: 'agent', address: this.address, version: msg.version, hostname: msg.hostname, facts: factsFromWire(msg.host) } satisfies AgentHost);
    this.deps.store.db.prepare(
      `INSERT INTO workers (id, name, host, labels, capabilities, max_concurrent, status, last_heartbeat_at, created_at, updated_at) VALUES (?, ?, ?, '{}', ?, ?, 'online', ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, host = excluded.host, capabilities = excluded.capabilities, max_concurrent = excluded.max_concurrent,
         status = ${KEEP_OUT_OF_SERVICE("'online'")}, status_reason = NULL, last_heartbeat_at = excluded.last_heartbeat_at, updated_at = excluded.updated_at`,
    ).run(this.agentId, this.name, host, JSON.stringify([...this.capabilities]), msg.max_tasks, now, now, now);
    this.deps.store.db.prepare(`UPDATE remote_agents SET capabilities = ?, version = ?, hostname = ?, address = ?, last_seen_at = ? WHERE id = ?`)
      .run(JSON.stringify([...this.capabilities]), msg.version, msg.hostname, this.address, now, this.agentId);
    this.lastHeartbeatMs = Date.now();
    this.deps.changed?.();
    this.send({
      type: 'welcome', protocol: WORKER_PROTOCOL_VERSION, agent_id: this.agentId, name: this.name, ...(credential ? { credential } : {}),
      acked_seq: ackedSeq, heartbeat_ms: this.deps.heartbeatMs, lease_ms: this.deps.leaseMs,
    });
  }

  /** Revoked since it connected — maybe by another process (`shoal agent-token --revoke`), which
   *  cannot reach this session: refused at its next heartbeat, renewal or claim. A busy agent sends
   *  no claims, so checking only there left it working (and its results accepted) after revocation. */
  private turnedAway(): boolean {
    const revoked = this.revokedAt.get(this.agentId!)?.revoked_at;
    if (!revoked) return false;
    this.fail('revoked', `agent ${this.agentId} was revoked at ${revoked}`);
    return true;
  }

  private heartbeat(msg: Extract<AgentMessage, { type: 'heartbeat' }>): void {
    if (this.turnedAway()) return;
    this.lastHeartbeatMs = Date.now();
    const now = nowIso();
    this.beat.run(now, msg.cpu_percent ?? null, msg.memory_mb === undefined ? null : Math.round(msg.memory_mb), msg.running > 0 ? 'busy' : 'online', now, this.agentId!);
    this.seen.run(now, this.agentId!);
    this.deps.changed?.();
  }

  /** Marks the agent stale (unhealthy) when it missed two heartbeats while still connected. */
  checkStale(nowMs: number): void {
    if (this.agentId && nowMs - this.lastHeartbeatMs > 2 * this.deps.heartbeatMs && this.setStatus('unhealthy', `no heartbeat for ${Math.round((nowMs - this.lastHeartbeatMs) / 1000)} s (it sends one every ${Math.round(this.deps.heartbeatMs / 1000)} s)`)) this.deps.changed?.();
  }

  /** True when the row changed. A status without a reason clears the last one. */
  private setStatus(status: string, reason: string | null = null): boolean {
    const now = nowIso();
    return this.deps.store.db.prepare(`UPDATE workers SET status = ${KEEP_OUT_OF_SERVICE('?')}, status_reason = ?, updated_at = ? WHERE id = ? AND status != ?`).run(status, reason, now, this.agentId!, status).changes > 0;
  }

  private async claimWork(max: number): Promise<void> {
    if (this.turnedAway()) return;
    const status = this.statusOf.get(this.agentId!)?.status;
    if (status === 'draining' || status === 'retired') return this.send({ type: 'leases', leases: [] });
    const leases = this.deps.engine.fleet.leaseMany({ id: this.agentId!, capabilities: this.capabilities, pool: null }, Date.now(), this.deps.leaseMs, max);
    if (leases.length > 0) this.deps.engine.nudge();
    const granted: GrantedLease[] = [];
    for (const l of leases) {
      const spec = this.deps.engine.fleet.taskSpec(l.runId, l.taskId) as unknown as Record<string, unknown>;
      const base = await this.deps.bundles.baseFor(l.runId).catch((e: unknown) => {
        this.deps.log(`[agents] run ${l.runId}: no base bundle: ${(e as Error).message}`);
        return null;
      });
      const meta = (spec.metadata ?? {}) as Record<string, unknown>;
      const partial = base && meta.resume_from_partial === true
        ? await this.deps.bundles.partialFor(l.runId, l.taskId, l.attempt, base.commit).catch((e: unknown) => {
          this.deps.log(`[agents] ${l.runId}/${l.taskId}: partial work not sent: ${(e as Error).message}`);
          return null;
        })
        : null;
      granted.push({ lease: toRef(l), deadline_ms: l.deadline, spec, base, ...(partial ? { partial } : {}) });
    }
    this.send({ type: 'leases', leases: granted });
  }

  private renew(refs: LeaseRef[]): void {
    if (this.turnedAway()) return;
    for (const ref of refs) {
      const lease = this.toLease(ref);
      try {
        if (!this.holds(ref)) throw new LeaseLostError(lease);
        this.deps.engine.fleet.renew(lease, Date.now(), this.deps.leaseMs);
        // A cancel that found the agent disconnected is delivered with its next renewal.
        const by = this.deps.cancelledBy(ref.token);
        if (by) this.stopAttempt(ref, by);
      } catch (e) {
        if (!(e instanceof LeaseLostError)) throw e;
        this.deps.judges.end(ref);
        this.send({ type: 'stop', lease: ref, reason: e.message });
      }
    }
  }

  /** The attempt was cancelled here: the agent stops it and reports it cancelled. */
  stopAttempt(ref: LeaseRef, by: string): void {
    this.send({ type: 'stop', lease: ref, reason: `cancelled by ${by}`, cancelled_by: by });
  }

  /** Judged here, answered when decided: the wait (maybe for a person) runs beside the message queue,
   *  so the agent's writes keep flowing meanwhile. A lease this agent does not hold is refused. */
  private judge(msg: Extract<AgentMessage, { type: 'judge' }>): void {
    const ref = msg.lease;
    if (!this.holds(ref)) {
      const why = `the lease on ${ref.run_id}/${ref.task_id}#${ref.attempt} is not held by ${this.agentId} (reclaimed, finished, or never granted)`;
      this.deps.log(`[agents] ${this.label()}: judgment of "${msg.subject.command.slice(0, 80)}" refused: ${why}`);
      this.deps.judges.end(ref);
      this.send({ type: 'verdict', id: msg.id, allowed: false, message: `Refused: ${why}.`, interrupt: true });
      this.send({ type: 'stop', lease: ref, reason: why });
      return;
    }
    // The workdir the agent says its paths are under (real_paths' first), else the call's folder.
    const judge = this.deps.judges.judgeFor(ref, this.agentId!, msg.subject.real_paths?.[0]?.[0] ?? msg.subject.cwd);
    void judge.judge(msg.subject, msg.call_id, msg.agent_reason).then(
      (v) => this.send({ type: 'verdict', id: msg.id, allowed: v.allowed, message: v.message, interrupt: v.interrupt }),
      (e: unknown) => {
        this.deps.log(`[agents] ${this.label()}: judging "${msg.subject.command.slice(0, 80)}" failed: ${(e as Error).message}`);
        this.send({ type: 'verdict', id: msg.id, allowed: false, message: `Refused: the control plane could not judge the call (${(e as Error).message}).`, interrupt: false });
      },
    );
  }

  /** The lease is current and held by this agent (not merely known to it). */
  private holds(ref: LeaseRef): boolean {
    return this.held.get(ref.run_id, ref.task_id, ref.attempt, ref.token, this.agentId!) !== undefined;
  }

  private toLease(ref: LeaseRef): Lease {
    return leaseOf(ref, this.agentId!);
  }

  private ackedSeq(): number {
    return this.acked.get(this.agentId!)?.acked_seq ?? 0;
  }

  private async write(seq: number, ref: LeaseRef, op: WriteOp): Promise<void> {
    if (seq <= this.ackedSeq()) return this.send({ type: 'ack', seq, duplicate: true });
    const lease = this.toLease(ref);
    const refuse = (message: string) => {
      this.deps.log(`[agents] ${this.label()}: write ${seq} (${op.kind}) for ${ref.run_id}/${ref.task_id}#${ref.attempt} refused: ${message}`);
      this.deps.judges.end(ref);
      this.send({ type: 'refused', seq, lease: ref, code: 'lease_lost', message });
    };
    if (!this.holds(ref)) return refuse(`the lease is not held by ${this.agentId} (reclaimed, finished, or never granted)`);
    const fleet = this.deps.engine.fleet;
    const bump = this.bump;
    try {
      if (op.kind === 'starting') {
        fleet.tx(() => {
          fleet.markStarting(lease, op.workdir, op.branch);
          bump.run(seq, this.agentId!, seq);
        });
      } else if (op.kind === 'running') {
        fleet.tx(() => {
          fleet.markRunningOn(lease, { kind: 'agent', agentId: this.agentId!, pid: op.pid });
          bump.run(seq, this.agentId!, seq);
        });
      } else if (op.kind === 'events') {
        const renamed = storeUploadedFiles(this.deps.dataDir, ref, op.files ?? []);
        // Most frames are all progress (thousands of events): copied only when an artifact needs its path.
        const events = op.events.some((e) => e.state === 'artifact') ? op.events.map((e) => (e.state === 'artifact' && typeof e.path === 'string' ? { ...e, path: renamed(e.path) } : e)) : op.events;
        fleet.tx(() => {
          fleet.progress(lease, events);
          bump.run(seq, this.agentId!, seq);
        });
      } else if (op.kind === 'chunk') {
        storeChunk(this.deps.dataDir, ref, op);
        fleet.tx(() => {
          if (!fleet.isCurrent(lease)) throw new LeaseLostError(lease);
          bump.run(seq, this.agentId!, seq);
        });
      } else if (op.kind === 'partial') {
        const expected = partialBranch(ref.run_id, ref.task_id, ref.attempt);
        if (op.result.branch !== expected) throw new UploadRejected(`partial branch "${op.result.branch}" must be ${expected}`);
        await applyResultBranch(this.deps.bundles.workspaceOf(ref.run_id), op.result, 'shoal-partial/');
        this.snapshotted.add(expected);
        fleet.tx(() => {
          if (!fleet.isCurrent(lease)) throw new LeaseLostError(lease);
          bump.run(seq, this.agentId!, seq);
        });
      } else {
        const outcome = op.outcome as AttemptOutcome;
        if (outcome.kind !== 'interrupted' && outcome.kind !== 'unreachable') {
          const renamed = storeUploadedFiles(this.deps.dataDir, ref, []);
          outcome.receipt.artifacts = outcome.receipt.artifacts.map((a) => (typeof a.path === 'string' ? { ...a, path: renamed(a.path) } : a)) as typeof outcome.receipt.artifacts;
        }
        const workspace = this.deps.bundles.workspaceOf(ref.run_id);
        const uploaded = op.branch?.bundle_upload ? uploadedBundle(this.deps.dataDir, ref, op.branch.bundle_upload) : undefined;
        if (op.branch) await applyResultBranch(workspace, op.branch, 'shoal/', uploaded);
        fleet.tx(() => {
          fleet.finish(lease, outcome);
          bump.run(seq, this.agentId!, seq);
        });
        if (uploaded) fs.rmSync(uploaded, { force: true });
        this.deps.judges.end(ref);
        this.deps.engine.nudge();
        // A result supersedes the snapshots; an interrupted attempt's are kept and shown like a lost one's.
        const attempt = { runId: ref.run_id, taskId: ref.task_id, attempt: ref.attempt, workerId: this.agentId! };
        const branch = partialBranch(ref.run_id, ref.task_id, ref.attempt);
        if (outcome.kind === 'interrupted') void keepReclaimedWork(this.deps.store, fleet, attempt).catch((e: unknown) => this.deps.log(`[agents] could not keep partial work: ${(e as Error).message}`));
        else if (this.snapshotted.has(branch)) void dropPartial(workspace, branch);
        this.snapshotted.delete(branch);
      }
    } catch (e) {
      if (e instanceof LeaseLostError) return refuse(e.message);
      const message = (e as Error).message;
      this.deps.log(`[agents] ${this.label()}: write ${seq} (${op.kind}) rejected: ${message}`);
      // The agent stops the attempt and drops its lease on this answer: the attempt ends here too,
      // failed with the cause, so its task retries (or ends) now instead of when the lease lapses,
      // and the agent is not later called stale for a lease it was told to let go.
      this.failRejected(lease, ref, op, message);
      return this.send({ type: 'refused', seq, lease: ref, code: 'upload_rejected', message });
    }
    this.send({ type: 'ack', seq, duplicate: false });
  }

  private failRejected(lease: Lease, ref: LeaseRef, op: WriteOp, message: string): void {
    const exitCode = op.kind === 'finish' && 'exitCode' in op.outcome ? op.outcome.exitCode : null;
    const what = op.kind === 'finish' ? 'result' : op.kind === 'partial' ? 'snapshot of its work' : op.kind === 'chunk' ? 'upload' : 'report';
    try {
      this.deps.engine.fleet.finish(lease, { kind: 'scored', result: 'fail', exitCode, reason: `the agent's ${what} was rejected: ${message}`, receipt: { artifacts: [], score: null } });
    } catch (e) {
      // Already reclaimed or finished: nothing of this attempt is left to end.
      if (!(e instanceof LeaseLostError)) this.deps.log(`[agents] ${this.label()}: could not record the rejected attempt ${lease.runId}/${lease.taskId}#${lease.attempt}: ${(e as Error).message}`);
    }
    this.deps.judges.end(ref);
    this.deps.engine.nudge();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}

function toRef(l: Lease): LeaseRef {
  return { run_id: l.runId, task_id: l.taskId, attempt: l.attempt, token: l.token, inbox_seq: l.queueSeq };
}
