// Shoal's runtime: threads (conversations with a model), one-shot prompts, checkpoints, background
// jobs and MCP server startup, over the one store. ShoalCore composes
// it; the contract handlers call it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ThreadMessage, ThreadResponse, ThreadView } from '../../../src-shared/contract/runtime-views';
import { ShoalError } from '../../../src-shared/contract/envelope';
import type { EventFrame } from '../../../src-shared/contract/frames';
import type { EventBus } from '../bus';
import { McpConfigStore } from '../mcp/mcp-config';
import { McpManager } from '../mcp/mcp-manager';
import { endOrphanedMcpServers } from '../mcp/mcp-orphans';
import { modelFor, ProviderError, streamChat } from '../providers/chat-client';
import { ProviderRegistry, unreadableKeyMessage } from '../providers/provider-registry';
import { SecretVault, type SecretCipher } from '../providers/secret-store';
import type { Store } from '../store/open';
import type { ToolGateway, ToolProvider } from '../tools/tool-gateway';
import { JobRunner } from './job-runner';
import { OwnerLock } from './owner-lock';
import { artifactIndexJob } from './maintenance/artifact-index';
import { retentionJob } from './maintenance/retention';
import { worktreeCleanupJob } from './maintenance/worktree-cleanup';
import { ThreadManager, type NewThread, type ThreadForkParams, type ThreadResumeParams } from './thread-manager';
import { ThreadStore, type ThreadRecord, type ThreadSource } from './thread-store';
import { NO_PROVIDER, ThreadTurns } from './thread-turns';
import { threadToSpec, type SpecAgent } from './thread-to-spec';
import { SettingsTable } from '../store/settings-table';

export interface RuntimeOptions {
  store: Store;
  bus: EventBus | null;
  dataDir: string;
  version: string;
  log: (message: string) => void;
  secretCipher: SecretCipher;
  /** The tool gateway (exec policy + approvals), once it exists. */
  tools: () => ToolGateway | null;
  /** Told every frame a thread's turn streams (hooks on response and tool events). */
  onFrame?: (threadId: string, frame: EventFrame) => void;
  /** 0 turns off the periodic maintenance check (tests). */
  jobCheckIntervalMs?: number;
  mcpStartupTimeoutMs?: number;
}

export interface ThreadStartParams {
  name?: string;
  cwd?: string;
  modelProvider?: string;
  model?: string;
  source?: Extract<ThreadSource, 'interactive' | 'api'>;
  /** A conversation to carry on (imported): the thread starts as a resume. */
  history?: unknown[];
}

export interface PromptRequest {
  prompt: string;
  model?: string;
  threadId?: string;
}

interface ApprovalRow { call_id: string; turn_id: string | null; id: string; status: string; decision: string | null }

/** A tool call's approval, found by its turn and its call id (a model may reuse call ids). */
function approvalKey(turnId: string | null, callId: string): string {
  return `${turnId ?? ''}\u0000${callId}`;
}

export class Runtime {
  /** The settings table, through its one typed accessor. */
  readonly settings: SettingsTable;
  readonly vault: SecretVault;
  readonly providers: ProviderRegistry;
  readonly threadStore: ThreadStore;
  readonly threads: ThreadManager;
  readonly turns: ThreadTurns;
  readonly jobs: JobRunner;
  readonly mcpConfig: McpConfigStore;
  readonly mcp: McpManager;
  private readonly approvalsOfThread;
  private readonly owner: OwnerLock;
  private started = false;

  constructor(private readonly opts: RuntimeOptions) {
    this.settings = new SettingsTable(opts.store);
    this.vault = new SecretVault(this.settings, opts.secretCipher);
    this.providers = new ProviderRegistry(this.settings, this.vault);
    this.threadStore = new ThreadStore(opts.store);
    this.threads = new ThreadManager(this.threadStore);
    this.turns = new ThreadTurns({ manager: this.threads, store: this.threadStore, providers: this.providers, tools: opts.tools, bus: opts.bus, log: opts.log, onFrame: opts.onFrame });
    this.jobs = new JobRunner({
      store: opts.store, bus: opts.bus, log: opts.log, checkIntervalMs: opts.jobCheckIntervalMs,
      kinds: [
        worktreeCleanupJob({ store: opts.store, dataDir: opts.dataDir }),
        artifactIndexJob({ store: opts.store, settings: this.settings }),
        retentionJob({ store: opts.store, settings: this.settings, dataDir: opts.dataDir, pruneJobs: (cutoff) => this.jobs.pruneFinished(cutoff) }),
      ],
    });
    this.owner = new OwnerLock(this.settings);
    this.mcpConfig = new McpConfigStore(this.settings, this.vault);
    this.mcp = new McpManager({
      config: this.mcpConfig, bus: opts.bus, version: opts.version, log: opts.log, startupTimeoutMs: opts.mcpStartupTimeoutMs,
      register: (provider: ToolProvider) => opts.tools()?.registerProvider(provider) ?? (() => {}),
    });
    // Approval state of a thread's tool calls, read from the approvals issue's table.
    this.approvalsOfThread = opts.store.db.prepare<[string], ApprovalRow>(
      "SELECT call_id, json_extract(request, '$.turn_id') AS turn_id, id, status, decision FROM approvals WHERE thread_id = ? ORDER BY created_at");
  }

