// Maps an agent's machine-readable output onto the reference implementation's worker-event states: a tool call becomes
// running_tool, waiting on the model becomes model_wait. Unknown lines are ignored (they still go
// to the log), so a newer agent version degrades to fewer events, never to a failed task.
import type { AgentUsage } from '../../../../src-shared/contract/fleet-views';
import type { EventPayload } from '../event-log';
import { codexAppServerParser, usageEvent } from './codex-events';
import { modelRetry, oneLine } from './parser-fields';
import type { StreamParser } from './stream-parser';

export type { StreamParser };

function tryJson(line: string): Record<string, unknown> | null {
  const t = line.trim();
  if (!t.startsWith('{')) return null;
  try {
    return JSON.parse(t) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** `claude -p --output-format stream-json --verbose`. */
export function claudeParser(): StreamParser {
  let model: string | undefined;
  let summary: string | undefined;
  let failure: string | undefined;
  let spent: AgentUsage | null = null;
  const wait = (): EventPayload => (model ? { state: 'model_wait', model } : { state: 'model_wait' });
  return {
    line(line) {
      const msg = tryJson(line);
      if (!msg) return [];
      if (msg.type === 'system' && msg.subtype === 'init') {
        if (typeof msg.model === 'string') model = msg.model;
        return [wait()];
      }
      // Claude waits out a refused or failing model call (10 tries, minutes by default): the task
      // says why it is still waiting, not only that it is.
      if (msg.type === 'system' && msg.subtype === 'api_retry') {
        const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null);
        return [{ ...wait(), extra: modelRetry({ try: num(msg.attempt), of: num(msg.max_retries), status: num(msg.error_status), error: typeof msg.error === 'string' ? msg.error : null, wait_ms: num(msg.retry_delay_ms) }) }];
      }
      const content = ((msg.message as { content?: unknown } | undefined)?.content ?? []) as Array<Record<string, unknown>>;
      if (msg.type === 'assistant' && Array.isArray(content)) {
        const out: EventPayload[] = [];
        for (const c of content) {
          if (c.type === 'tool_use') out.push({ state: 'running_tool', tool: String(c.name ?? 'tool'), ...(typeof c.id === 'string' ? { call_id: c.id } : {}) });
          if (c.type === 'text' && typeof c.text === 'string' && c.text.trim()) summary = oneLine(c.text);
        }
        return out;
      }
      if (msg.type === 'user' && Array.isArray(content) && content.some((c) => c.type === 'tool_result')) return [wait()];
      if (msg.type === 'result') {
        if (typeof msg.result === 'string' && msg.result.trim()) summary = oneLine(msg.result);
        if (msg.is_error === true && summary) failure = summary;
        const u = msg.usage as Record<string, unknown> | undefined;
        if (u && typeof u === 'object') {
          const n = (k: string): number => (typeof u[k] === 'number' ? (u[k] as number) : 0);
          const usage = { input_tokens: n('input_tokens'), cache_read_input_tokens: n('cache_read_input_tokens'), cache_creation_input_tokens: n('cache_creation_input_tokens'), output_tokens: n('output_tokens') };
          const cost = typeof msg.total_cost_usd === 'number' ? msg.total_cost_usd : undefined;
          // Anthropic counts cache reads and writes apart from input_tokens; the receipt counts every prompt token.
          const input = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
          spent = { input_tokens: input, cached_input_tokens: usage.cache_read_input_tokens, output_tokens: usage.output_tokens, total_tokens: input + usage.output_tokens, cost_usd: cost ?? null };
          return [usageEvent(usage, cost)];
        }
      }
      return [];
    },
    summary: () => summary,
    failure: () => failure,
    usage: () => spent,
  };
}

/** Any other agent: no events from its output; the summary is its last non-empty line. */
export function plainParser(): StreamParser {
  let last: string | undefined;
  return {
    line(line) {
      if (line.trim()) last = oneLine(line);
      return [];
    },
    summary: () => last,
    // A plain command's output is the user's own, not an account of a failure (its log shows it).
    failure: () => undefined,
    usage: () => null,
  };
}

export type StreamKind = 'plain' | 'claude-stream-json' | 'codex-app-server';

export function parserFor(kind: StreamKind): StreamParser {
  switch (kind) {
    case 'claude-stream-json':
      return claudeParser();
    case 'codex-app-server':
      return codexAppServerParser();
    default:
      return plainParser();
  }
}
