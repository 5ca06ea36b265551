// Maps an agent's machine-readable output onto the reference implementation's worker-event states: a tool call becomes
// running_tool, waiting on the model becomes model_wait. Unknown lines are ignored (they still go
// to the log), so a newer agent version degrades to fewer events, never to a failed task.
import type { EventPayload } from '../event-log';

export interface StreamParser {
  /** Feed one stdout line; returns the events it implies. */
  line(line: string): EventPayload[];
  /** A one-line summary of the agent's final answer, when it gave one. */
  summary(): string | undefined;
}

function tryJson(line: string): Record<string, unknown> | null {
  const t = line.trim();
  if (!t.startsWith('{')) return null;
  try {
    return JSON.parse(t) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim().slice(0, 300);

/** `claude -p --output-format stream-json --verbose`. */
export function claudeParser(): StreamParser {
  let model: string | undefined;
  let summary: string | undefined;
  const wait = (): EventPayload => (model ? { state: 'model_wait', model } : { state: 'model_wait' });
  return {
    line(line) {
      const msg = tryJson(line);
      if (!msg) return [];
      if (msg.type === 'system' && msg.subtype === 'init') {
        if (typeof msg.model === 'string') model = msg.model;
        return [wait()];
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
      if (msg.type === 'result' && typeof msg.result === 'string' && msg.result.trim()) summary = oneLine(msg.result);
      return [];
    },
    summary: () => summary,
  };
}

const CODEX_TOOL_ITEMS: Record<string, string> = { command_execution: 'exec_command', file_change: 'apply_patch', web_search: 'web_search' };

/** `codex exec --json` (thread/turn/item events). */
export function codexParser(): StreamParser {
  let summary: string | undefined;
  return {
    line(line) {
      const msg = tryJson(line);
      if (!msg) return [];
      const item = msg.item as Record<string, unknown> | undefined;
      if (msg.type === 'turn.started') return [{ state: 'model_wait' }];
      if (msg.type === 'item.started' && item) {
        const type = String(item.type ?? '');
        const tool = type === 'mcp_tool_call' ? String(item.tool ?? 'mcp_tool') : CODEX_TOOL_ITEMS[type];
        if (tool) return [{ state: 'running_tool', tool, ...(typeof item.id === 'string' ? { call_id: item.id } : {}) }];
      }
      if (msg.type === 'item.completed' && item) {
        if (item.type === 'agent_message' && typeof item.text === 'string') summary = oneLine(item.text);
        if (item.type === 'mcp_tool_call' || (typeof item.type === 'string' && CODEX_TOOL_ITEMS[item.type])) return [{ state: 'model_wait' }];
      }
      return [];
    },
    summary: () => summary,
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
  };
}

export function parserFor(kind: 'plain' | 'claude-stream-json' | 'codex-json'): StreamParser {
  return kind === 'claude-stream-json' ? claudeParser() : kind === 'codex-json' ? codexParser() : plainParser();
}