  /** Recovers threads a crash left mid-reply and resumes pending jobs (when no other live Shoal
   *  process already does, see OwnerLock), and starts the MCP servers. */
  start(): { owner: boolean; jobsResumed: number; mcp: Promise<unknown> } {
    if (this.started) return { owner: this.owner.isHeld, jobsResumed: 0, mcp: Promise.resolve() };
    this.started = true;
    const owner = this.owner.claim();
    const holder = this.owner.holder;
    if (!owner && holder) this.opts.log(`[shoal] another Shoal process (pid ${holder.pid}, since ${holder.since}) owns this data dir's jobs and thread recovery; leaving them to it`);
    if (owner) this.recoverThreads();
    const resumed = owner ? this.jobs.start() : [];
    const mcp = this.mcpStartup().catch((error: unknown) => this.opts.log(`[shoal] MCP startup failed: ${(error as Error).message}`));
    return { owner, jobsResumed: resumed.length, mcp };
  }

  /** Starts every enabled MCP server: each reports its state, then one summary follows. Servers a
   *  killed Shoal left running go first. */
  mcpStartup() {
    const orphans = endOrphanedMcpServers();
    if (orphans.length > 0) this.opts.log(`[shoal] ended ${orphans.length} MCP server process${orphans.length === 1 ? '' : 'es'} left running by a Shoal that stopped without ending them (pid ${orphans.join(', ')})`);
    return this.mcp.startAll();
  }

  async shutdown(): Promise<void> {
    await this.turns.shutdown();
    await this.jobs.stop();
    await this.mcp.stopAll();
    this.owner.release();
  }

  /** For a host that closes without shutdown(): stop timers and end MCP server processes now. */
  close(): void {
    void this.turns.shutdown();
    void this.jobs.stop();
    void this.mcp.stopAll();
    if (this.opts.store.db.open) this.owner.release();
  }

  // ── threads (handle_thread) ──────────────────────────────────────────────────────────────────

  createThread(): ThreadResponse {
    return this.respond('created', this.spawn({}));
  }

  startThread(params: ThreadStartParams): ThreadResponse {
    return this.respond('started', this.spawn(params));
  }

  resumeThread(params: ThreadResumeParams): ThreadResponse {
    this.checkProvider(params.modelProvider);
    const resumed = this.threads.resumeThreadWithHistory({ ...params, cwd: checkCwd(params.cwd) }, this.providers.defaultId() ?? '');
    return resumed ? this.respond('resumed', resumed) : this.missing(params.threadId);
  }

  forkThread(params: ThreadForkParams): ThreadResponse {
    this.checkProvider(params.modelProvider);
    const forked = this.threads.forkThread({ ...params, cwd: checkCwd(params.cwd) }, this.scratchRoot());
    return forked ? this.respond('forked', forked) : this.missing(params.threadId);
  }

  listThreads(filters: { includeArchived: boolean; limit: number; query?: string }): ThreadResponse {
    return { ...this.empty('list', 'ok'), threads: this.threads.listThreads(filters).map((t) => this.view(t)) };
  }

  readThread(threadId: string): ThreadResponse {
    const thread = this.threads.readThread(threadId);
    if (!thread) return this.missing(threadId);
    return { ...this.empty(threadId, 'ok'), thread: this.view(thread), model: thread.model, modelProvider: thread.modelProvider, cwd: thread.cwd, data: this.persistedThreadData(threadId) };
  }

  setThreadName(threadId: string, name: string): ThreadResponse {
    const updated = this.threads.setThreadName(threadId, name);
    return { ...this.empty(threadId, updated ? 'ok' : 'missing'), thread: updated ? this.view(updated) : null };
  }

  archiveThread(threadId: string): ThreadResponse {
    if (this.turns.isBusy(threadId)) this.turns.interrupt(threadId);
    return this.empty(threadId, this.threads.archiveThread(threadId) ? 'archived' : 'missing');
  }

  unarchiveThread(threadId: string): ThreadResponse {
    return this.empty(threadId, this.threads.unarchiveThread(threadId) ? 'unarchived' : 'missing');
  }

  /** Records the message and starts the model's reply; the reply streams as frames. */
  messageThread(threadId: string, input: string): ThreadResponse {
    const { turnId, responseId } = this.turns.start(threadId, input);
    return { ...this.empty(threadId, 'accepted'), turnId, responseId };
  }

