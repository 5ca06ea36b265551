// The tool gateway (core.tools): the one door every tool call goes through. For
// each call: judge the call against the exec policy (precheck), refuse it,
// or persist an ExecApprovalRequest and wait for a person, then dispatch it and report completed or
// failed. Every step is a lifecycle event: a task's go to its timeline as `running_tool` events
// (phase and details in `extra`), a thread's to the caller's onLifecycle hook.
// Fleet agents reach it over MCP (mcp-http.ts); threads call invoke() directly.
import crypto from 'node:crypto';
import path from 'node:path';
import { quote } from 'shell-quote';
import { BASE_ENV_ALLOWLIST, GATEWAY_SERVER_NAME } from '../fleet/agents/launch';
import { PathEscapeError } from '../fleet/artifacts';
import type { EventPayload } from '../fleet/event-log';
import { isAlive } from '../fleet/process-tree';
import type { EventBus } from '../bus';
import type { Store } from '../store/open';
import { DEFAULT_RULES } from '../policy/defaults';
import { evaluateForRun } from '../policy/evaluate';
import { realPathIn, type RealPath } from '../policy/real-path';
import { realPathThere, type ResolvePaths } from '../policy/real-path-there';
import { readTaskPolicy, type TaskPolicy } from '../policy/task-policy';
import type { ApprovalRecord, ApprovalStore, FinalState } from '../approvals/approval-store';
import type { PolicySettings } from '../approvals/policy-settings';
import type { ExecApprovalRequest, PolicyDecision, ReviewDecision } from '../../../src-shared/contract/methods/policy';
import type { ToolCallOutcome, ToolCallRequest, ToolDescriptor, ToolGateway, ToolLifecycleEvent, ToolProvider, ToolScope } from '../tools/tool-gateway';
import { BUILTIN_DESCRIPTORS, BUILTIN_NAMES, prepareBuiltin, ToolInputError, type PreparedCall } from './builtin-tools';
import { APPROVAL_TOOL, APPROVAL_TOOL_DESCRIPTOR, SHELL_RESULT_TOOL, subjectOf } from './claude-permission';
import { GatewayHttpServer, type McpCallResult, type PreToolUseAnswer, type PreToolUseInput } from './mcp-http';
import { ProcessRegistry } from './process-registry';
import { ALLOWED_MESSAGE, alreadyRecorded, RecordedCalls } from './recorded-calls';
import { isIn, LIVE_ATTEMPT_STATES } from '../../../src-shared/protocol/event-states';

type TaskScope = Extract<ToolScope, { kind: 'task' }>;

export interface GatewayDeps {
  store: Store;
  bus: EventBus | null;
  approvals: ApprovalStore;
  policy: PolicySettings;
  /** Ends a task whose approval a person aborted (the engine's cancelTask). */
  cancelTask(runId: string, taskId: string, by: string): boolean;
  env: NodeJS.ProcessEnv;
  killGraceMs?: number;
  version?: string;
  /** How long a request whose agent's connection dropped stays pending for that agent to ask
   *  again (tests shorten it); APPROVAL_RECONNECT_GRACE_MS unless set. */
  reconnectGraceMs?: number;
}

/** A connection that drops while its call waits for a person does not end the request: for this
 *  long the same call (same attempt or thread, same call id) may ask again and be answered by it —
 *  an SSH reverse forward that comes back, a client that retries a cut HTTP request. Only when
 *  nobody asks again in time is the request expired. The attempt ending still expires it at once. */
export const APPROVAL_RECONNECT_GRACE_MS = 30_000;

/** What run-attempt hands the gateway for one attempt. */
export interface AttemptBinding {
  scope: TaskScope;
  metadata: Record<string, unknown>;
  /** The agent's environment; commands the gateway runs for it get the same. */
  env: Record<string, string>;
  /** Appends events to the attempt's timeline (fenced by its lease). */
  record(events: EventPayload[]): void;
  /** The attempt's agent runs on another host (an SSH or Docker worker): the gateway's own shell and
   *  file tools, which would act on this computer, are not offered to it. Where its paths land is
   *  asked of that host (AttemptSession.workdirThere). */
  remoteFiles?: boolean;
}

/** A call's policy subject with the directory it runs in (on whichever machine runs it). */
export interface JudgedSubject {
  tool: string; command: string; cwd: string; path?: string; folder?: boolean; diff: string | null;
  /** A remote agent's: where the paths the call names really land on its machine (the workdir first). */
  real_paths?: ReadonlyArray<readonly [string, string]>;
}
export interface RemoteVerdict { allowed: boolean; message: string; interrupt: boolean }

/** One remote attempt's judge on the control plane (see bindRemote). */
export interface RemoteAttemptJudge {
  judge(subject: JudgedSubject, callId: string, agentReason: string | null, signal?: AbortSignal): Promise<RemoteVerdict>;
  /** The attempt is over (finished, cancelled, reclaimed): pending requests expire. */
  close(): void;
}

export interface AttemptSession {
  /** The MCP endpoint for this attempt (Streamable HTTP on 127.0.0.1, secret in the path). */
  url: string;
  /** Stops every command the gateway runs for this attempt (cancel, timeout). */
  stopCommands(): void;
  /** The attempt is over: pending requests expire, commands stop, the endpoint closes. */
  close(): void;
  /** Where the attempt's workdir is on the host that runs its agent, when that host names it
   *  otherwise (an SSH host's folder, a copy in a container on another machine): the agent's calls
   *  name paths there, and the path rules take them as under the workdir and judge where they
   *  really land there (`resolve` asks that host). */
  workdirThere(dir: string, resolve?: ResolvePaths): void;
}

interface Bound extends AttemptBinding {
  key: string;
  /** Where the attempt's paths really land (its files are here): made once, on its first judged path. */
  realPath?: RealPath;
  /** The workdir as the agent's host names it, when not this computer's path (workdirThere). */
  hostWorkdir?: string;
  /** Follows paths on the agent's host, when its files are there (workdirThere). */
  resolveThere?: ResolvePaths;
  secret: string;
  policy: { ok: true; policy: TaskPolicy } | { ok: false; issues: string[] };
  stop: AbortController;
}

