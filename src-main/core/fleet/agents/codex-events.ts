// Reads the Codex bridge's JSON lines (the app server's notifications plus the bridge's own
// shoal/* lines, see codex-bridge.ts) into timeline events: the model's turn is model_wait, each
// command / file change / MCP call is running_tool with what it did in `extra`, the last agent
// message is the summary and token usage is kept for the receipt. Unknown methods are ignored (they
// stay in the log), so a newer Codex degrades to fewer events, never to a failed task.
import type { EventPayload } from '../event-log';
import { modelRetry, oneLine } from './parser-fields';
import type { StreamParser } from './stream-parser';

export interface TokenUsage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

type Item = Record<string, unknown> & { type?: string; id?: string };

const tail = (s: unknown, n = 2000): string | undefined => (typeof s === 'string' ? s.slice(-n) : undefined);

function toolOf(item: Item): string | null {
  switch (item.type) {
    case 'commandExecution':
      return 'exec_shell';
    case 'fileChange':
      return 'apply_patch';
    case 'mcpToolCall':
      return `${String(item.server ?? 'mcp')}__${String(item.tool ?? 'tool')}`;
    case 'dynamicToolCall':
      return String(item.tool ?? 'tool');
    case 'webSearch':
      return 'web_search';
    default:
      return null;
  }
}

/** What an item did, for the event's `extra` (JSON only). */
function detailOf(item: Item, phase: 'started' | 'completed'): Record<string, unknown> {
  if (item.type === 'commandExecution') {
    return phase === 'started'
      ? { command: item.command ?? null, cwd: item.cwd ?? null }
      : { status: item.status ?? null, exit_code: item.exitCode ?? null, output: tail(item.aggregatedOutput) ?? null, duration_ms: item.durationMs ?? null };
  }
  if (item.type === 'fileChange') {
    const changes = Array.isArray(item.changes) ? (item.changes as Array<{ path?: string; kind?: { type?: string } }>) : [];
    return { status: item.status ?? null, files: changes.map((c) => ({ path: c.path ?? '', kind: c.kind?.type ?? 'update' })) };
  }
  if (item.type === 'mcpToolCall') return { status: item.status ?? null, ...(item.error ? { error: JSON.parse(JSON.stringify(item.error)) as unknown } : {}) };
  return { status: item.status ?? null };
}

/** Token usage (and cost, when the agent reports one) as a metrics sample: a heartbeat changes no
 *  state, and the run view reads `extra.usage` from it. */
export function usageEvent(usage: Record<string, number>, costUsd?: number): EventPayload {
  return { state: 'heartbeat', extra: { kind: 'usage', usage, ...(costUsd !== undefined ? { cost_usd: costUsd } : {}) } };
}


export function codexAppServerParser(): StreamParser {
  let model: string | undefined;
  let summary: string | undefined;
  let failure: string | undefined;
  let usage: TokenUsage | null = null;
  const wait = (): EventPayload => (model ? { state: 'model_wait', model } : { state: 'model_wait' });
  return {
    line(line) {
      const t = line.trim();
      if (!t.startsWith('{')) return [];
      let msg: { method?: string; params?: Record<string, unknown> };
      try {
        msg = JSON.parse(t) as typeof msg;
      } catch {
        return [];
      }
      const p = msg.params ?? {};
      switch (msg.method) {
        case 'thread/started': {
          const thread = p.thread as { model?: unknown } | undefined;
          if (typeof thread?.model === 'string') model = thread.model;
          return [];
        }
        case 'turn/started':
          return [wait()];
        case 'item/started':
        case 'item/completed': {
          const item = (p.item ?? {}) as Item;
          if (msg.method === 'item/completed' && item.type === 'agentMessage' && typeof item.text === 'string' && item.text.trim()) summary = oneLine(item.text);
          const tool = toolOf(item);
          if (!tool) return [];
          const phase = msg.method === 'item/started' ? 'started' : 'completed';
          const event: EventPayload = { state: 'running_tool', tool, call_id: `codex-${String(item.id ?? '')}`, extra: { kind: 'agent', phase, payload: detailOf(item, phase) } };
          return phase === 'started' ? [event] : [event, wait()];
        }
        case 'thread/tokenUsage/updated': {
          const total = ((p.tokenUsage ?? {}) as { total?: Record<string, number> }).total;
          if (total) {
            usage = {
              input_tokens: total.inputTokens ?? 0, cached_input_tokens: total.cachedInputTokens ?? 0, output_tokens: total.outputTokens ?? 0,
              reasoning_output_tokens: total.reasoningOutputTokens ?? 0, total_tokens: total.totalTokens ?? 0,
            };
          }
          return [];
        }
        case 'turn/completed': {
          const turn = (p.turn ?? {}) as { status?: string; error?: { message?: string } | null };
          if (turn.status === 'failed' && turn.error?.message) summary = failure = oneLine(`Codex failed: ${turn.error.message}`);
          return usage ? [usageEvent({ ...usage })] : [];
        }
        case 'error': {
          // Codex retries a failing model call itself ("Reconnecting... 2/5"): the task says why it waits.
          if (p.willRetry !== true) return [];
          const error = (p.error ?? {}) as { message?: unknown; additionalDetails?: unknown; codexErrorInfo?: unknown };
          const info = Object.values((error.codexErrorInfo ?? {}) as Record<string, { httpStatusCode?: unknown } | null>)[0];
          return [{ ...wait(), extra: modelRetry({
            message: typeof error.message === 'string' ? oneLine(error.message) : null,
            status: typeof info?.httpStatusCode === 'number' ? info.httpStatusCode : null,
            error: typeof error.additionalDetails === 'string' ? oneLine(error.additionalDetails) : null,
          }) }];
        }
        case 'shoal/error':
          if (typeof p.message === 'string') summary = failure = oneLine(p.message);
          return [];
        default:
          return [];
      }
    },
    summary: () => summary,
    failure: () => failure,
    // Codex reports no cost; its input count already includes the cached tokens.
    usage: () => (usage ? { input_tokens: usage.input_tokens, cached_input_tokens: usage.cached_input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.total_tokens, cost_usd: null } : null),
  };
}