  interruptThread(threadId: string): ThreadResponse {
    if (!this.threads.readThread(threadId)) return this.missing(threadId);
    return this.empty(threadId, this.turns.interrupt(threadId) ? 'interrupted' : 'idle');
  }

  threadToSpec(threadId: string, agent: SpecAgent): { text: string; filename: string; workspace: string | null } {
    const thread = this.threads.readThread(threadId);
    if (!thread) throw new ShoalError('not_found', `No thread with id "${threadId}".`);
    return threadToSpec(thread, this.threadStore.listMessages(threadId, 1000), agent, this.scratchRoot());
  }

  /** One answer from the default model, no tools; recorded in the thread if given. */
  async prompt(req: PromptRequest): Promise<{ output: string; model: string; provider: string; responseId: string }> {
    const thread = req.threadId ? this.threads.readThread(req.threadId) : null;
    if (req.threadId && !thread) throw new ShoalError('not_found', `No thread with id "${req.threadId}".`);
    const resolved = this.providers.resolve(thread?.modelProvider || null);
    if (!resolved) throw new ShoalError('unavailable', NO_PROVIDER);
    if (resolved.keyUnreadable) throw new ShoalError('unavailable', unreadableKeyMessage(resolved.config));
    const responseId = `resp-${crypto.randomUUID()}`;
    const model = modelFor(resolved.config, req.model ?? thread?.model);
    const ask = async (emit: (frame: EventFrame) => void, turn: { text: string; reasoning: string } | null, signal?: AbortSignal) => {
      const result = await streamChat({
        provider: resolved.config, apiKey: resolved.apiKey, model, tools: [], messages: [{ role: 'user', content: req.prompt }], ...(signal ? { signal } : {}),
        onDelta: (delta, channel) => {
          if (turn && channel === 'text') turn.text += delta;
          else if (turn) turn.reasoning += delta;
          emit({ event: 'response_delta', response_id: responseId, delta, channel });
        },
      });
      return { output: result.text, model, provider: resolved.config.id, responseId };
    };
    if (!thread) {
      try {
        return await ask(() => {}, null);
      } catch (error) {
        throw new ShoalError('unavailable', (error as Error).message);
      }
    }
    // In a thread the prompt is the thread's turn: nothing else writes to the conversation meanwhile,
    // and however it ends the thread is left idle or failed, never "running".
    return this.turns.runPrompt(thread.id, { turnId: responseId, responseId }, async (turn, signal) => {
      const emit = (frame: EventFrame) => this.turns.emitFrame(thread.id, frame);
      this.threads.touchMessage(thread.id, req.prompt);
      emit({ event: 'response_start', response_id: responseId, turn_id: responseId });
      try {
        const answer = await ask(emit, turn, signal);
        const assistantMessageId = this.threadStore.appendMessage(thread.id, 'assistant', answer.output);
        this.saveLatest(thread.id, 'prompt_response', { response_id: responseId, model, provider: resolved.config.id, assistant_message_id: assistantMessageId });
        this.threads.setStatus(thread.id, 'idle');
        emit({ event: 'response_end', response_id: responseId, status: 'completed' });
        return answer;
      } catch (error) {
        const stopped = signal.aborted || (error instanceof ProviderError && error.aborted);
        const message = stopped ? (turn.text ? `Stopped. The reply so far: ${turn.text}` : 'Stopped before the reply finished.') : (error as Error).message;
        this.threadStore.appendMessage(thread.id, 'error', message);
        this.threads.setStatus(thread.id, stopped ? 'idle' : 'failed');
        emit({ event: 'response_end', response_id: responseId, status: stopped ? 'interrupted' : 'failed' });
        throw new ShoalError('unavailable', message);
      }
    });
  }

  saveThreadCheckpoint(threadId: string, checkpointId: string, state: Record<string, unknown>): void {
    if (!this.threads.readThread(threadId)) throw new ShoalError('not_found', `No thread with id "${threadId}".`);
    this.threadStore.saveCheckpoint(threadId, checkpointId, typeof state.reason === 'string' ? state.reason : 'manual', state);
  }