type Authorization =
  | { allowed: true; approvalId: string | null }
  | { allowed: false; outcome: Extract<ToolCallOutcome, { status: 'denied' | 'aborted' }> }
  /** The policy asks, and the caller will put the question again through the permission prompt tool. */
  | { allowed: 'ask'; reason: string };

/** Which door a call the agent runs itself came through: Claude's PreToolUse hook, or its permission
 *  prompt tool (also the Codex bridge's, the shell client's and a remote agent's door). */
export type CallerDoor = 'hook' | 'permission_prompt';

interface CallCtx {
  tool: string;
  callId: string;
  scope: ToolScope;
  bound: Bound | null;
  agentReason: string | null;
  door?: CallerDoor;
  onLifecycle?: (e: ToolLifecycleEvent) => void;
  /** A remote agent's call, which it may ask again: what its timeline holds is not recorded twice. */
  remote?: true;
  /** Where the remote agent said the call's paths land on its machine (JudgedSubject.real_paths). */
  landed?: ReadonlyArray<readonly [string, string]>;
  /** The caller's connection, for a call that names its own call id (so it can ask again): its
   *  close detaches the caller from the wait instead of ending it (see APPROVAL_RECONNECT_GRACE_MS). */
  connection?: AbortSignal;
}

/** One call's wait for a person, shared by every connection that asks about that call. */
interface CallWait {
  command: string;
  approvalId: string;
  /** Connections waiting for the answer now. */
  attached: number;
  settled: boolean;
  result: Promise<Authorization>;
  /** Runs while nobody is attached: expires the request when it ends. */
  grace: NodeJS.Timeout | null;
  /** After the answer: how long a caller that did not hear it may still ask for it. */
  keep: NodeJS.Timeout | null;
}

/** What a caller whose connection dropped gets: nobody hears it; nothing is recorded for it. */
const DETACHED: Authorization = { allowed: false, outcome: { status: 'denied', output: 'Not answered: the connection to the gateway dropped before a decision; ask again with the same call id.', matchedRule: null } };

/** One call of one attempt or thread (its scopeKey), in the maps that follow a call across doors
 *  and connections; every key of a scope starts with callKey(scope, ''). */
function callKey(scope: string, callId: string): string {
  return `${scope}\u0000${callId}`;
}

/** The attempt's workdir as its agent names it: the path rules are about the files under it. */
function agentWorkdir(bound: Bound): string {
  return bound.hostWorkdir ?? bound.scope.workdir;
}

/** Judges a call with its paths also taken where they really land (`ln -s secrets s`, then a read
 *  of s/key, is a read of secrets/key), wherever the attempt's files are: here (this computer, or a
 *  container that mounts the worktree at its own path), on the agent's host, which is asked once
 *  for every path the rules would follow — found by judging the call as written first — or on a
 *  remote agent's machine, which said where with the call (an agent from before it did so is
 *  judged as written). */
async function judgeWhereFilesAre(ctx: CallCtx, judge: (realPath: RealPath | undefined) => PolicyDecision): Promise<PolicyDecision> {
  const bound = ctx.bound;
  if (!ctx.remote && !bound?.hostWorkdir) return judge(bound ? (bound.realPath ??= realPathIn(ctx.scope.workdir)) : realPathIn(ctx.scope.workdir));
  const there = ctx.remote ? (ctx.landed && bound ? saidByAgent(ctx.landed) : null) : bound?.resolveThere ?? null;
  if (!there || !bound) return judge(undefined);
  const asked = new Set<string>();
  const asWritten = judge((abs) => void asked.add(abs));
  if (asked.size === 0) return asWritten;
  try {
    return judge(await realPathThere(there, agentWorkdir(bound), [...asked]));
  } catch (e) {
    // Not knowing where a path lands never makes a call pass that a person could have been asked about.
    if (asWritten.action !== 'allow') return asWritten;
    const paths = [...asked].map((p) => `"${p}"`).join(', ');
    return { ...asWritten, action: 'ask', reason: `Shoal could not tell where ${paths} really ${asked.size === 1 ? 'lands' : 'land'} on the agent's host (${(e as Error).message}), so the path rules cannot be checked; a person decides.` };
  }
}

/** Where a remote agent said the paths of its call land, as a resolver that knows only those. */
function saidByAgent(landed: ReadonlyArray<readonly [string, string]>): ResolvePaths {
  const said = new Map(landed.map(([p, real]) => [path.posix.resolve(p), real]));
  return async (paths) => paths.map((p) => {
    const real = said.get(p);
    if (real === undefined) throw new Error(`the agent did not say where "${p}" lands`);
    return real;
  });
}

export function scopeKey(scope: ToolScope): string {
  return scope.kind === 'task' ? `task:${scope.runId}/${scope.taskId}#${scope.attempt}` : `thread:${scope.threadId}`;
}

export class ShoalToolGateway implements ToolGateway {
  private readonly providers = new Map<string, ToolProvider>();
  private readonly attempts = new Map<string, Bound>();
  private readonly bySecret = new Map<string, Bound>();
  /** approved_for_session: per task attempt or thread, the (tool, command) pairs a person allowed. */
  private readonly sessionAllowed = new Map<string, Set<string>>();
  private readonly waiting = new Set<string>();
  /** Calls the PreToolUse hook answered "ask": their precheck is in the timeline already, and the
   *  permission prompt tool, asked next under the same tool_use_id, does the waiting. */
  private readonly deferred = new Set<string>();
  /** Calls waiting for a person (and, for a grace, those just answered), by scope and call id. */
  private readonly calls = new Map<string, CallWait>();
  /** Where Claude's shell was when its hook deferred a Bash call: the prompt tool's question, which
   *  does not say, is judged from there too. */
  private readonly deferredCwd = new Map<string, string>();
  private readonly processes: ProcessRegistry;
  private readonly http: GatewayHttpServer;
  private readonly workspaceOf;
  private readonly recordedCalls: RecordedCalls;
  private readonly remoteAttempt;
  private readonly sessionGrants;

