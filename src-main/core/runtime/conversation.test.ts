// What the model is shown, rebuilt from stored messages: rounds of tool calls stay together even
// with results stored between them, an unanswered call gets an answer, a fork sees its parent's
// conversation only up to the fork.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/open';
import { tempDir } from '../test-support/temp-core';
import { conversationFor } from './conversation';
import { ThreadManager } from './thread-manager';
import { ThreadStore } from './thread-store';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function setup() {
  const store = openStore(path.join(tempDir(), 'shoal.db'));
  stores.push(store);
  const threads = new ThreadStore(store);
  return { threads, manager: new ThreadManager(threads) };
}

const call = (id: string, round: number, command = 'ls') => ({ call_id: id, tool: 'exec_shell', arguments: { command }, turn_id: 'turn-1', round });

describe('conversationFor', () => {
  it('keeps a round\'s calls in one assistant message, results after it', () => {
    const { threads, manager } = setup();
    const t = manager.spawnThreadWithHistory('p', '/tmp', { kind: 'new' }).thread.id;
    manager.touchMessage(t, 'look around');
    threads.appendMessage(t, 'assistant', 'Looking.');
    threads.appendItem(t, 'tool_call', call('a', 0, 'ls'));
    threads.appendItem(t, 'tool_event', { call_id: 'a', kind: 'tool', phase: 'precheck', detail: {} });
    threads.appendItem(t, 'tool_result', { call_id: 'a', tool: 'exec_shell', status: 'completed', output: 'README.md' });
    threads.appendItem(t, 'tool_call', call('b', 0, 'pwd'));
    threads.appendItem(t, 'tool_result', { call_id: 'b', tool: 'exec_shell', status: 'denied', output: 'Refused.' });
    threads.appendItem(t, 'tool_call', call('c', 1, 'cat README.md'));
    threads.appendItem(t, 'tool_result', { call_id: 'c', tool: 'exec_shell', status: 'completed', output: 'hello' });
    threads.appendMessage(t, 'assistant', 'It says hello.');
    threads.appendMessage(t, 'error', 'a note for people');
    const messages = conversationFor(threads, t);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'tool', 'assistant']);
    const first = messages[1] as { content: string; tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> };
    expect(first.content).toBe('Looking.');
    expect(first.tool_calls.map((c) => [c.id, JSON.parse(c.function.arguments)])).toEqual([['a', { command: 'ls' }], ['b', { command: 'pwd' }]]);
    expect(messages[3]).toEqual({ role: 'tool', tool_call_id: 'b', content: 'Refused.' });
    expect(messages[4]).toMatchObject({ role: 'assistant', content: null, tool_calls: [{ id: 'c' }] });
  });

  it('answers a call that never got a result, so the conversation stays valid', () => {
    const { threads, manager } = setup();
    const t = manager.spawnThreadWithHistory('p', '/tmp', { kind: 'new' }).thread.id;
    manager.touchMessage(t, 'go');
    threads.appendItem(t, 'tool_call', call('x', 0));
    manager.touchMessage(t, 'are you there?');
    expect(conversationFor(threads, t)).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'exec_shell', arguments: '{"command":"ls"}' } }] },
      { role: 'tool', tool_call_id: 'x', content: 'The call was interrupted before it returned.' },
      { role: 'user', content: 'are you there?' },
    ]);
  });

  it('a fork sees the parent up to the fork, then its own messages', () => {
    const { threads, manager } = setup();
    const parent = manager.spawnThreadWithHistory('p', '/tmp', { kind: 'new' }).thread.id;
    manager.touchMessage(parent, 'one');
    threads.appendMessage(parent, 'assistant', 'two');
    const fork = manager.forkThread({ threadId: parent }, '/tmp')!.thread.id;
    manager.touchMessage(parent, 'parent only');
    manager.touchMessage(fork, 'fork only');
    expect(conversationFor(threads, fork).map((m) => m.content)).toEqual(['one', 'two', 'fork only']);
    const grandchild = manager.forkThread({ threadId: fork }, '/tmp')!.thread.id;
    expect(conversationFor(threads, grandchild).map((m) => m.content)).toEqual(['one', 'two', 'fork only']);
  });
});
