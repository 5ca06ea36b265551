// `shoal agent`: a headless worker on another machine (seed 002). It dials the control plane (so it
// works behind NAT), joins once with a one-time token and reconnects with its own credential,
// heartbeats, claims work that fits it, runs each attempt with the same local driver the control
// plane uses, and sends every record through its durable outbox. On reconnect it drops what the
// control plane acknowledged and replays the rest; when a lease is refused as lost it stops that
// attempt (the seed's claim-conflict rule). Its attempts' tool calls are judged by the control
// plane (agent-gateway.ts): a judgment waits for the verdict, and is sent again after a reconnect.
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { FleetTaskSpec } from '../../../src-shared/protocol/fleet';
import {
  MAX_CHUNKED_FILE_BYTES, MAX_WORKER_FRAME_BYTES, parseControlMessage, WORKER_PROTOCOL_PATH, WORKER_PROTOCOL_VERSION,
  type AgentHostFacts, type AgentMessage, type ControlMessage, type GrantedLease, type LeaseRef, type PolicySubjectFrame, type WriteOp,
} from '../../../src-shared/protocol/worker-protocol';
import { detectCapabilities } from '../fleet/capabilities';
import { refSlug, taskKey } from '../fleet/ids';
import { partialBranch, snapshotWorktree } from '../fleet/partial-work';
import { specGitRemote } from '../fleet/spec/remote-work-fields';
import type { Lease } from '../fleet/lease';
import { parseHostRef, serializeHostRef } from '../hosts/host-ref';
import { superviseAttempt, type AttemptHandle } from '../hosts/attempt-supervisor';
import { LocalDriver } from '../hosts/local-driver';
import { factsToWire } from './agent-host';
import type { RemoteVerdict } from '../gateway/gateway';
import { hashSecret } from './agent-credentials';
import { AgentGateway } from './agent-gateway';
import { AgentOutbox } from './agent-outbox';
import { AgentRepos } from './agent-repos';
import { chunkOps, RemoteAttemptFleet } from './remote-attempt-fleet';

export interface RemoteAgentOptions {
  /** ws://HOST:PORT or wss://HOST:PORT, as `shoal agent-token` prints. */
  url: string;
  token?: string;
  dataDir: string;
  workspaceDir?: string;
  name?: string;
  capabilities?: string[];
  maxTasks?: number;
  /** Extra CA certificate(s) to trust (a self-signed control plane). */
  ca?: Buffer;
  version: string;
  /** A git remote for base commits and result branches when the task's spec names none. */
  gitRemote?: string;
  log: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

const localDriver = new LocalDriver();
/** How long the agent waits for its machine's facts before it joins without them. */
const PROBE_WAIT_MS = 5_000;

/** The name a result bundle too large for one frame is uploaded under (beside the attempt's artifacts). */
const RESULT_BUNDLE = '.shoal-result.bundle';

/** Refusals that no retry can fix: the agent stops with this message. */
const FATAL = new Set(['bad_token', 'token_used', 'token_expired', 'revoked', 'protocol_version']);

interface Running { handle: AttemptHandle; fleet: RemoteAttemptFleet; ref: LeaseRef; repo: string | null; baseCommit: string | null; snapshotting?: boolean }
interface Judging { frame: Extract<AgentMessage, { type: 'judge' }>; settle: (v: RemoteVerdict) => void }

export class RemoteAgent {
  private readonly outbox: AgentOutbox;
  private readonly repos: AgentRepos;
  private ws: WebSocket | null = null;
  private welcomed = false;
  /** Served by this address at least once since this process started. */
  private everWelcomed = false;
  private identity: { agentId: string; credential: string } | null;
  private hostFacts: AgentHostFacts | null = null;
  private lastSent = 0;
  private heartbeatMs = 2_000;
  private leaseMs = 30_000;
  private timer: NodeJS.Timeout | null = null;
  private claimTimer: NodeJS.Timeout | null = null;
  private claiming = false;
  private backoffMs = 250;
  private stopping = false;
  private readonly running = new Map<string, Running>();
  private readonly maxTasks: number;
  private outboxClosed = false;
  private readonly gateway: AgentGateway;
  private nextJudgment = 1;
  private readonly judging = new Map<number, Judging>();
  /** The saved credential was refused (revoked, unknown): join with --token instead, once. */
  private joinIfRefused = false;
  private finished!: (result: { code: number; message: string }) => void;
  /** Settles when the agent stops for good (a fatal refusal, or stop()). */
  readonly done: Promise<{ code: number; message: string }>;