  constructor(private readonly deps: GatewayDeps) {
    this.processes = new ProcessRegistry(deps.store);
    this.http = new GatewayHttpServer((secret) => {
      const bound = this.bySecret.get(secret);
      return bound ? {
        listTools: () => this.mcpTools(bound),
        callTool: (name, args, extra) => this.mcpCall(bound, name, args, extra),
        // A permission-prompt call that names its call asks again after a cut (see mcpCall), so its
        // client may resume the cut stream and be answered by the same wait.
        resumable: (name, args) => name === APPROVAL_TOOL && stringArg(args, 'tool_use_id') !== null,
        preToolUse: (input, signal) => this.preToolUse(bound, input, signal),
      } : null;
    }, deps.version ?? '0.1.0');
    this.workspaceOf = deps.store.db.prepare<[string], { workspace: string | null }>('SELECT workspace FROM runs WHERE id = ?');
    this.recordedCalls = new RecordedCalls(deps.store);
    this.sessionGrants = deps.store.db.prepare<[string, string, number], { tool: string; request: string }>(
      `SELECT tool, request FROM approvals WHERE run_id = ? AND task_id = ? AND attempt = ? AND decision = 'approved_for_session'
       AND status IN ('approved', 'timed_out') AND tool IS NOT NULL`);
    this.remoteAttempt = deps.store.db.prepare<[string, string, number], { state: string }>(
      'SELECT a.state FROM attempts a JOIN remote_agents r ON r.id = a.worker_id WHERE a.run_id = ? AND a.task_id = ? AND a.attempt = ?');
  }

  /** After a crash: end commands whose Shoal process is gone, close requests nobody can answer. */
  start(): { processes: number; expired: number } {
    const processes = this.processes.recover();
    const expired = this.sweep();
    if (expired > 0) this.deps.bus?.invalidate('approvals');
    return { processes, expired };
  }

  /** Expires pending requests whose agent is gone (its process died, or its attempt ended). */
  sweep(): number {
    const active = this.deps.store.db.prepare<[string, string, number], { state: string }>('SELECT state FROM attempts WHERE run_id = ? AND task_id = ? AND attempt = ?');
    return this.deps.approvals.sweep((r) => {
      if (r.ownerPid === process.pid) return !this.waiting.has(r.id);
      // A remote agent's request outlives the control plane that asked it: the agent, still holding
      // its lease, asks again under the same call id when it reconnects, and is answered by this
      // request — one question for one call. If it never comes back its lease runs out, the
      // attempt ends, and the request expires then.
      if (r.runId && r.taskId && r.attempt !== null) {
        const remote = this.remoteAttempt.get(r.runId, r.taskId, r.attempt);
        if (remote) return !isIn(LIVE_ATTEMPT_STATES, remote.state);
      }
      if (!r.ownerPid || !isAlive(r.ownerPid)) return true;
      if (r.runId && r.taskId && r.attempt !== null) {
        const a = active.get(r.runId, r.taskId, r.attempt);
        return !a || !isIn(LIVE_ATTEMPT_STATES, a.state);
      }
      return false;
    });
  }

  async close(): Promise<void> {
    for (const b of [...this.attempts.values()]) this.closeAttempt(b);
    this.processes.signalAll('SIGKILL');
    await this.http.close();
  }

  listTools(scope: ToolScope): ToolDescriptor[] {
    void scope;
    return [...BUILTIN_DESCRIPTORS, ...[...this.providers.values()].flatMap((p) => p.listTools())];
  }

  registerProvider(provider: ToolProvider): () => void {
    this.providers.set(provider.id, provider);
    return () => {
      if (this.providers.get(provider.id) === provider) this.providers.delete(provider.id);
    };
  }

  /** Binds an attempt: its policy, its timeline, and an MCP endpoint its agent is given. */
  async openAttempt(binding: AttemptBinding): Promise<AttemptSession> {
    const bound: Bound = { ...binding, key: scopeKey(binding.scope), secret: crypto.randomBytes(24).toString('hex'), policy: readTaskPolicy(binding.metadata), stop: new AbortController() };
    this.attempts.set(bound.key, bound);
    this.bySecret.set(bound.secret, bound);
    const url = await this.http.urlFor(bound.secret);
    return {
      url,
      stopCommands: () => {
        bound.stop.abort();
        this.processes.signalScope(bound.key, 'SIGTERM');
      },
      close: () => this.closeAttempt(bound),
      workdirThere: (dir, resolve) => {
        bound.hostWorkdir = dir;
        if (resolve) bound.resolveThere = resolve;
      },
    };
  }

