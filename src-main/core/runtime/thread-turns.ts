// A turn: a person's message answered by the model, streamed. The reply streams out as
// response_start / response_delta / response_end frames; each tool call the model makes goes through
// the tool gateway (exec policy, approval dialog) with the thread as its scope, and its result goes
// back to the model as the tool message, round after round until the model answers in words. An
// abort in the approval dialog ends the turn. Every message, call and result is written to the
// store as it happens, with the "latest" checkpoint, so a crash loses no more than the half-typed
// reply.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ShoalError } from '../../../src-shared/contract/envelope';
import type { EventFrame } from '../../../src-shared/contract/frames';
import type { EventBus } from '../bus';
import { modelFor, ProviderError, streamChat, type ChatTool } from '../providers/chat-client';
import { unreadableKeyMessage, type ProviderRegistry } from '../providers/provider-registry';
import type { ToolCallOutcome, ToolGateway, ToolScope } from '../tools/tool-gateway';
import { conversationFor } from './conversation';
import type { ThreadManager } from './thread-manager';
import type { ThreadStore } from './thread-store';

export interface ActiveTurn {
  turnId: string;
  responseId: string;
  /** The reply so far in the current round, for a window that opens mid-stream (or one whose
   *  connection dropped while deltas were sent: it takes up the stream again from here). */
  text: string;
  reasoning: string;
  /** Which model call of the turn `text` belongs to: each round of tool calls starts a fresh text. */
  round: number;
}

interface RunningTurn extends ActiveTurn {
  controller: AbortController;
  done: Promise<void>;
}

export interface ThreadTurnsOptions {
  manager: ThreadManager;
  store: ThreadStore;
  providers: ProviderRegistry;
  tools: () => ToolGateway | null;
  bus: EventBus | null;
  log: (message: string) => void;
  /** Told every frame as it streams, after the window is (hooks: nothing here waits for them). */
  onFrame?: (threadId: string, frame: EventFrame) => void;
  /** Model calls per turn before Shoal stops a model that keeps calling tools. */
  maxRounds?: number;
}

export const NO_PROVIDER = 'No model provider is set up yet: add one in Settings → Model providers.';

export function systemPrompt(cwd: string): string {
  return [
    'You are a coding assistant working inside Shoal, a control plane for coding agents.',
    `Your working directory is ${cwd}. Tools run there.`,
    'Every tool call is checked against Shoal\'s exec policy and may wait for a person to approve it.',
    'When a call is refused, the refusal is the tool\'s output: say so and carry on without it.',
  ].join(' ');
}

export class ThreadTurns {
  private readonly active = new Map<string, RunningTurn>();

  constructor(private readonly opts: ThreadTurnsOptions) {}

  isBusy(threadId: string): boolean {
    return this.active.has(threadId);
  }

  activeTurn(threadId: string): ActiveTurn | null {
    const t = this.active.get(threadId);
    return t ? { turnId: t.turnId, responseId: t.responseId, text: t.text, reasoning: t.reasoning, round: t.round } : null;
  }

  /** Throws what stops a new message (or prompt) in this thread now: no such thread, archived, busy. */
  assertCanStart(threadId: string): void {
    const thread = this.opts.manager.readThread(threadId);
    if (!thread) throw new ShoalError('not_found', `No thread with id "${threadId}".`);
    if (thread.archived) throw new ShoalError('conflict', 'This thread is archived: unarchive it to continue the conversation.');
    if (this.active.has(threadId)) throw new ShoalError('conflict', 'The model is still answering the previous message: wait for it, or stop it first.');
  }

  /** Runs a one-shot prompt as the thread's turn: meanwhile the thread is busy (a message is
   *  refused as for any reply in progress), interrupt() stops it and shutdown() waits for it. */
  async runPrompt<T>(threadId: string, ids: { turnId: string; responseId: string }, work: (turn: ActiveTurn, signal: AbortSignal) => Promise<T>): Promise<T> {
    this.assertCanStart(threadId);
    const turn: RunningTurn = { ...ids, text: '', reasoning: '', round: 0, controller: new AbortController(), done: Promise.resolve() };
    this.active.set(threadId, turn);
    this.opts.bus?.invalidate('threads');
    const result = work(turn, turn.controller.signal).finally(() => {
      this.active.delete(threadId);
      this.opts.bus?.invalidate('threads');
    });
    turn.done = result.then(() => undefined, () => undefined);
    return result;
  }