  constructor(private readonly opts: RemoteAgentOptions) {
    this.outbox = new AgentOutbox(opts.dataDir);
    const saved = this.outbox.identity();
    this.identity = saved ? { agentId: saved.agentId, credential: saved.credential } : null;
    // A --token other than the one this data directory joined with is a new join (after a revocation,
    // or for another control plane): the saved credential would be refused, and the token ignored.
    // An identity saved before the token was recorded falls back to the token only when refused.
    if (saved && opts.token) {
      if (saved.tokenSha256 === undefined) this.joinIfRefused = true;
      else if (saved.tokenSha256 !== hashSecret(opts.token)) this.identity = null;
    }
    this.maxTasks = opts.maxTasks ?? Math.max(1, os.cpus().length);
    const httpBase = opts.url.replace(/^ws/, 'http');
    this.repos = new AgentRepos(opts.workspaceDir ?? path.join(opts.dataDir, 'repos'), httpBase, () => `${this.identity?.agentId}:${this.identity?.credential}`, opts.ca, opts.log);
    this.done = new Promise((resolve) => (this.finished = resolve));
    this.gateway = new AgentGateway((ref, callId, subject, reason, signal) => this.judge(ref, callId, subject, reason, signal), opts.version);
  }

  get agentId(): string | null {
    return this.identity?.agentId ?? null;
  }

  start(): void {
    if (!this.identity && !this.opts.token) {
      this.finish(2, `no credential in ${this.opts.dataDir} and no --token: mint a join token with \`shoal agent-token\` on the control plane`);
      return;
    }
    void Promise.allSettled([this.endLeftovers(), this.probeHost()]).finally(() => this.connect());
  }

  /** What this machine has, said in every hello; probed once, as it does not change while the agent
   *  runs. An agent CLI whose `--version` never answers delays joining by PROBE_WAIT_MS at most,
   *  then the agent joins without saying. */
  private async probeHost(): Promise<void> {
    const giveUp = AbortSignal.timeout(PROBE_WAIT_MS);
    const p = await localDriver.probe(giveUp);
    if (giveUp.aborted) {
      this.opts.log(`this machine's facts (git, agent CLIs) were not found within ${PROBE_WAIT_MS / 1000} s; joining without them`);
      return;
    }
    this.hostFacts = factsToWire(p);
  }

  /** This agent was killed (SIGKILL, a crash, power) with attempts running: their detached process
   *  groups outlived it, still working in its worktrees. They end now, before any new work, and each
   *  is reported interrupted so its task retries at once (refused, harmlessly, if already reclaimed). */
  private async endLeftovers(): Promise<void> {
    for (const left of this.outbox.leftProcesses()) {
      const hostRef = parseHostRef(left.hostRef);
      const what = `${left.lease.run_id}/${left.lease.task_id} attempt ${left.lease.attempt}`;
      const ended = hostRef ? await localDriver.reap(hostRef).catch((e: Error) => { this.opts.log(`could not end ${what}: ${e.message}`); return null; }) : 'gone';
      if (ended === null) continue;
      if (ended === 'ended') this.opts.log(`${what} was left running by an earlier run of this agent; ended it`);
      this.write(left.lease, { kind: 'finish', outcome: { kind: 'interrupted', signal: 'agent-restarted' }, branch: null });
      this.outbox.forgetProcess(left.lease);
    }
  }