  async invoke(request: ToolCallRequest, signal?: AbortSignal): Promise<ToolCallOutcome> {
    const bound = request.scope.kind === 'task' ? this.attempts.get(scopeKey(request.scope)) ?? null : null;
    if (request.scope.kind === 'task' && !bound) {
      return { status: 'failed', output: `Task ${request.scope.taskId} (attempt ${request.scope.attempt}) is not running in this Shoal process.` };
    }
    const ctx: CallCtx = { tool: request.tool, callId: request.callId, scope: request.scope, bound, agentReason: request.reason ?? stringArg(request.arguments, 'reason'), onLifecycle: request.onLifecycle };
    let prepared: PreparedCall;
    try {
      prepared = this.prepare(request.tool, request.arguments, request.scope.workdir);
    } catch (e) {
      if (e instanceof ToolInputError || e instanceof PathEscapeError) return { status: 'failed', output: `${request.tool}: ${e.message}` };
      throw e;
    }
    const stop = anySignal([signal, bound?.stop.signal]);
    const auth = await this.authorize(ctx, prepared, stop);
    if (auth.allowed === 'ask') throw new Error('invoke() waits for asks; it never defers them');
    if (!auth.allowed) return auth.outcome;
    this.emit(ctx, { kind: 'tool', phase: 'dispatching', tool: ctx.tool, callId: ctx.callId, detail: { call_id: ctx.callId, execution_kind: executionKind(ctx.tool) } });
    let result: { ok: boolean; output: string; exitCode?: number };
    try {
      result = await prepared.run({
        env: bound?.env ?? threadEnv(this.deps.env, request.scope.workdir), signal: stop, onOutput: request.onOutput,
        track: (pid) => this.processes.track(scopeKey(request.scope), pid), killGraceMs: this.deps.killGraceMs ?? 2000,
      });
    } catch (e) {
      result = { ok: false, output: `${request.tool} failed: ${(e as Error).message}` };
    }
    const exit = result.exitCode !== undefined ? { exit_code: result.exitCode } : {};
    this.emit(ctx, { kind: 'tool', phase: result.ok ? 'completed' : 'failed', tool: ctx.tool, callId: ctx.callId, detail: { ok: result.ok, ...exit, ...(result.ok ? {} : { error: result.output.slice(-500) }) } });
    return { status: result.ok ? 'completed' : 'failed', output: result.output, ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}) };
  }

  /** The policy's verdict on a call the caller will run itself (Claude Code's own tools, the shell
   *  client). Same precheck, approval and lifecycle as invoke(), without the dispatch. */
  async authorizeForCaller(bound: Bound, toolName: string, input: Record<string, unknown>, callId: string, signal?: AbortSignal, door: CallerDoor = 'permission_prompt',
    opts: { connection?: AbortSignal; shellCwd?: string | undefined } = {}): Promise<CallerVerdict> {
    const key = callKey(bound.key, callId);
    const cwd = opts.shellCwd ?? (door === 'permission_prompt' ? this.deferredCwd.get(key) : undefined);
    this.deferredCwd.delete(key);
    const workdir = agentWorkdir(bound);
    const subject = subjectOf(toolName, input, workdir, cwd);
    if (!subject) return { behavior: 'allow', updatedInput: input };
    const verdict = await this.judgeSubject(bound, { ...subject, cwd: subject.cwd ?? workdir }, callId, stringArg(input, 'description') ?? stringArg(input, 'reason'), signal, door, false, opts.connection);
    if (verdict.ask !== undefined) {
      if (cwd !== undefined) this.deferredCwd.set(key, cwd);
      return { behavior: 'ask', reason: verdict.ask };
    }
    return verdict.allowed ? { behavior: 'allow', updatedInput: input } : { behavior: 'deny', message: verdict.message, ...(verdict.interrupt ? { interrupt: true } : {}) };
  }

  /** Precheck, approval and lifecycle for a call described by its subject, which the caller runs.
   *  Only Claude's PreToolUse hook (door 'hook') may get "ask" back: its prompt tool then waits. */
  private async judgeSubject(bound: Bound, subject: JudgedSubject, callId: string, agentReason: string | null, signal?: AbortSignal,
    door: CallerDoor = 'permission_prompt', remote = false, connection?: AbortSignal): Promise<RemoteVerdict & { ask?: string }> {
    const ctx: CallCtx = {
      tool: subject.tool, callId, scope: bound.scope, bound, agentReason, door, ...(remote ? { remote: true as const } : {}), ...(connection ? { connection } : {}),
      ...(subject.real_paths ? { landed: subject.real_paths } : {}),
    };
    const prepared = { command: subject.command, cwd: subject.cwd, ...(subject.path !== undefined ? { path: subject.path } : {}), ...(subject.folder ? { folder: true } : {}), diff: subject.diff };
    const auth = await this.authorize(ctx, prepared, anySignal([signal, bound.stop.signal]));
    if (auth.allowed === 'ask') return { allowed: false, message: auth.reason, interrupt: false, ask: auth.reason };
    if (!auth.allowed) return { allowed: false, message: auth.outcome.output, interrupt: auth.outcome.status === 'aborted' };
    // Allowed, but the caller is gone: it asks again and is answered then; its dispatch is recorded once, then.
    if (ctx.connection?.aborted) return { allowed: false, message: 'Not answered: the connection to the gateway dropped.', interrupt: false };
    this.emit(ctx, agentDispatching(ctx.tool, callId));
    return { allowed: true, message: ALLOWED_MESSAGE, interrupt: false };
  }

  /** A remote agent's judgment. The agent sends it again, with the same call id, whenever the
   *  verdict may not have reached it (a dropped connection, this control plane killed and
   *  restarted): a call with a verdict in its timeline gets that verdict again and nothing is
   *  recorded; one still waiting goes on waiting for the same approval request, and none of its
   *  steps is recorded twice (see emit). */
  private judgeRemote(bound: Bound, subject: JudgedSubject, callId: string, agentReason: string | null, signal?: AbortSignal): Promise<RemoteVerdict> {
    const scope = bound.scope as TaskScope;
    const { verdict } = this.recordedCalls.of(scope.runId, scope.taskId, scope.attempt, callId);
    if (verdict) {
      const ctx: CallCtx = { tool: subject.tool, callId, scope, bound, agentReason, remote: true };
      // Approved, but stopped before its dispatch was written (two writes): the dispatch, once.
      if (verdict.allowed) this.emit(ctx, agentDispatching(ctx.tool, callId));
      return Promise.resolve(verdict);
    }
    return this.judgeSubject(bound, subject, callId, agentReason, signal, 'permission_prompt', true);
  }

  /** Binds an attempt that runs on a remote agent: its calls arrive as subjects over the worker
   *  protocol and are judged here, with this control plane's policy and approvals, exactly as a
   *  local attempt's. No endpoint: the agent's own gateway is the one its agent talks to. */
  bindRemote(binding: AttemptBinding): RemoteAttemptJudge {
    const bound: Bound = { ...binding, key: scopeKey(binding.scope), secret: '', policy: readTaskPolicy(binding.metadata), stop: new AbortController() };
    const previous = this.attempts.get(bound.key);
    if (previous) this.closeAttempt(previous);
    this.attempts.set(bound.key, bound);
    // The attempt outlives its connection and this control plane: what a person approved for its
    // session before it reconnected (or before a restart) still holds.
    const { runId, taskId, attempt } = binding.scope;
    const granted = this.sessionGrants.all(runId, taskId, attempt).map((g) => sessionEntry(g.tool, (JSON.parse(g.request) as { command: string }).command));
    if (granted.length > 0) this.sessionAllowed.set(bound.key, new Set(granted));
    return {
      judge: (subject, callId, agentReason, signal) => this.judgeRemote(bound, subject, callId, agentReason, signal),
      close: () => this.closeAttempt(bound),
    };
  }

  /** Claude Code's PreToolUse hook: every call Claude is about to make, also those it would never
   *  ask about (its read-only tools, `cat`), is judged here. An ask is answered "ask": Claude then
   *  puts the same call to its permission prompt tool, which waits for the person. The gateway's
   *  own MCP tools are let through: invoke() judges them when they are called. */
  private async preToolUse(bound: Bound, input: PreToolUseInput, signal: AbortSignal): Promise<PreToolUseAnswer> {
    const answer = (permissionDecision: 'allow' | 'deny', reason?: string): PreToolUseAnswer => ({
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision, ...(reason ? { permissionDecisionReason: reason } : {}) },
    });
    if (input.tool_name.startsWith(`mcp__${GATEWAY_SERVER_NAME}__`)) return answer('allow', 'judged by the gateway when called');
    const callId = input.tool_use_id ?? `call-${crypto.randomUUID()}`;
    const verdict = await this.authorizeForCaller(bound, input.tool_name, input.tool_input, callId, signal, input.tool_use_id ? 'hook' : 'permission_prompt', { shellCwd: input.cwd });
    if (verdict.behavior === 'ask') return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'ask', permissionDecisionReason: verdict.reason } };
    return verdict.behavior === 'allow' ? answer('allow', "allowed by Shoal's exec policy") : answer('deny', verdict.message);
  }

  // ── the policy and approval flow ─────────────────────────────────────────────────────────────

  private async authorize(ctx: CallCtx, call: Pick<PreparedCall, 'command' | 'cwd' | 'path' | 'paths' | 'diff'> & { folder?: boolean }, signal: AbortSignal | undefined): Promise<Authorization> {
    const options = this.deps.policy.options();
    const taskPolicy = ctx.bound?.policy;
    if (taskPolicy && !taskPolicy.ok) {
      const output = `Refused: the task's policy is malformed (${taskPolicy.issues.join('; ')}). Fix metadata.policy in the spec.`;
      this.emit(ctx, { kind: 'approval', phase: 'denied', tool: ctx.tool, callId: ctx.callId, approvalId: null, reason: output, detail: { command: call.command } });
      return { allowed: false, outcome: { status: 'denied', output, matchedRule: null } };
    }
    const runPolicy = taskPolicy?.ok ? taskPolicy.policy : { rules: [] };
    const workspace = ctx.scope.kind === 'task' ? this.workspaceOf.get(ctx.scope.runId)?.workspace ?? null : ctx.scope.workdir;
    // The run's rules and mode only ever tighten the person's (see evaluateForRun).
    const decision = await judgeWhereFilesAre(ctx, (realPath) => evaluateForRun({
      tool: ctx.tool, command: call.command, cwd: call.cwd, workspace, ...(call.path !== undefined ? { path: call.path } : {}), ...(call.paths ? { paths: call.paths } : {}),
      // Relative path rules are about the workdir, also for a command run in a folder inside it.
      ...(call.folder ? { folder: true } : {}), root: ctx.bound ? agentWorkdir(ctx.bound) : ctx.scope.workdir, ...(realPath ? { realPath } : {}),
    }, { rules: this.deps.policy.rules(), mode: options.mode }, { rules: runPolicy.rules, ...(runPolicy.mode ? { mode: runPolicy.mode } : {}) }, DEFAULT_RULES));
    const deferredKey = callKey(scopeKey(ctx.scope), ctx.callId);
    // The same call asking again (its connection dropped while it waited): the wait it started goes
    // on, and this caller is answered by it. Its precheck and request are in the timeline already.
    const waiting = ctx.door === 'hook' ? undefined : this.calls.get(deferredKey);
    if (waiting && waiting.command === call.command) return this.attach(waiting, ctx.connection);
    // The hook already recorded this call's precheck and handed the question on to the prompt tool.
    const alreadyPrechecked = ctx.door === 'permission_prompt' && this.deferred.delete(deferredKey);
    if (!alreadyPrechecked) this.emit(ctx, { kind: 'tool', phase: 'precheck', tool: ctx.tool, callId: ctx.callId, detail: precheckPayload(decision, call.command, call.cwd, ctx.tool) });

    if (decision.action === 'deny') {
      const output = `Refused by Shoal's exec policy: ${decision.reason}`;
      this.emit(ctx, { kind: 'approval', phase: 'denied', tool: ctx.tool, callId: ctx.callId, approvalId: null, reason: decision.reason, detail: { matched_rule: decision.matchedRule, command: call.command } });
      return { allowed: false, outcome: { status: 'denied', output, matchedRule: decision.matchedRule } };
    }
    if (decision.action === 'allow') return { allowed: true, approvalId: null };

    const skey = scopeKey(ctx.scope);
    if (this.sessionAllowed.get(skey)?.has(sessionEntry(ctx.tool, call.command))) {
      this.emit(ctx, { kind: 'approval', phase: 'approved', tool: ctx.tool, callId: ctx.callId, approvalId: null, reason: 'approved for this session earlier', detail: { decision: 'approved_for_session', command: call.command } });
      return { allowed: true, approvalId: null };
    }

    // Claude waits on its permission prompt tool (one MCP call per question), not on a hook whose
    // answer can only be allow or deny; the hook says "ask" and Claude asks that tool next.
    if (ctx.door === 'hook') {
      this.deferred.add(deferredKey);
      return { allowed: 'ask', reason: decision.reason };
    }
    const sameCall = (r: ApprovalRecord) => sameScope(r, ctx.scope) && r.request.command === call.command;
    // A remote agent's call asked again: a person may have decided its request while nobody waited
    // for the answer (this control plane was down, or the agent away). That decision is the answer.
    const decided = ctx.remote ? this.deps.approvals.decidedFor(ctx.callId, sameCall) : null;
    if (decided) return this.applyDecision(ctx, decided, this.deps.approvals.finalState(decided.id)!, call.command, decision);
    const record = this.deps.approvals.pendingFor(ctx.callId, sameCall) ?? this.createRequest(ctx, call, decision);
    this.emit(ctx, {
      kind: 'approval', phase: 'requested', tool: ctx.tool, callId: ctx.callId, approvalId: record.id, reason: record.request.reason,
      detail: {
        approval_id: record.id, command: record.request.command, cwd: record.request.cwd, matched_rule: record.request.matched_rule, available_decisions: record.request.available_decisions,
        ...(ctx.door ? { asked_through: ctx.door } : {}),
      },
    });
    // The wait belongs to the call, not to the connection that asked: `signal` (the attempt or turn
    // ending) expires the request at once; a dropped connection only detaches its caller.
    const wait: CallWait = { command: call.command, approvalId: record.id, attached: 0, settled: false, result: Promise.resolve(DETACHED), grace: null, keep: null };
    this.waiting.add(record.id);
    wait.result = (async () => {
      let final: FinalState;
      try {
        const timeoutS = runPolicy.timeoutSeconds ?? options.timeoutSeconds;
        // A run may make a request nobody answers denied, never approved against the person's choice.
        const onTimeout = options.timeoutDecision === 'approve' && runPolicy.timeoutDecision !== 'deny' ? 'approve' : 'deny';
        final = await this.deps.approvals.waitFor(record.id, { timeoutMs: timeoutS * 1000, onTimeout, ...(signal ? { signal } : {}) });
      } finally {
        this.waiting.delete(record.id);
        this.deps.bus?.invalidate('approvals');
      }
      return this.applyDecision(ctx, record, final, call.command, decision);
    })();
    this.calls.set(deferredKey, wait);
    const settled = () => {
      wait.settled = true;
      if (wait.grace) clearTimeout(wait.grace);
      wait.grace = null;
      // An expired request answers nobody: the call asking again later is a new question.
      if (!this.deps.store.db.open || this.deps.approvals.finalState(wait.approvalId)?.status === 'expired') {
        if (this.calls.get(deferredKey) === wait) this.calls.delete(deferredKey);
        return;
      }
      // A caller whose connection dropped just before the answer reached it may still ask for it.
      wait.keep = setTimeout(() => {
        if (this.calls.get(deferredKey) === wait) this.calls.delete(deferredKey);
      }, this.graceMs()).unref();
    };
    wait.result.then(settled, settled);
    return this.attach(wait, ctx.connection);
  }

  private graceMs(): number {
    return this.deps.reconnectGraceMs ?? APPROVAL_RECONNECT_GRACE_MS;
  }

  /** Answers a caller from its call's wait. Without a connection of its own (a thread, a remote
   *  agent's judgment, a call with no id of its own) the caller simply waits. With one, its close
   *  detaches the caller; when the last caller is gone the grace starts, and ends the request
   *  unless the call asks again first. */
  private attach(wait: CallWait, connection: AbortSignal | undefined): Promise<Authorization> {
    if (!connection) return wait.result;
    if (connection.aborted) {
      // Gone before it could wait (cut while its call was judged): nobody may be waiting now either.
      this.startGrace(wait);
      return Promise.resolve(DETACHED);
    }
    wait.attached++;
    if (wait.grace) clearTimeout(wait.grace);
    wait.grace = null;
    return new Promise<Authorization>((resolve, reject) => {
      let done = false;
      const leave = (answer: Authorization | { failed: unknown }) => {
        if (done) return;
        done = true;
        wait.attached--;
        connection.removeEventListener('abort', onCut);
        if ('failed' in answer) reject(answer.failed as Error);
        else resolve(answer);
      };
      const onCut = () => {
        leave(DETACHED);
        this.startGrace(wait);
      };
      connection.addEventListener('abort', onCut, { once: true });
      wait.result.then(leave, (e: unknown) => leave({ failed: e }));
    });
  }

  /** Once the last caller of a wait is gone: the request expires unless the call asks again within the grace. */
  private startGrace(wait: CallWait): void {
    if (wait.attached > 0 || wait.settled || wait.grace) return;
    const graceMs = this.graceMs();
    wait.grace = setTimeout(() => {
      wait.grace = null;
      if (wait.attached > 0 || wait.settled || !this.deps.store.db.open) return;
      // Its waiter wakes (the store tells it) and records the expiry in the timeline.
      this.deps.approvals.close(wait.approvalId, 'expired', 'shoal', `the agent's connection to the gateway dropped and the call did not ask again within ${Math.round(graceMs / 1000)} s`);
    }, graceMs);
    wait.grace.unref();
  }

  private createRequest(ctx: CallCtx, call: Pick<PreparedCall, 'command' | 'cwd' | 'path' | 'diff'>, decision: PolicyDecision): ApprovalRecord {
    const id = `approval-${crypto.randomUUID()}`;
    const request = approvalRequestFrame(decision, ctx.callId, id, turnId(ctx.scope), call.command, call.cwd);
    const scope = ctx.scope;
    const record = this.deps.approvals.create(id, request, {
      tool: ctx.tool, runId: scope.kind === 'task' ? scope.runId : null, taskId: scope.kind === 'task' ? scope.taskId : null,
      attempt: scope.kind === 'task' ? scope.attempt : null, threadId: scope.kind === 'thread' ? scope.threadId : null,
      ownerPid: process.pid, diff: call.diff || null, agentReason: ctx.agentReason,
    });
    this.deps.bus?.invalidate('approvals');
    this.deps.bus?.notify({
      type: 'notify', title: 'Approval needed', body: call.command.slice(0, 200),
      ...(scope.kind === 'task' ? { runId: scope.runId, taskId: scope.taskId } : { threadId: scope.threadId }),
    });
    return record;
  }

  private applyDecision(ctx: CallCtx, record: ApprovalRecord, final: FinalState, command: string, decision: PolicyDecision): Authorization {
    const by = final.decidedBy ?? 'shoal';
    // A timeout settled as approved (the person chose approve as the timeout decision) lets the call
    // run like any approval; its event says it was the timeout that approved it.
    if (final.status === 'approved' || (final.status === 'timed_out' && final.decision === 'approved')) {
      if (final.decision === 'approved_for_session') {
        const key = scopeKey(ctx.scope);
        let set = this.sessionAllowed.get(key);
        if (!set) this.sessionAllowed.set(key, (set = new Set()));
        set.add(sessionEntry(ctx.tool, command));
      }
      if (final.decision === 'approved_execpolicy_amendment' && decision.proposedAmendment.length > 0) {
        // Quoted as the policy reads a prefix back: a program named `my tool` stays one word.
        const prefix = quote(decision.proposedAmendment);
        const existing = this.deps.policy.rules().find((r) => r.tool === 'exec_shell' && r.prefix === prefix && r.action === 'allow');
        if (!existing) {
          this.deps.policy.saveRule({
            id: this.deps.policy.freeRuleId(`allow-${prefix}`), tool: 'exec_shell', prefix, action: 'allow', origin: 'approval',
            note: `Added when ${by} approved ${record.id}. A deny rule (built-in or the run's) still refuses what it names.`,
          }, by);
          this.deps.bus?.invalidate('approvals', 'settings');
        }
      }
      const reason = final.status === 'timed_out' ? `nobody decided on "${command}" in time; the timeout decision is approve` : null;
      this.emit(ctx, { kind: 'approval', phase: 'approved', tool: ctx.tool, callId: ctx.callId, approvalId: record.id, reason, detail: { decision: final.decision, status: final.status, decided_by: by } });
      return { allowed: true, approvalId: record.id };
    }
    if (final.status === 'aborted') {
      const output = `Aborted by ${by}: the ${ctx.scope.kind === 'task' ? 'task is cancelled' : 'turn ends'}.`;
      this.emit(ctx, { kind: 'approval', phase: 'denied', tool: ctx.tool, callId: ctx.callId, approvalId: record.id, reason: output, detail: { decision: 'abort', decided_by: by } });
      // The attempt is cancelled after this answer reaches the agent's side; the caller of a thread ends its turn.
      if (ctx.scope.kind === 'task') {
        const { runId, taskId } = ctx.scope;
        setImmediate(() => this.deps.cancelTask(runId, taskId, by));
      }
      return { allowed: false, outcome: { status: 'aborted', output } };
    }
    const output = final.status === 'timed_out'
      ? `Denied: nobody decided on "${command}" in time, which counts as denied. Carry on without it.`
      : final.status === 'expired'
        ? `Denied: the approval request for "${command}" expired.`
        : `Denied by ${by}: "${command}" was not approved. Carry on without it.`;
    this.emit(ctx, { kind: 'approval', phase: 'denied', tool: ctx.tool, callId: ctx.callId, approvalId: record.id, reason: output, detail: { decision: final.decision, status: final.status, decided_by: by } });
    return { allowed: false, outcome: { status: 'denied', output, matchedRule: record.request.matched_rule } };
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  private emit(ctx: CallCtx, event: ToolLifecycleEvent): void {
    // Read when each step is recorded, not once per judgment: the same call may be waiting twice
    // (asked again over a new connection while the old one's wait goes on), and only one records it.
    const remote = ctx.remote && ctx.scope.kind === 'task' ? ctx.scope : null;
    if (remote && alreadyRecorded(this.recordedCalls.of(remote.runId, remote.taskId, remote.attempt, ctx.callId), event)) return;
    ctx.onLifecycle?.(event);
    const record = lifecycleRecord(event);
    if (ctx.bound) ctx.bound.record([record]);
    if (remote && record.state === 'running_tool') this.recordedCalls.noted(remote.runId, remote.taskId, remote.attempt, ctx.callId, record.extra);
  }

  // ── MCP ──────────────────────────────────────────────────────────────────────────────────────

  /** An attempt whose files are on another host is not offered the built-in file and shell tools:
   *  they would act on this computer's copy, not on the files its agent works on. */
  private mcpTools(bound: Bound): ToolDescriptor[] {
    const tools = this.listTools(bound.scope);
    return [...(bound.remoteFiles ? tools.filter((t) => !BUILTIN_NAMES.has(t.name)) : tools), APPROVAL_TOOL_DESCRIPTOR];
  }

  private async mcpCall(bound: Bound, name: string, args: Record<string, unknown>, extra: { signal: AbortSignal; progress?: (message: string) => void }): Promise<McpCallResult> {
    if (name === APPROVAL_TOOL) {
      const toolName = stringArg(args, 'tool_name') ?? '';
      const input = (args.input && typeof args.input === 'object' ? args.input : {}) as Record<string, unknown>;
      // A caller that names its call may ask again after a dropped connection and be answered by the
      // same request; one that does not cannot, so its dropped connection ends its request at once.
      const ownId = stringArg(args, 'tool_use_id');
      const callId = ownId ?? `call-${crypto.randomUUID()}`;
      const verdict = ownId
        ? await this.authorizeForCaller(bound, toolName, input, callId, undefined, 'permission_prompt', { connection: extra.signal })
        : await this.authorizeForCaller(bound, toolName, input, callId, extra.signal);
      return { text: JSON.stringify(verdict), isError: false };
    }
    if (name === SHELL_RESULT_TOOL) {
      const callId = stringArg(args, 'call_id') ?? '';
      const code = typeof args.exit_code === 'number' ? args.exit_code : 1;
      const ctx: CallCtx = { tool: 'exec_shell', callId, scope: bound.scope, bound, agentReason: null };
      this.emit(ctx, { kind: 'tool', phase: code === 0 ? 'completed' : 'failed', tool: 'exec_shell', callId, detail: { ok: code === 0, exit_code: code } });
      return { text: 'recorded', isError: false };
    }
    if (bound.remoteFiles && BUILTIN_NAMES.has(name)) {
      return { text: `${name}: not offered to an attempt on another host (it would run on Shoal's computer, not where the agent's files are); use the agent's own tools, each judged by Shoal's policy`, isError: true };
    }
    const outcome = await this.invoke({ tool: name, arguments: args, callId: `call-${crypto.randomUUID()}`, scope: bound.scope, ...(extra.progress ? { onOutput: extra.progress } : {}) }, extra.signal);
    const exit = 'exitCode' in outcome && outcome.exitCode !== undefined ? outcome.exitCode : null;
    const text = name === 'exec_shell' && exit !== null ? `${outcome.output}${outcome.output.endsWith('\n') || outcome.output === '' ? '' : '\n'}[exit code ${exit}]` : outcome.output;
    return { text, isError: outcome.status !== 'completed', structured: { status: outcome.status, ...(exit !== null ? { exit_code: exit } : {}) } };
  }

  private prepare(tool: string, args: Record<string, unknown>, workdir: string): PreparedCall {
    if (BUILTIN_NAMES.has(tool)) return prepareBuiltin(tool, args, workdir);
    const provider = [...this.providers.values()].find((p) => p.listTools().some((t) => t.name === tool));
    if (!provider) throw new ToolInputError(`no tool named "${tool}"`);
    const p = stringArg(args, 'path');
    return {
      command: `${tool} ${JSON.stringify(args).slice(0, 400)}`, cwd: workdir, ...(p ? { path: p } : {}), diff: null,
      run: async (ctx) => {
        const r = await provider.call(tool, args, ctx.signal);
        return { ok: !r.isError, output: r.output };
      },
    };
  }

  private closeAttempt(bound: Bound): void {
    if (this.attempts.get(bound.key) !== bound) return;
    bound.stop.abort();
    this.processes.signalScope(bound.key, 'SIGKILL');
    this.attempts.delete(bound.key);
    if (bound.secret) this.bySecret.delete(bound.secret);
    this.sessionAllowed.delete(bound.key);
    this.recordedCalls.forgetAttempt(bound.scope.runId, bound.scope.taskId, bound.scope.attempt);
    // What this attempt's calls left: the hook's deferrals, their shell folders, their waits.
    const ofAttempt = callKey(bound.key, '');
    for (const k of [...this.deferred]) if (k.startsWith(ofAttempt)) this.deferred.delete(k);
    for (const k of [...this.deferredCwd.keys()]) if (k.startsWith(ofAttempt)) this.deferredCwd.delete(k);
    for (const [k, w] of [...this.calls]) {
      if (!k.startsWith(ofAttempt)) continue;
      if (w.grace) clearTimeout(w.grace);
      if (w.keep) clearTimeout(w.keep);
      w.grace = null;
      this.calls.delete(k);
    }
    if (!this.deps.store.db.open) return;
    const { runId, taskId, attempt } = bound.scope;
    let closed = 0;
    for (const r of this.deps.approvals.pendingOfTask(runId, taskId)) {
      if (r.attempt === attempt && this.deps.approvals.close(r.id, 'expired', 'shoal', `attempt ${attempt} ended before a decision`)) closed++;
    }
    if (closed > 0) this.deps.bus?.invalidate('approvals');
  }
}

