// How threads and their parts read in the UI: a title, what a tool call does in one line, the
// text of a reply split into prose and fenced code.
import type { ThreadMessage, ThreadView } from '../../../../src-shared/contract';

export function threadTitle(t: Pick<ThreadView, 'name' | 'preview' | 'source' | 'forkedFrom'>): string {
  if (t.name) return t.name;
  if (t.source === 'fork' && t.preview.startsWith('{')) return 'Fork of a conversation';
  return t.preview || 'New conversation';
}

/** `$ ls -la` for a shell command, the path for file tools, else the arguments as JSON. */
export function toolSummary(tool: string, args: Record<string, unknown>): string {
  if (tool === 'exec_shell' && typeof args.command === 'string') return `$ ${args.command}`;
  if (typeof args.path === 'string') return args.path;
  const json = JSON.stringify(args);
  return json === '{}' ? '' : json;
}

export interface Segment { kind: 'text' | 'code'; text: string; lang?: string }

/** Splits text on ``` fences so code keeps its spacing and gets its own block. */
export function segments(text: string): Segment[] {
  const out: Segment[] = [];
  const re = /```([\w+-]*)\n?([\s\S]*?)(```|$)/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push({ kind: 'text', text: text.slice(last, m.index) });
    out.push({ kind: 'code', text: m[2]!.replace(/\n$/, ''), ...(m[1] ? { lang: m[1] } : {}) });
    last = m.index + m[0].length;
    if (m[0].length === 0) break;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out.filter((s) => s.kind === 'code' || s.text.trim() !== '');
}

export type ToolState = 'running' | 'waiting' | 'completed' | 'failed' | 'denied' | 'aborted';

export interface ToolCallView {
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  state: ToolState;
  output: string | null;
  exitCode: number | null;
  approval: ThreadMessage['approval'];
  /** The policy's verdict and the approval's progress, in words. */
  notes: string[];
}

/** Folds a call, its lifecycle events and its result into one card, by call id (the latest call
 *  with that id, when a model reused one). */
export function toolCalls(messages: ThreadMessage[]): Map<string, ToolCallView> {
  return new Map([...toolCallsByMessage(messages).values()].map((c) => [c.callId, c]));
}

/** One card per tool_call message, by its message id. A call's events and result are written after
 *  it, so they belong to the latest call with their id: a model may reuse ids (call_0 every reply). */
export function toolCallsByMessage(messages: ThreadMessage[]): Map<number, ToolCallView> {
  const cards = new Map<number, ToolCallView>();
  const calls = new Map<string, ToolCallView>();
  for (const m of messages) {
    const id = typeof m.item?.call_id === 'string' ? m.item.call_id : null;
    if (!id) continue;
    if (m.role === 'tool_call') {
      const card: ToolCallView = {
        callId: id, tool: String(m.item?.tool ?? 'tool'), args: (m.item?.arguments as Record<string, unknown> | undefined) ?? {},
        state: m.approval?.status === 'pending' ? 'waiting' : 'running', output: null, exitCode: null, approval: m.approval, notes: [],
      };
      calls.set(id, card);
      cards.set(m.id, card);
      continue;
    }
    const call = calls.get(id);
    if (!call) continue;
    if (m.role === 'tool_event') {
      const note = eventNote(m.item ?? {});
      if (note) call.notes.push(note);
      if (m.item?.kind === 'approval' && m.item.phase === 'requested' && call.state === 'running' && call.approval?.status !== 'approved') call.state = 'waiting';
      if (m.item?.kind === 'approval' && m.item.phase !== 'requested' && call.state === 'waiting') call.state = 'running';
    } else if (m.role === 'tool_result') {
      const status = String(m.item?.status ?? 'completed');
      call.state = (['completed', 'failed', 'denied', 'aborted'] as const).find((s) => s === status) ?? 'completed';
      call.output = typeof m.item?.output === 'string' ? m.item.output : '';
      call.exitCode = typeof m.item?.exit_code === 'number' ? m.item.exit_code : null;
    }
  }
  return cards;
}

function eventNote(item: Record<string, unknown>): string | null {
  const detail = (item.detail as Record<string, unknown> | undefined) ?? {};
  if (item.kind === 'tool' && item.phase === 'precheck') {
    const rule = typeof detail.matched_rule === 'string' ? detail.matched_rule : null;
    if (detail.requires_approval) return `Policy: ask${rule ? ` (rule ${rule})` : ''}`;
    if (detail.allow === false) return `Policy: deny${rule ? ` (rule ${rule})` : ''}`;
    return rule ? `Policy: allowed by rule ${rule}` : null;
  }
  if (item.kind === 'approval') {
    const by = typeof detail.decided_by === 'string' ? ` by ${detail.decided_by}` : '';
    if (item.phase === 'requested') return 'Approval requested';
    if (item.phase === 'approved') return `Approved${detail.decision && detail.decision !== 'approved' ? ` (${String(detail.decision).replace(/_/g, ' ')})` : ''}${by}`;
    if (item.phase === 'denied') return `Refused${by}${typeof item.reason === 'string' && !by ? `: ${item.reason}` : ''}`;
  }
  return null;
}