  private connect(): void {
    if (this.stopping) return;
    const ws = new WebSocket(this.opts.url.replace(/\/+$/, '') + WORKER_PROTOCOL_PATH, { maxPayload: MAX_WORKER_FRAME_BYTES, ...(this.opts.ca ? { ca: this.opts.ca } : {}), handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      const auth = this.identity ? { kind: 'credential' as const, agent_id: this.identity.agentId, credential: this.identity.credential } : { kind: 'join' as const, token: this.opts.token! };
      this.send({
        type: 'hello', protocol: WORKER_PROTOCOL_VERSION, auth, name: this.opts.name ?? os.hostname(), version: this.opts.version,
        hostname: os.hostname(), capabilities: detectCapabilities(this.opts.capabilities ?? []), max_tasks: this.maxTasks,
        ...(this.hostFacts ? { host: this.hostFacts } : {}),
      });
    });
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('error', (e) => {
      // Something answered, but not the upgrade a Shoal listener gives on this path (another server,
      // the UI's port): a wrong address, which no retry fixes — unless this agent was served here before.
      const status = /^Unexpected server response: (\d+)$/.exec(e.message)?.[1];
      if (status === '404' && !this.everWelcomed) {
        this.finish(1, `${this.opts.url} is not a Shoal agents endpoint (it answered HTTP ${status}): give the address \`shoal agent-token\` printed (Agents: … in \`shoal serve\`'s output)`);
        return;
      }
      if (!this.welcomed) this.opts.log(`cannot reach the control plane at ${this.opts.url}: ${e.message}`);
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.welcomed = false;
      this.claiming = false;
      if (this.timer) clearInterval(this.timer);
      if (code === 1009) this.opts.log('the control plane refused a frame over the size limit');
      if (this.stopping) return;
      this.opts.log(`disconnected (${code}${reason.length ? ` ${reason.toString()}` : ''}); reconnecting in ${this.backoffMs} ms`);
      // Not unref'd: while disconnected this timer is what keeps the agent alive.
      setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 5_000);
    });
  }

  private send(msg: AgentMessage): boolean {
    return this.sendText(msg.type, JSON.stringify(msg));
  }

