// Turns a thread into a fleet task spec (YAML) the person can review and launch: a coding agent
// (Claude Code, Codex) gets the conversation as its instructions; the shell agent gets the commands
// the conversation actually ran and that succeeded, in order, so the work can be replayed as a task.
import path from 'node:path';
import { stringify } from 'yaml';
import { refSlug } from '../fleet/ids';
import type { MessageRecord, ThreadRecord } from './thread-store';

export const SPEC_AGENTS = ['claude-code', 'codex', 'shell'] as const;
export type SpecAgent = (typeof SPEC_AGENTS)[number];

const MAX_INSTRUCTIONS = 20_000;

export function threadTitle(thread: ThreadRecord): string {
  if (thread.name) return thread.name;
  if (thread.preview && !thread.preview.startsWith('{')) return thread.preview;
  return 'Thread task';
}

/** The shell commands the thread ran successfully, in order. A result belongs to the latest call
 *  before it with its id: a model may reuse call ids (call_0 in every reply). */
export function shellCommands(messages: MessageRecord[]): string[] {
  const latest = new Map<unknown, MessageRecord>();
  const completed = new Set<MessageRecord>();
  for (const m of messages) {
    if (m.role === 'tool_call') latest.set(m.item?.call_id, m);
    else if (m.role === 'tool_result' && m.item?.status === 'completed') {
      const call = latest.get(m.item.call_id);
      if (call) completed.add(call);
    }
  }
  return messages
    .filter((m) => m.role === 'tool_call' && m.item?.tool === 'exec_shell' && completed.has(m))
    .map((m) => (m.item?.arguments as { command?: unknown } | undefined)?.command)
    .filter((c): c is string => typeof c === 'string' && c.trim() !== '');
}

function transcript(messages: MessageRecord[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === 'user') lines.push(`Person: ${m.content}`);
    else if (m.role === 'assistant') lines.push(`Assistant: ${m.content}`);
    else if (m.role === 'tool_call') lines.push(`(tool call ${String(m.item?.tool)}: ${JSON.stringify(m.item?.arguments ?? {})})`);
    else if (m.role === 'tool_result') lines.push(`(tool result, ${String(m.item?.status)}: ${String(m.item?.output ?? '').slice(0, 500)})`);
  }
  const text = lines.join('\n\n');
  return text.length > MAX_INSTRUCTIONS ? `…${text.slice(text.length - MAX_INSTRUCTIONS)}` : text;
}

export function threadToSpec(thread: ThreadRecord, messages: MessageRecord[], agent: SpecAgent, scratchRoot: string): { text: string; filename: string; workspace: string | null } {
  const title = threadTitle(thread).slice(0, 80);
  const slug = refSlug(title.toLowerCase()).slice(0, 40) || 'thread-task';
  const lastRequest = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const instructions = agent === 'shell'
    ? (shellCommands(messages).join('\n') || `echo ${JSON.stringify('The thread ran no shell commands to replay.')} && exit 1`)
    : [
      'Carry on the work from this conversation with a coding assistant in Shoal.',
      lastRequest ? `The latest request: ${lastRequest}` : '',
      'The conversation so far:',
      transcript(messages),
    ].filter(Boolean).join('\n\n');
  const task: Record<string, unknown> = {
    id: slug,
    name: title,
    instructions,
    metadata: { agent, source_thread: thread.id },
  };
  const inScratch = thread.cwd === '' || path.resolve(thread.cwd).startsWith(path.resolve(scratchRoot) + path.sep);
  const header = `# From the Shoal thread "${title.replace(/\n/g, ' ')}" (${thread.id}).\n# Review the instructions, then launch.\n`;
  return { text: header + stringify({ name: title, task_specs: [task] }, { lineWidth: 0 }), filename: `${slug}.yaml`, workspace: inScratch ? null : thread.cwd };
}