  loadThreadCheckpoint(threadId: string, checkpointId = 'latest'): Record<string, unknown> | null {
    return this.threadStore.loadCheckpoint(threadId, checkpointId)?.state ?? null;
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  private spawn(params: ThreadStartParams): NewThread {
    checkCwd(params.cwd);
    const providerId = params.modelProvider ?? this.providers.defaultId() ?? '';
    this.checkProvider(params.modelProvider);
    const history = params.history && params.history.length > 0 ? { kind: 'resumed' as const, conversationId: 'import', history: params.history } : { kind: 'new' as const };
    const spawned = this.threads.spawnThreadWithHistory(providerId, params.cwd?.trim() || '', history, { source: params.source, name: params.name?.trim() || null, model: params.model });
    if (spawned.thread.cwd) return spawned;
    // No folder given: the thread gets its own scratch directory under the data dir.
    const cwd = path.join(this.scratchRoot(), spawned.thread.id);
    const thread = { ...spawned.thread, cwd };
    this.threadStore.upsertThread(thread);
    return { ...spawned, thread, cwd };
  }

  /** A provider named for a thread must exist: otherwise the thread would quietly talk to the default one. */
  private checkProvider(id: string | undefined): void {
    if (id && !this.providers.get(id)) throw new ShoalError('not_found', `No model provider with id "${id}".`, [`modelProvider: unknown provider "${id}"`]);
  }

  private scratchRoot(): string {
    return path.join(this.opts.dataDir, 'threads');
  }

  private recoverThreads(): void {
    for (const id of this.threadStore.idsWithStatus('running')) {
      const last = this.threadStore.listMessages(id, 1)[0];
      // tool_event: the crash came while a call waited for approval or ran.
      if (last && (last.role === 'user' || last.role === 'tool_call' || last.role === 'tool_event' || last.role === 'tool_result')) {
        this.threadStore.appendMessage(id, 'error', 'Shoal stopped before the reply finished; send a message to continue.');
      }
      this.threads.setStatus(id, 'idle');
    }
  }

  private persistedThreadData(threadId: string): ThreadResponse['data'] {
    // By turn and call id: a model may reuse its call ids (call_0 in every reply).
    const approvals = new Map(this.approvalsOfThread.all(threadId).map((a) => [approvalKey(a.turn_id, a.call_id), { id: a.id, status: a.status, decision: a.decision }]));
    const history: ThreadMessage[] = this.threadStore.listMessages(threadId, 500).map((m) => ({
      id: m.id, role: m.role, content: m.content, item: m.item, createdAt: m.createdAt,
      approval: m.role === 'tool_call' && typeof m.item?.call_id === 'string'
        ? (approvals.get(approvalKey(typeof m.item.turn_id === 'string' ? m.item.turn_id : null, m.item.call_id)) ?? null) : null,
    }));
    const cp = this.threadStore.loadCheckpoint(threadId, 'latest');
    return {
      history,
      checkpoint: cp ? { checkpointId: cp.checkpointId, state: cp.state, createdAt: cp.createdAt } : null,
      activeTurn: this.turns.activeTurn(threadId),
    };
  }

  private saveLatest(threadId: string, reason: string, state: Record<string, unknown>): void {
    this.threadStore.saveCheckpoint(threadId, 'latest', reason, { reason, saved_at: Math.floor(Date.now() / 1000), state });
  }

  view(t: ThreadRecord): ThreadView {
    // The provider its messages go to: its own, or the default when its own was removed.
    return { ...t, providerName: this.providers.configFor(t.modelProvider || null)?.name ?? null, busy: this.turns.isBusy(t.id) };
  }

  private respond(status: string, n: NewThread): ThreadResponse {
    return {
      threadId: n.thread.id, status, thread: this.view(n.thread), threads: [], model: n.model, modelProvider: n.modelProvider, cwd: n.cwd,
      data: this.persistedThreadData(n.thread.id),
    };
  }

  private empty(threadId: string, status: string): ThreadResponse {
    return { threadId, status, thread: null, threads: [], model: null, modelProvider: null, cwd: null, data: {} };
  }

  private missing(threadId: string): ThreadResponse {
    return { ...this.empty(threadId, 'missing'), data: { error: 'thread not found' } };
  }
}

/** A thread's folder is where its tools run: a relative one (or `~/…`, which no shell expands here)
 *  would land wherever the Shoal process happens to run. Returns the folder given, or undefined for
 *  none (blank): a new thread then gets its scratch folder, a resumed or forked one keeps its own. */
function checkCwd(cwd: string | undefined): string | undefined {
  const given = cwd?.trim();
  if (!given) return undefined;
  if (!path.isAbsolute(given)) {
    const hint = given.startsWith('~') ? ' (write out the home folder: "~" is not expanded)' : '';
    throw new ShoalError('invalid_input', `cwd: must be an absolute path, got "${given}"${hint}`, [`cwd: must be an absolute path`]);
  }
  // Its tools would fail one by one in a folder that is not there (or is a file): said at once.
  const st = fs.statSync(given, { throwIfNoEntry: false });
  if (!st) throw new ShoalError('invalid_input', `cwd: there is no folder at ${given}`, [`cwd: there is no folder at ${given}`]);
  if (!st.isDirectory()) throw new ShoalError('invalid_input', `cwd: ${given} is a file, not a folder`, [`cwd: ${given} is a file, not a folder`]);
  return given;
}