/** A lifecycle step as a timeline event. As the reference implementation's hooks: ToolLifecycle
 *  {phase, payload}, ApprovalLifecycle {approval_id, phase, reason}. */
export function lifecycleRecord(event: ToolLifecycleEvent): EventPayload {
  const extra: Record<string, unknown> = event.kind === 'tool'
    ? { kind: 'tool', phase: event.phase, payload: event.detail }
    : { ...event.detail, kind: 'approval', phase: event.phase, approval_id: event.approvalId, reason: event.reason };
  return { state: 'running_tool', tool: event.tool, call_id: event.callId, extra: toJson(extra) };
}

/** What a caller that runs the tool itself gets back: exactly Claude Code's permission-prompt result
 *  shapes, plus "ask" for its PreToolUse hook. */
export type CallerVerdict =
  | { behavior: 'allow'; updatedInput: Record<string, unknown> }
  | { behavior: 'deny'; message: string; interrupt?: boolean }
  | { behavior: 'ask'; reason: string };

/** The reference implementation's approval_request_frame: which decisions a person gets depends on the amendment. */
export function approvalRequestFrame(decision: PolicyDecision, callId: string, approvalId: string, turn: string, command: string, cwd: string): ExecApprovalRequest {
  const available: ReviewDecision[] = ['approved', 'approved_for_session', 'denied', 'abort'];
  if (decision.proposedAmendment.length > 0) available.push('approved_execpolicy_amendment');
  return {
    call_id: callId, approval_id: approvalId, turn_id: turn, command, cwd, reason: decision.reason, matched_rule: decision.matchedRule,
    network_approval_context: null, proposed_execpolicy_amendment: decision.proposedAmendment, proposed_network_policy_amendments: [],
    additional_permissions: [], available_decisions: available,
  };
}

