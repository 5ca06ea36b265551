// How a conversation reads: fenced code kept apart from prose, and a tool call folded with its
// policy verdict, approval and result.
import { describe, expect, it } from 'vitest';
import type { ThreadMessage } from '../../../../src-shared/contract';
import { segments, threadTitle, toolCalls, toolCallsByMessage, toolSummary } from './thread-format';

let id = 0;
const msg = (role: ThreadMessage['role'], item: Record<string, unknown> | null, extra: Partial<ThreadMessage> = {}): ThreadMessage =>
  ({ id: ++id, role, content: item ? JSON.stringify(item) : '', item, createdAt: '2026-01-01T00:00:00Z', approval: null, ...extra });

describe('thread-format', () => {
  it('splits fenced code from prose', () => {
    expect(segments('Run this:\n```sh\nls -la\n```\nthen tell me.')).toEqual([
      { kind: 'text', text: 'Run this:\n' },
      { kind: 'code', text: 'ls -la', lang: 'sh' },
      { kind: 'text', text: '\nthen tell me.' },
    ]);
    expect(segments('no code')).toEqual([{ kind: 'text', text: 'no code' }]);
    expect(segments('```\nunterminated')).toEqual([{ kind: 'code', text: 'unterminated' }]);
  });

  it('summarises a call in one line and titles threads', () => {
    expect(toolSummary('exec_shell', { command: 'git status' })).toBe('$ git status');
    expect(toolSummary('read_file', { path: 'README.md' })).toBe('README.md');
    expect(toolSummary('notes__add', { a: 1 })).toBe('{"a":1}');
    expect(threadTitle({ name: null, preview: '{"type":"fork","from_thread_id":"t"}', source: 'fork', forkedFrom: 't' })).toBe('Fork of a conversation');
    expect(threadTitle({ name: 'Mine', preview: 'x', source: 'interactive', forkedFrom: null })).toBe('Mine');
  });

  it('folds a call with its approval and result', () => {
    const waiting = toolCalls([
      msg('tool_call', { call_id: 'c1', tool: 'exec_shell', arguments: { command: 'touch x' } }, { approval: { id: 'a1', status: 'pending', decision: null } }),
      msg('tool_event', { call_id: 'c1', kind: 'tool', phase: 'precheck', detail: { requires_approval: true, matched_rule: 'ask-touch' } }),
      msg('tool_event', { call_id: 'c1', kind: 'approval', phase: 'requested', detail: {} }),
    ]).get('c1')!;
    expect(waiting.state).toBe('waiting');
    expect(waiting.notes).toEqual(['Policy: ask (rule ask-touch)', 'Approval requested']);

    const done = toolCalls([
      msg('tool_call', { call_id: 'c1', tool: 'exec_shell', arguments: { command: 'touch x' } }, { approval: { id: 'a1', status: 'approved', decision: 'approved_for_session' } }),
      msg('tool_event', { call_id: 'c1', kind: 'approval', phase: 'requested', detail: {} }),
      msg('tool_event', { call_id: 'c1', kind: 'approval', phase: 'approved', detail: { decision: 'approved_for_session', decided_by: 'you' } }),
      msg('tool_result', { call_id: 'c1', tool: 'exec_shell', status: 'completed', output: 'ok', exit_code: 0 }),
    ]).get('c1')!;
    expect(done).toMatchObject({ state: 'completed', output: 'ok', exitCode: 0 });
    expect(done.notes.at(-1)).toBe('Approved (approved for session) by you');

    const refused = toolCalls([
      msg('tool_call', { call_id: 'c2', tool: 'exec_shell', arguments: { command: 'rm -rf /' } }),
      msg('tool_event', { call_id: 'c2', kind: 'tool', phase: 'precheck', detail: { allow: false, matched_rule: 'default-deny-rm-root' } }),
      msg('tool_result', { call_id: 'c2', tool: 'exec_shell', status: 'denied', output: 'Refused by policy' }),
    ]).get('c2')!;
    expect(refused).toMatchObject({ state: 'denied', notes: ['Policy: deny (rule default-deny-rm-root)'] });
  });

  it('keeps two calls apart when the model reused a call id in a later turn', () => {
    // Some OpenAI-compatible servers number calls per reply (call_0, call_1, …).
    const first = msg('tool_call', { call_id: 'call_0', tool: 'exec_shell', arguments: { command: 'ls' }, turn_id: 'turn-1' }, { approval: null });
    const second = msg('tool_call', { call_id: 'call_0', tool: 'exec_shell', arguments: { command: 'touch x' }, turn_id: 'turn-2' }, { approval: { id: 'a2', status: 'pending', decision: null } });
    const cards = toolCallsByMessage([
      first,
      msg('tool_result', { call_id: 'call_0', tool: 'exec_shell', status: 'completed', output: 'a.txt', exit_code: 0 }),
      msg('user', null),
      second,
      msg('tool_event', { call_id: 'call_0', kind: 'approval', phase: 'requested', detail: {} }),
    ]);
    expect(cards.get(first.id)).toMatchObject({ args: { command: 'ls' }, state: 'completed', output: 'a.txt' });
    expect(cards.get(second.id)).toMatchObject({ args: { command: 'touch x' }, state: 'waiting', output: null, notes: ['Approval requested'] });
  });
});