  /** Records the message and starts the reply; resolves at once with the ids the frames will carry. */
  start(threadId: string, input: string): { turnId: string; responseId: string; messageId: number } {
    this.assertCanStart(threadId);
    const thread = this.opts.manager.readThread(threadId)!;
    if (!this.opts.providers.resolve(thread.modelProvider || null)) throw new ShoalError('unavailable', NO_PROVIDER);
    const messageId = this.opts.manager.touchMessage(threadId, input);
    if (messageId === null) throw new ShoalError('not_found', `No thread with id "${threadId}".`);
    const turn: RunningTurn = {
      turnId: `turn-${crypto.randomUUID()}`, responseId: `resp-${crypto.randomUUID()}`, text: '', reasoning: '', round: 0,
      controller: new AbortController(), done: Promise.resolve(),
    };
    this.active.set(threadId, turn);
    this.opts.bus?.invalidate('threads');
    turn.done = this.run(threadId, turn).catch((error: unknown) => {
      // Only when the store went away under the turn (the host closed): nothing left to record it in.
      this.opts.log(`[shoal] thread ${threadId}: the reply could not be recorded: ${(error as Error).message}`);
    }).finally(() => {
      this.active.delete(threadId);
      this.opts.bus?.invalidate('threads');
    });
    return { turnId: turn.turnId, responseId: turn.responseId, messageId };
  }

  /** Stops the reply in progress (the stream, or a tool call waiting for approval). */
  interrupt(threadId: string): boolean {
    const t = this.active.get(threadId);
    if (!t) return false;
    t.controller.abort();
    return true;
  }

  /** Resolves when the thread's current turn (if any) has ended. */
  async settled(threadId: string): Promise<void> {
    await this.active.get(threadId)?.done;
  }

  async shutdown(): Promise<void> {
    const all = [...this.active.values()];
    for (const t of all) t.controller.abort();
    await Promise.all(all.map((t) => t.done));
  }

  emitFrame(threadId: string, frame: EventFrame): void {
    this.opts.bus?.frame({ type: 'frame', threadId, frame, ...this.placeOf(threadId, frame) });
    this.opts.onFrame?.(threadId, frame);
  }

  /** Where a delta goes in its round's text (the turn's text already holds it): a window that missed
   *  deltas (its connection dropped) sees the gap, reads the turn again and carries on from there,
   *  and one that got a delta twice does not show it twice. */
  private placeOf(threadId: string, frame: EventFrame): { round: number; at: number } | Record<string, never> {
    if (frame.event !== 'response_delta') return {};
    const turn = this.active.get(threadId);
    if (!turn || turn.responseId !== frame.response_id) return {};
    return { round: turn.round, at: turn[frame.channel === 'text' ? 'text' : 'reasoning'].length - frame.delta.length };
  }