  private sendText(type: AgentMessage['type'], text: string): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return false;
    if (Buffer.byteLength(text) > MAX_WORKER_FRAME_BYTES) {
      this.opts.log(`a ${type} frame of ${Buffer.byteLength(text)} bytes is over the ${MAX_WORKER_FRAME_BYTES}-byte limit; not sent`);
      return false;
    }
    ws.send(text);
    return true;
  }

  private onMessage(text: string): void {
    if (this.outboxClosed) return; // stopped for good: a frame still in flight finds the outbox closed
    const parsed = parseControlMessage(text);
    if (!parsed.ok) {
      this.opts.log(parsed.message);
      if (parsed.code === 'protocol_version') this.finish(1, parsed.message);
      return;
    }
    const msg: ControlMessage = parsed.value;
    switch (msg.type) {
      case 'welcome': return this.onWelcome(msg);
      case 'error':
        this.opts.log(`the control plane refused this agent: ${msg.message}`);
        if (this.joinIfRefused && !this.welcomed && this.identity && (msg.code === 'revoked' || msg.code === 'bad_token')) {
          this.joinIfRefused = false;
          this.identity = null;
          this.opts.log('joining again with the given --token');
          return; // the close that follows reconnects, with the token this time
        }
        if (FATAL.has(msg.code)) this.finish(1, msg.message);
        return;
      case 'leases': return this.onLeases(msg.leases);
      case 'ack':
        this.outbox.remove(msg.seq);
        return;
      case 'refused':
        this.opts.log(`write ${msg.seq ?? '-'} refused (${msg.code}): ${msg.message}`);
        if (msg.seq !== null) this.outbox.remove(msg.seq);
        if (msg.lease) this.loseLease(msg.lease, msg.message);
        return;
      case 'stop':
        if (msg.cancelled_by) this.cancelLease(msg.lease, msg.cancelled_by);
        else this.loseLease(msg.lease, msg.reason);
        return;
      case 'verdict':
        this.judging.get(msg.id)?.settle({ allowed: msg.allowed, message: msg.message, interrupt: msg.interrupt });
        return;
    }
  }

  private onWelcome(msg: Extract<ControlMessage, { type: 'welcome' }>): void {
    if (msg.credential) {
      this.identity = { agentId: msg.agent_id, credential: msg.credential };
      this.outbox.saveIdentity(msg.agent_id, msg.credential, this.opts.url, this.opts.token ? hashSecret(this.opts.token) : null);
      this.opts.log(`joined as ${msg.name} (${msg.agent_id})`);
    } else {
      this.opts.log(`connected as ${msg.name} (${msg.agent_id})`);
    }
    this.welcomed = true;
    this.everWelcomed = true;
    this.backoffMs = 250;
    this.heartbeatMs = msg.heartbeat_ms;
    this.leaseMs = msg.lease_ms;
    // What the control plane applied is done; the rest goes again, in order.
    this.outbox.removeUpTo(msg.acked_seq);
    this.lastSent = msg.acked_seq;
    this.flush();
    // Judgments the last connection did not answer: the same call ids find the same approvals.
    for (const j of this.judging.values()) this.send(j.frame);
    this.heartbeat();
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
    this.claim();
  }

  private heartbeat(): void {
    this.send({ type: 'heartbeat', running: this.running.size });
    // Renewals ride with heartbeats as well as the driver's own, so a lease stays held while its
    // attempt is between records.
    if (this.running.size > 0) this.send({ type: 'renew', leases: [...this.running.values()].filter((r) => !r.fleet.lost).map((r) => r.ref) });
    for (const r of this.running.values()) void this.sendPartial(r);
  }

  /** With each heartbeat, when the attempt's worktree changed, its work so far goes to the control
   *  plane as its partial branch: if this agent is then lost, the task keeps that much. */
  private async sendPartial(r: Running): Promise<void> {
    const dir = r.fleet.workdir;
    if (!dir || !r.repo || !r.baseCommit || r.fleet.lost || r.fleet.completed || r.snapshotting) return;
    r.snapshotting = true;
    try {
      const branch = partialBranch(r.ref.run_id, r.ref.task_id, r.ref.attempt);
      const commit = await snapshotWorktree(dir, branch, r.baseCommit, `shoal: partial work of ${r.ref.task_id} (attempt ${r.ref.attempt})`);
      if (!commit || r.fleet.lost || r.fleet.completed) return;
      const result = await this.repos.resultOf(r.repo, branch, r.baseCommit);
      if (r.fleet.lost || r.fleet.completed) return;
      if (result?.bundle) this.write(r.ref, { kind: 'partial', result: { ...result, bundle: result.bundle } });
      else this.opts.log(`${r.ref.run_id}/${r.ref.task_id}: partial work is too large to send; kept here only`);
    } catch {
      // The worktree is being made or removed right now: the next heartbeat tries again.
    } finally {
      r.snapshotting = false;
    }
  }

  private flush(): void {
    if (!this.welcomed) return;
    for (const e of this.outbox.pendingAfter(this.lastSent)) {
      const text = JSON.stringify({ type: 'write', seq: e.seq, lease: e.lease, op: e.op });
      // A write no frame can carry would wait here forever, and every later one (the attempt's
      // outcome too) behind it: it is dropped, loudly, so the rest still goes.
      if (Buffer.byteLength(text) > MAX_WORKER_FRAME_BYTES) {
        this.opts.log(`write ${e.seq} (${e.op.kind}) for ${e.lease.run_id}/${e.lease.task_id} attempt ${e.lease.attempt} is ${Buffer.byteLength(text)} bytes, over the ${MAX_WORKER_FRAME_BYTES}-byte frame limit: it can never be sent; dropped`);
        this.outbox.remove(e.seq);
        this.lastSent = e.seq;
        continue;
      }
      if (!this.sendText('write', text)) return;
      this.lastSent = e.seq;
    }
  }

  private write(lease: LeaseRef, op: WriteOp): void {
    if (this.outboxClosed) return; // stopped for good: nothing more is recorded
    const { seq, frame } = this.outbox.append(lease, op);
    // Nothing older is waiting to go out: this one goes as stored. Otherwise flush sends in order.
    if (this.welcomed && seq === this.lastSent + 1 && Buffer.byteLength(frame) <= MAX_WORKER_FRAME_BYTES) {
      if (this.sendText('write', frame)) this.lastSent = seq;
      return;
    }
    this.flush();
  }

  private claim(): void {
    if (!this.welcomed || this.claiming || this.stopping) return;
    const free = this.maxTasks - this.running.size;
    if (free <= 0) return;
    this.claiming = this.send({ type: 'claim', max: free });
  }

  /** Nothing to do now: ask again a little later (the control plane does not push work). */
  private claimLater(): void {
    if (this.claimTimer) return;
    this.claimTimer = setTimeout(() => {
      this.claimTimer = null;
      this.claim();
    }, Math.min(1_000, Math.max(100, Math.floor(this.heartbeatMs / 2))));
    this.claimTimer.unref();
  }

  private onLeases(leases: GrantedLease[]): void {
    this.claiming = false;
    for (const g of leases) void this.runLease(g);
    if (leases.length > 0) this.claim();
    else this.claimLater();
  }

  /** Asks the control plane's policy about a call the attempt of `ref` is about to make. */
  private judge(ref: LeaseRef, callId: string, subject: PolicySubjectFrame, agentReason: string | null, signal: AbortSignal): Promise<RemoteVerdict> {
    return new Promise((resolve) => {
      const id = this.nextJudgment++;
      const settle = (v: RemoteVerdict) => {
        if (!this.judging.delete(id)) return;
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onAbort = () => settle({ allowed: false, message: 'Refused: the attempt is stopping.', interrupt: true });
      this.judging.set(id, { frame: { type: 'judge', id, lease: ref, call_id: callId, subject, agent_reason: agentReason }, settle });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (this.welcomed) this.send(this.judging.get(id)!.frame);
    });
  }

  /** Answers the attempt's open judgments with a refusal: it is being stopped. */
  private refuseJudgments(ref: LeaseRef | null, message: string): void {
    for (const j of [...this.judging.values()]) {
      if (!ref || j.frame.lease.token === ref.token) j.settle({ allowed: false, message, interrupt: true });
    }
  }

  /** Cancelled on the control plane: the attempt stops (its process group killed) and reports itself cancelled. */
  private cancelLease(ref: LeaseRef, by: string): void {
    const r = this.running.get(taskKey(ref.run_id, ref.task_id));
    if (!r || r.ref.token !== ref.token || r.fleet.lost) return;
    this.opts.log(`${ref.run_id}/${ref.task_id} attempt ${ref.attempt} cancelled by ${by}; stopping it`);
    this.refuseJudgments(ref, `Aborted by ${by}: the task is cancelled.`);
    r.handle.stop({ kind: 'cancel', by });
  }

  private loseLease(ref: LeaseRef, why: string): void {
    const r = this.running.get(taskKey(ref.run_id, ref.task_id));
    this.outbox.dropLease(ref);
    if (!r || r.ref.token !== ref.token || r.fleet.lost) return;
    r.fleet.lost = why;
    this.refuseJudgments(ref, `Refused: the lease was lost (${why}).`);
    this.opts.log(`lease on ${ref.run_id}/${ref.task_id} attempt ${ref.attempt} lost (${why}); stopping that attempt`);
    r.handle.stop({ kind: 'interrupt', signal: 'lease-lost' });
  }

  private async runLease(g: GrantedLease): Promise<void> {
    const ref = g.lease;
    const lease: Lease = { runId: ref.run_id, taskId: ref.task_id, attempt: ref.attempt, token: ref.token, queueSeq: ref.inbox_seq, workerId: this.agentId ?? '', deadline: g.deadline_ms, grantedAt: Date.now() };
    const spec = g.spec as unknown as FleetTaskSpec;
    let workspace: string | null = null;
    const remote = specGitRemote((spec.metadata ?? {}) as Record<string, unknown>) ?? this.opts.gitRemote ?? null;
    const fleet = new RemoteAttemptFleet(ref, spec, (l, op) => this.write(l, op), (l) => this.send({ type: 'renew', leases: [l] }), this.opts.log, async (outcome) => {
      const resultBranch = `shoal/${refSlug(ref.run_id)}/${refSlug(ref.task_id)}`;
      if (workspace && remote && outcome.kind !== 'interrupted') await this.repos.push(workspace, remote, resultBranch).catch((e: Error) => this.opts.log(`${ref.run_id}/${ref.task_id}: could not push ${resultBranch} to ${remote}: ${e.message}`));
      const result = workspace && g.base ? await this.repos.resultOf(workspace, resultBranch, g.base.commit).catch(() => null) : null;
      let branch: Extract<WriteOp, { kind: 'finish' }>['branch'] = null;
      if (result?.large) {
        // Too large for one frame: its pieces go first, each a durable write, and the finish names them.
        const pieces = chunkOps(RESULT_BUNDLE, result.large);
        for (const op of pieces) this.write(ref, op);
        branch = { branch: result.branch, base_commit: result.base_commit, bundle: null, bundle_upload: { name: RESULT_BUNDLE, sha256: pieces[0]!.sha256 } };
      } else if (result) {
        branch = { branch: result.branch, base_commit: result.base_commit, bundle: result.bundle };
      } else if (workspace && g.base && outcome.kind !== 'interrupted') {
        this.opts.log(`${ref.run_id}/${ref.task_id}: the result branch ${resultBranch} could not be bundled (or is over ${MAX_CHUNKED_FILE_BYTES} bytes); not sent`);
      }
      this.write(ref, { kind: 'finish', outcome: outcome as Extract<WriteOp, { kind: 'finish' }>['outcome'], branch });
    }, (hostRef) => {
      if (!this.outboxClosed) this.outbox.keepProcess(ref, serializeHostRef(hostRef));
    });
    const key = taskKey(ref.run_id, ref.task_id);
    const placeholder: Running = { handle: { lease, done: Promise.resolve(), stop: () => undefined }, fleet, ref, repo: null, baseCommit: null };
    this.running.set(key, placeholder);
    try {
      if (g.base) workspace = await this.repos.prepare(ref.run_id, g.base, remote);
      if (workspace && g.partial) await this.repos.addPartial(workspace, g.partial);
      // Stopped (or refused for good) while the workspace was prepared: start nothing that would outlive us.
      if (this.stopping) {
        this.running.delete(key);
        return;
      }
    } catch (e) {
      this.opts.log(`${ref.run_id}/${ref.task_id}: could not get the base commit: ${(e as Error).message}`);
      this.write(ref, { kind: 'finish', outcome: { kind: 'scored', result: 'fail', exitCode: null, reason: `agent could not get the base commit: ${(e as Error).message}`, receipt: { artifacts: [], score: null } }, branch: null });
      this.running.delete(key);
      this.claim();
      return;
    }
    // The same supervisor and local host driver as an attempt on the control plane itself.
    const handle = superviseAttempt(lease, {
      ops: fleet, driver: localDriver, dataDir: this.opts.dataDir, workspace, leaseMs: this.leaseMs, heartbeatMs: this.heartbeatMs,
      killGraceMs: 2_000, env: this.opts.env ?? process.env, worktreeCleanup: 'on_success', gateway: this.gateway.forLease(ref),
    });
    this.running.set(key, { handle, fleet, ref, repo: workspace, baseCommit: g.base?.commit ?? null });
    await handle.done;
    if (!this.outboxClosed) this.outbox.forgetProcess(ref);
    if (this.running.get(key)?.handle === handle) this.running.delete(key);
    this.claim();
  }

  /** Interrupts running attempts (recorded as interrupted so their tasks retry) and disconnects. */
  async stop(): Promise<void> {
    // Already stopped for good (a fatal refusal): the outbox is closed, nothing is left to do.
    if (this.outboxClosed) return;
    this.stopping = true;
    const all = [...this.running.values()];
    for (const r of all) r.handle.stop({ kind: 'interrupt', signal: 'SIGTERM' });
    await Promise.all(all.map((r) => r.handle.done));
    // Give the final writes a moment to be acknowledged; what is not stays in the outbox.
    const until = Date.now() + 2_000;
    while (!this.outboxClosed && this.outbox.count() > 0 && this.welcomed && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    this.finish(0, 'stopped');
  }

  private finish(code: number, message: string): void {
    if (this.outboxClosed) return; // finished already (a fatal refusal while stop() waited)
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.claimTimer) clearTimeout(this.claimTimer);
    this.ws?.close(1000, 'agent stopping');
    this.outboxClosed = true;
    this.outbox.close();
    this.refuseJudgments(null, 'Refused: the agent is stopping.');
    void this.gateway.close();
    // A fatal refusal (revoked while busy) leaves attempts running: their process groups are detached,
    // so they would outlive this process. They stop here; the control plane reclaims their leases.
    const left = [...this.running.values()];
    for (const r of left) {
      r.fleet.lost ??= message;
      r.handle.stop({ kind: 'interrupt', signal: 'SIGTERM' });
    }
    void Promise.all(left.map((r) => r.handle.done.catch(() => undefined))).then(() => this.finished({ code, message }));
  }
}