/** The reference implementation's policy_precheck_payload. */
export function precheckPayload(decision: PolicyDecision, command: string, cwd: string, tool: string): Record<string, unknown> {
  const phase = decision.action === 'allow' ? 'skip' : decision.action === 'ask' ? 'needs_approval' : 'forbidden';
  return {
    execution_kind: executionKind(tool), command, cwd, allow: decision.action !== 'deny', requires_approval: decision.action === 'ask',
    matched_rule: decision.matchedRule, phase, reason: decision.reason,
    requirement: phase === 'forbidden' ? { type: 'forbidden', reason: decision.reason }
      : { type: phase, reason: decision.reason, proposed_execpolicy_amendment: decision.proposedAmendment, ...(phase === 'needs_approval' ? { proposed_network_policy_amendments: [] } : { bypass_sandbox: false }) },
  };
}

function executionKind(tool: string): string {
  return tool === 'exec_shell' ? 'shell' : BUILTIN_NAMES.has(tool) ? 'function' : 'mcp';
}

function turnId(scope: ToolScope): string {
  return scope.kind === 'task' ? `${scope.runId}/${scope.taskId}#${scope.attempt}` : scope.turnId;
}

function sameScope(r: ApprovalRecord, scope: ToolScope): boolean {
  return scope.kind === 'task' ? r.runId === scope.runId && r.taskId === scope.taskId && r.attempt === scope.attempt : r.threadId === scope.threadId;
}

/** The dispatch of a call the agent runs itself (it was judged here, and runs on the agent's side). */
function agentDispatching(tool: string, callId: string): ToolLifecycleEvent {
  return { kind: 'tool', phase: 'dispatching', tool, callId, detail: { call_id: callId, execution_kind: executionKind(tool), executed_by: 'agent' } };
}

function sessionEntry(tool: string, command: string): string {
  return `${tool}\u0000${command}`;
}

function stringArg(args: Record<string, unknown>, name: string): string | null {
  const v = args[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

function threadEnv(parent: NodeJS.ProcessEnv, workdir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of BASE_ENV_ALLOWLIST) if (parent[k] !== undefined) env[k] = parent[k]!;
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.SHOAL_WORKDIR = workdir;
  return env;
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const list = signals.filter((s): s is AbortSignal => s !== undefined);
  if (list.length === 0) return undefined;
  return list.length === 1 ? list[0] : AbortSignal.any(list);
}

/** Drops undefined (not JSON) so the event stays valid FleetWorkerEvent JSON. */
function toJson(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