  private async run(threadId: string, turn: RunningTurn): Promise<void> {
    const { store, manager } = this.opts;
    const { signal } = turn.controller;
    const responseId = turn.responseId;
    this.emitFrame(threadId, { event: 'response_start', response_id: responseId, turn_id: turn.turnId });
    let status: 'completed' | 'failed' | 'aborted' | 'interrupted' = 'completed';
    try {
      const thread = manager.readThread(threadId);
      const resolved = this.opts.providers.resolve(thread?.modelProvider || null);
      if (!thread || !resolved) throw new ProviderError(NO_PROVIDER);
      if (resolved.keyUnreadable) throw new ProviderError(unreadableKeyMessage(resolved.config));
      if (thread.cwd) fs.mkdirSync(thread.cwd, { recursive: true });
      const scope: ToolScope = { kind: 'thread', threadId, turnId: turn.turnId, workdir: thread.cwd };
      const maxRounds = this.opts.maxRounds ?? 24;
      for (let round = 0; ; round++) {
        if (round >= maxRounds) {
          store.appendMessage(threadId, 'error', `Stopped after ${maxRounds} rounds of tool calls in one turn; send a message to continue.`);
          status = 'failed';
          break;
        }
        const gateway = this.opts.tools();
        const tools: ChatTool[] = gateway ? gateway.listTools(scope).map((t) => ({ name: t.name, description: t.description, parameters: t.inputSchema })) : [];
        turn.text = '';
        turn.reasoning = '';
        turn.round = round;
        const result = await streamChat({
          provider: resolved.config, apiKey: resolved.apiKey, model: thread.model, signal, tools,
          messages: [{ role: 'system', content: systemPrompt(thread.cwd) }, ...conversationFor(store, threadId)],
          onDelta: (delta, channel) => {
            if (channel === 'text') turn.text += delta;
            else turn.reasoning += delta;
            this.emitFrame(threadId, { event: 'response_delta', response_id: responseId, delta, channel });
          },
        });
        if (result.text) {
          const assistantMessageId = store.appendMessage(threadId, 'assistant', result.text);
          this.saveLatest(threadId, 'prompt_response', {
            response_id: responseId, model: modelFor(resolved.config, thread.model), provider: resolved.config.id, assistant_message_id: assistantMessageId,
          });
        }
        // Stored: what a window reads from now on is the next round's (empty) text, not this one's.
        turn.text = '';
        turn.round = round + 1;
        this.opts.bus?.invalidate('threads');
        if (result.toolCalls.length === 0) break;
        let aborted = false;
        for (const call of result.toolCalls) {
          const outcome = await this.callTool(threadId, turn, round, call, gateway, scope, signal);
          if (outcome.status === 'aborted') {
            aborted = true;
            break;
          }
          if (signal.aborted) throw new ProviderError('Stopped.', true);
        }
        if (aborted) {
          store.appendMessage(threadId, 'error', 'Aborted in the approval dialog: the turn ended.');
          status = 'aborted';
          break;
        }
      }
    } catch (error) {
      if (signal.aborted || (error instanceof ProviderError && error.aborted)) {
        status = 'interrupted';
        store.appendMessage(threadId, 'error', turn.text ? `Stopped. The reply so far: ${turn.text}` : 'Stopped before the reply finished.');
      } else {
        status = 'failed';
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof ProviderError)) this.opts.log(`[shoal] thread ${threadId}: ${error instanceof Error ? (error.stack ?? message) : message}`);
        store.appendMessage(threadId, 'error', message);
        this.emitFrame(threadId, { event: 'error', response_id: responseId, message });
      }
    }
    manager.setStatus(threadId, status === 'failed' ? 'failed' : 'idle');
    this.emitFrame(threadId, { event: 'response_end', response_id: responseId, status });
  }

  private async callTool(threadId: string, turn: RunningTurn, round: number, call: { id: string; name: string; arguments: string },
    gateway: ToolGateway | null, scope: ToolScope, signal: AbortSignal): Promise<ToolCallOutcome> {
    const { store } = this.opts;
    let args: Record<string, unknown> | null = null;
    try {
      const parsed = JSON.parse(call.arguments || '{}') as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
    } catch {
      args = null;
    }
    store.appendItem(threadId, 'tool_call', {
      call_id: call.id, tool: call.name, arguments: args ?? {}, ...(args ? {} : { raw_arguments: call.arguments }),
      turn_id: turn.turnId, response_id: turn.responseId, round,
    });
    this.emitFrame(threadId, { event: 'tool_call_start', response_id: turn.responseId, call_id: call.id, tool_name: call.name, arguments: args ?? {} });
    this.opts.bus?.invalidate('threads');
    let outcome: ToolCallOutcome;
    if (!args) outcome = { status: 'failed', output: `The arguments were not a JSON object: ${call.arguments.slice(0, 200)}` };
    else if (!gateway) outcome = { status: 'failed', output: 'Tools are not available in this Shoal.' };
    else {
      try {
        outcome = await gateway.invoke({
          tool: call.name, arguments: args, callId: call.id, scope,
          // The policy's verdict and the approval's progress are part of the conversation's record.
          onLifecycle: (e) => {
            store.appendItem(threadId, 'tool_event', {
              call_id: e.callId, kind: e.kind, phase: e.phase, tool: e.tool,
              ...(e.kind === 'approval' ? { approval_id: e.approvalId, reason: e.reason } : {}), detail: e.detail,
            });
            this.opts.bus?.invalidate('threads');
          },
        }, signal);
      } catch (error) {
        if (signal.aborted) throw new ProviderError('Stopped.', true);
        outcome = { status: 'failed', output: `The tool call failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    store.appendItem(threadId, 'tool_result', {
      call_id: call.id, tool: call.name, status: outcome.status, output: outcome.output,
      ...('exitCode' in outcome && outcome.exitCode !== undefined ? { exit_code: outcome.exitCode } : {}),
      ...(outcome.status === 'denied' ? { matched_rule: outcome.matchedRule } : {}),
    });
    this.saveLatest(threadId, 'tool_result', { response_id: turn.responseId, call_id: call.id, tool: call.name, status: outcome.status });
    this.emitFrame(threadId, { event: 'tool_call_result', response_id: turn.responseId, call_id: call.id, tool_name: call.name, status: outcome.status, output: outcome.output });
    this.opts.bus?.invalidate('threads');
    return outcome;
  }

  /** The reference implementation's persist_latest_checkpoint: {reason, saved_at, state}. */
  private saveLatest(threadId: string, reason: string, state: Record<string, unknown>): void {
    this.opts.store.saveCheckpoint(threadId, 'latest', reason, { reason, saved_at: Math.floor(Date.now() / 1000), state });
  }
}
