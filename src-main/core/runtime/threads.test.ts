// Threads end to end on a real core: the reference implementation's ThreadManager semantics through the contract, and
// real conversations with a chat-completions server on 127.0.0.1 — streaming frames, tool calls
// through the exec policy and the approval flow, interrupts, forks, recovery after a crash.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ThreadResponse } from '../../../src-shared/contract';
import { startChatServer } from '../test-support/chat-server';
import { runtimeHarness, until, type RuntimeHarness } from '../test-support/runtime-core';
import { tempDir } from '../test-support/temp-core';
import { previewFromInitialHistory, truncatePreview } from './preview';

const harnesses: RuntimeHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose();
});

async function harness(opts: Parameters<typeof runtimeHarness>[0] = {}, dir?: string): Promise<RuntimeHarness> {
  const h = await runtimeHarness(opts, dir);
  harnesses.push(h);
  return h;
}

/** A crash: the store is closed under whatever runs, no shutdown; then Shoal starts again on it. */
async function crashAndRestart(h: RuntimeHarness, dir: string): Promise<RuntimeHarness> {
  h.core.store.close();
  harnesses.splice(harnesses.indexOf(h), 1);
  await h.chat.close();
  return harness({ start: true }, dir);
}

async function send(h: RuntimeHarness, threadId: string, input: string): Promise<ThreadResponse> {
  const accepted = await h.call<ThreadResponse>('threads.message', { threadId, input });
  expect(accepted.status).toBe('accepted');
  await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === accepted.responseId), 30_000, 'response_end');
  return accepted;
}

function history(h: RuntimeHarness, threadId: string) {
  return h.core.runtime.readThread(threadId).data.history ?? [];
}

describe('previews', () => {
  it('truncate_preview limits to 120 characters and keeps short strings', () => {
    expect(truncatePreview('a'.repeat(200))).toHaveLength(120);
    expect(truncatePreview('hello')).toBe('hello');
    expect(Array.from(truncatePreview('é'.repeat(130)))).toHaveLength(120);
  });

  it('preview_from_initial_history for new, forked and resumed history', () => {
    expect(previewFromInitialHistory({ kind: 'new' })).toBe('New conversation');
    expect(previewFromInitialHistory({ kind: 'forked', items: ['hello'] })).toContain('hello');
    expect(previewFromInitialHistory({ kind: 'resumed', conversationId: 'test', history: ['world'] })).toContain('world');
  });
});

describe('thread lifecycle', () => {
  it('creates, starts, lists, reads, renames, archives and unarchives', async () => {
    const h = await harness();
    const created = await h.call<ThreadResponse>('threads.create', {});
    expect(created.status).toBe('created');
    expect(created.threadId).toMatch(/^thread-[0-9a-f-]{36}$/);
    expect(created.thread).toMatchObject({ source: 'interactive', preview: 'New conversation', status: 'idle', model: 'auto', modelProvider: h.providerId, providerName: 'Scripted', archived: false, name: null });
    expect(created.cwd).toBe(path.join(h.core.dataDir, 'threads', created.threadId));

    const folder = tempDir('shoal-project-');
    const started = await h.call<ThreadResponse>('threads.start', { name: 'Project chat', cwd: folder, source: 'api' });
    expect(started).toMatchObject({ status: 'started', cwd: folder, thread: { name: 'Project chat', source: 'api', cwd: folder } });
    const imported = await h.call<ThreadResponse>('threads.start', { history: [{ role: 'user', content: 'from elsewhere' }] });
    expect(imported.thread?.source).toBe('resume');
    expect(imported.thread?.preview).toContain('from elsewhere');

    const list = await h.call<ThreadResponse>('threads.list', {});
    expect(list.threads.map((t) => t.id).sort()).toEqual([created.threadId, started.threadId, imported.threadId].sort());
    expect((await h.call<ThreadResponse>('threads.list', { limit: 2 })).threads).toHaveLength(2);
    expect((await h.call<ThreadResponse>('threads.list', { query: 'project' })).threads.map((t) => t.id)).toEqual([started.threadId]);

    const renamed = await h.call<ThreadResponse>('threads.setName', { threadId: created.threadId, name: 'Renamed' });
    expect(renamed.thread?.name).toBe('Renamed');
    expect((await h.call<ThreadResponse>('threads.setName', { threadId: 'thread-nope', name: 'x' })).status).toBe('missing');

    expect((await h.call<ThreadResponse>('threads.archive', { threadId: created.threadId })).status).toBe('archived');
    expect((await h.call<ThreadResponse>('threads.list', {})).threads.map((t) => t.id)).not.toContain(created.threadId);
    const all = await h.call<ThreadResponse>('threads.list', { includeArchived: true });
    expect(all.threads.find((t) => t.id === created.threadId)).toMatchObject({ archived: true, status: 'archived' });
    expect((await h.call<ThreadResponse>('threads.unarchive', { threadId: created.threadId })).status).toBe('unarchived');
    expect((await h.call<ThreadResponse>('threads.list', {})).threads.map((t) => t.id)).toContain(created.threadId);
  });

  it('answers resume and fork of an unknown thread as missing, not an error', async () => {
    const h = await harness();
    expect(await h.call('threads.resume', { threadId: 'thread-missing' })).toMatchObject({ threadId: 'thread-missing', status: 'missing', thread: null, data: { error: 'thread not found' } });
    expect(await h.call('threads.fork', { threadId: 'thread-missing' })).toMatchObject({ status: 'missing', thread: null });
    expect(await h.call('threads.read', { threadId: 'thread-missing' })).toMatchObject({ status: 'missing', thread: null });
  });

  it('resumes a thread and forks it with the fork marker as its first history item', async () => {
    const h = await harness();
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const resumed = await h.call<ThreadResponse>('threads.resume', { threadId: t, history: [{ type: 'note', text: 'carried over' }] });
    expect(resumed).toMatchObject({ status: 'resumed', thread: { id: t, status: 'idle' } });
    expect(resumed.data.history?.map((m) => [m.role, m.item])).toEqual([['history', { type: 'note', text: 'carried over' }]]);

    const forked = await h.call<ThreadResponse>('threads.fork', { threadId: t });
    expect(forked.status).toBe('forked');
    expect(forked.thread).toMatchObject({ source: 'fork', forkedFrom: t, modelProvider: h.providerId, cwd: resumed.cwd });
    expect(forked.threadId).not.toBe(t);
    expect(forked.data.history?.[0]?.item).toEqual({ type: 'fork', from_thread_id: t });
    expect(forked.thread?.preview).toBe(truncatePreview(JSON.stringify({ type: 'fork', from_thread_id: t })));
  });
});

describe('resume', () => {
  it('brings an archived thread back idle and listed, not "running" with nothing running', async () => {
    const dir = tempDir('shoal-threads-');
    const h = await harness({}, dir);
    const loaded = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const imported = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    for (const t of [loaded, imported]) await h.call('threads.archive', { threadId: t });
    // Without history (the thread is loaded in this process) and with history (read from the store).
    const a = await h.call<ThreadResponse>('threads.resume', { threadId: loaded });
    const b = await h.call<ThreadResponse>('threads.resume', { threadId: imported, history: [{ type: 'note', text: 'carried over' }] });
    for (const r of [a, b]) {
      expect(r).toMatchObject({ status: 'resumed', thread: { status: 'idle', archived: false, busy: false } });
      expect(h.core.runtime.readThread(r.threadId).thread).toMatchObject({ status: 'idle', archived: false });
    }
    expect((await h.call<ThreadResponse>('threads.list', {})).threads.map((t) => t.id)).toEqual(expect.arrayContaining([loaded, imported]));
    // It can be written to at once, and a restart finds no reply cut short.
    await send(h, imported, 'hello again');
    expect(h.core.runtime.readThread(imported).thread?.status).toBe('idle');
    const again = await crashAndRestart(h, dir);
    for (const t of [loaded, imported]) {
      expect(again.core.runtime.readThread(t).thread?.status).toBe('idle');
      expect(history(again, t).some((m) => m.role === 'error')).toBe(false);
    }
  });

  it('a model or provider given on resume is the one the thread talks to from then on, as the answer says', async () => {
    const h = await harness();
    const other = await startChatServer();
    try {
      const p2 = h.core.runtime.providers.save({ name: 'Other', baseUrl: other.baseUrl, model: 'other-model' });
      // Loaded in this process (no history), and read from the store (with history).
      for (const history of [undefined, []]) {
        const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
        const resumed = await h.call<ThreadResponse>('threads.resume', { threadId: t, modelProvider: p2.id, model: 'special-model', ...(history ? { history } : {}) });
        expect(resumed).toMatchObject({ modelProvider: p2.id, model: 'special-model', thread: { modelProvider: p2.id, model: 'special-model', providerName: 'Other' } });
        expect(h.core.runtime.readThread(t).thread).toMatchObject({ modelProvider: p2.id, model: 'special-model' });
        await send(h, t, 'hello');
      }
      expect(other.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body!.model)).toEqual(['special-model', 'special-model']);
      expect(h.chat.requests.filter((r) => r.path === '/v1/chat/completions')).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('resuming a thread that is idle leaves it idle (and one that failed, failed)', async () => {
    const h = await harness();
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    h.core.runtime.threads.setStatus(t, 'failed');
    expect((await h.call<ThreadResponse>('threads.resume', { threadId: t, history: [] })).thread?.status).toBe('failed');
    expect(h.core.runtime.readThread(t).thread?.status).toBe('failed');
  });
});

describe('conversations', () => {
  it('streams the reply as response frames and saves messages and the latest checkpoint', async () => {
    const h = await harness();
    h.chat.setScript(() => ({ text: 'Hello! I am streaming this reply in pieces.', chunkSize: 3 }));
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const accepted = await send(h, t, 'Say hello');
    const frames = h.frames.filter((f) => f.threadId === t).map((f) => f.frame);
    expect(frames[0]).toEqual({ event: 'response_start', response_id: accepted.responseId, turn_id: accepted.turnId });
    const deltas = frames.filter((f) => f.event === 'response_delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((d) => (d.event === 'response_delta' ? d.delta : '')).join('')).toBe('Hello! I am streaming this reply in pieces.');
    expect(frames.at(-1)).toEqual({ event: 'response_end', response_id: accepted.responseId, status: 'completed' });

    const read = h.core.runtime.readThread(t);
    expect(read.data.history?.map((m) => [m.role, m.content])).toEqual([['user', 'Say hello'], ['assistant', 'Hello! I am streaming this reply in pieces.']]);
    expect(read.thread).toMatchObject({ preview: 'Say hello', status: 'idle', busy: false });
    expect(read.data.checkpoint).toMatchObject({ checkpointId: 'latest', state: { reason: 'prompt_response', state: { response_id: accepted.responseId, model: 'scripted-model', provider: h.providerId } } });
    // The model saw a system prompt and the person's message.
    const body = h.chat.requests.find((r) => r.path === '/v1/chat/completions')!.body!;
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.stream).toBe(true);
  });

  it('saves the "latest" checkpoint on the person\'s message before the model answers', async () => {
    const h = await harness();
    h.chat.setScript(() => ({ text: 'a slow reply', chunkSize: 1, delayMs: 50 }));
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const accepted = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'x'.repeat(300) });
    const cp = h.core.runtime.loadThreadCheckpoint(t);
    expect(cp).toMatchObject({ reason: 'thread_message', role: 'user', preview: 'x'.repeat(120) });
    expect(h.frames.some((f) => f.frame.event === 'response_end')).toBe(false);
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === accepted.responseId));
  });

  it('runs a tool call through the gateway and gives the result back to the model', async () => {
    const h = await harness();
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    await send(h, t, 'run: echo hello from the tool');
    const roles = history(h, t).map((m) => m.role);
    expect(roles.filter((r) => r !== 'tool_event')).toEqual(['user', 'assistant', 'tool_call', 'tool_result', 'assistant']);
    const call = history(h, t).find((m) => m.role === 'tool_call')!;
    expect(call.item).toMatchObject({ tool: 'exec_shell', arguments: { command: 'echo hello from the tool' }, turn_id: expect.stringMatching(/^turn-/) });
    const result = history(h, t).find((m) => m.role === 'tool_result')!;
    expect(result.item).toMatchObject({ tool: 'exec_shell', status: 'completed', call_id: call.item!.call_id });
    expect(String(result.item!.output)).toContain('hello from the tool');
    expect(history(h, t).at(-1)!.content).toContain('The tool said: hello from the tool');
    // The policy's verdict is recorded with the call.
    expect(history(h, t).some((m) => m.role === 'tool_event' && m.item?.phase === 'precheck')).toBe(true);
    // The second model call carried the assistant's tool call and the tool's answer.
    const second = h.chat.requests.filter((r) => r.path === '/v1/chat/completions')[1]!.body!;
    expect(second.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(second.messages[2]!.tool_calls?.[0]?.function.name).toBe('exec_shell');
    expect(String(second.messages[3]!.content)).toContain('hello from the tool');
    const frames = h.frames.filter((f) => f.threadId === t).map((f) => f.frame.event);
    expect(frames).toEqual(expect.arrayContaining(['tool_call_start', 'tool_call_result']));
  });

  it('waits for a person when the policy says ask: approve runs it, deny refuses it, abort ends the turn', async () => {
    const h = await harness();
    h.core.policy.saveRule({ id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask' }, 'test');
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const cwd = h.core.runtime.readThread(t).cwd!;

    const pendingFor = async () => until(() => h.core.approvals.pendingOfThread(t)[0], 30_000, 'approval request');
    // Approve.
    const first = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'run: touch approved.txt' });
    const request = await pendingFor();
    expect(request.request).toMatchObject({ command: 'touch approved.txt', cwd, matched_rule: expect.stringContaining('touch') });
    expect(history(h, t).find((m) => m.role === 'tool_call')?.approval).toMatchObject({ id: request.id, status: 'pending' });
    expect(fs.existsSync(path.join(cwd, 'approved.txt'))).toBe(false);
    // The notification names the thread that asks, so clicking it can open that thread.
    expect(h.events.filter((e) => e.type === 'notify')).toEqual([{ type: 'notify', title: 'Approval needed', body: 'touch approved.txt', threadId: t }]);
    h.core.approvals.decide(request.id, 'approved', 'you');
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === first.responseId));
    expect(fs.existsSync(path.join(cwd, 'approved.txt'))).toBe(true);
    expect(history(h, t).find((m) => m.role === 'tool_call')?.approval).toMatchObject({ status: 'approved', decision: 'approved' });

    // Deny: the refusal is the tool's output and the model carries on.
    const second = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'run: touch denied.txt' });
    h.core.approvals.decide((await pendingFor()).id, 'denied', 'you');
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === second.responseId));
    expect(fs.existsSync(path.join(cwd, 'denied.txt'))).toBe(false);
    const denied = history(h, t).filter((m) => m.role === 'tool_result').at(-1)!;
    expect(denied.item).toMatchObject({ status: 'denied' });
    expect(history(h, t).at(-1)!.role).toBe('assistant');

    // Abort: the turn ends there.
    const third = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'run: touch aborted.txt' });
    h.core.approvals.decide((await pendingFor()).id, 'abort', 'you');
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === third.responseId));
    const end = h.frames.find((f) => f.frame.event === 'response_end' && f.frame.response_id === third.responseId)!.frame;
    expect(end).toMatchObject({ status: 'aborted' });
    expect(history(h, t).at(-1)).toMatchObject({ role: 'error', content: expect.stringContaining('Aborted') });
    expect(fs.existsSync(path.join(cwd, 'aborted.txt'))).toBe(false);
  });

  it('stops a reply in progress', async () => {
    const h = await harness();
    h.chat.setScript(() => ({ text: 'word '.repeat(200), chunkSize: 5, delayMs: 20 }));
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const accepted = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'talk a lot' });
    await until(() => h.frames.filter((f) => f.frame.event === 'response_delta').length > 3);
    expect(h.core.runtime.readThread(t).thread?.busy).toBe(true);
    await expect(h.call('threads.message', { threadId: t, input: 'again' })).rejects.toThrow(/still answering/);
    expect((await h.call<ThreadResponse>('threads.interrupt', { threadId: t })).status).toBe('interrupted');
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === accepted.responseId));
    expect(h.frames.find((f) => f.frame.event === 'response_end')!.frame).toMatchObject({ status: 'interrupted' });
    const last = history(h, t).at(-1)!;
    expect(last.role).toBe('error');
    expect(last.content).toMatch(/^Stopped\. The reply so far: word word/);
    expect(h.core.runtime.readThread(t).thread?.busy).toBe(false);
  });

  it('says what to do when there is no provider, and when the provider refuses', async () => {
    const h = await harness({ apiKey: 'right-key' });
    h.core.runtime.providers.delete(h.providerId);
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    await expect(h.call('threads.message', { threadId: t, input: 'hi' })).rejects.toThrow(/No model provider is set up yet: add one in Settings/);
    const p = h.core.runtime.providers.save({ name: 'Wrong key', baseUrl: h.chat.baseUrl, model: 'scripted-model', apiKey: 'wrong-key' });
    const t2 = (await h.call<ThreadResponse>('threads.start', { modelProvider: p.id })).threadId;
    await send(h, t2, 'hi');
    expect(history(h, t2).at(-1)).toMatchObject({ role: 'error', content: expect.stringMatching(/Wrong key refused the API key \(401\)/) });
    expect(h.core.runtime.readThread(t2).thread?.status).toBe('failed');
    expect(h.frames.some((f) => f.frame.event === 'error')).toBe(true);
  });

  it('a fork carries on the parent\'s conversation as it was when forked', async () => {
    const h = await harness();
    const parent = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    await send(h, parent, 'The secret word is pelican');
    const fork = (await h.call<ThreadResponse>('threads.fork', { threadId: parent })).threadId;
    await send(h, parent, 'Only the parent hears this');
    await send(h, fork, 'What was the word?');
    const last = h.chat.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body!;
    const said = last.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(said).toEqual(['The secret word is pelican', 'What was the word?']);
  });

  it('after a crash, a thread that was mid-reply is idle with a note saying so', async () => {
    const dir = tempDir();
    const h1 = await harness({}, dir);
    h1.chat.setScript(() => ({ text: 'never finishes '.repeat(500), chunkSize: 2, delayMs: 30 }));
    const t = (await h1.call<ThreadResponse>('threads.create', {})).threadId;
    await h1.call('threads.message', { threadId: t, input: 'go' });
    await until(() => h1.frames.some((f) => f.frame.event === 'response_delta'));
    const h2 = await crashAndRestart(h1, dir);
    const read = h2.core.runtime.readThread(t);
    expect(read.thread?.status).toBe('idle');
    expect(read.data.history?.at(-1)).toMatchObject({ role: 'error', content: expect.stringContaining('Shoal stopped before the reply finished') });
  });

  it('one-shot prompts (handle_prompt) answer and are recorded in a thread when named', async () => {
    const h = await harness();
    const answer = await h.call<{ output: string; model: string }>('threads.prompt', { prompt: 'ping' });
    expect(answer).toMatchObject({ output: 'You said: ping', model: 'scripted-model' });
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    await h.call('threads.prompt', { prompt: 'pong', threadId: t });
    expect(history(h, t).map((m) => [m.role, m.content])).toEqual([['user', 'pong'], ['assistant', 'You said: pong']]);
    expect(h.core.runtime.loadThreadCheckpoint(t)).toMatchObject({ reason: 'prompt_response' });
  });

  it('turns a thread into a task spec that launches and runs the commands it ran', async () => {
    const h = await harness({ start: true });
    const t = (await h.call<ThreadResponse>('threads.start', { name: 'Make a greeting' })).threadId;
    await send(h, t, 'run: echo greetings > greeting.txt');
    const spec = await h.call<{ text: string; filename: string; workspace: string | null }>('threads.toSpec', { threadId: t, agent: 'shell' });
    expect(spec.filename).toBe('make-a-greeting.yaml');
    expect(spec.text).toContain('instructions: echo greetings > greeting.txt');
    expect(spec.text).toContain(`source_thread: ${t}`);
    const { runId } = await h.call<{ runId: string }>('specs.launch', { text: spec.text, filename: spec.filename, workspace: spec.workspace });
    expect(await h.core.engine.waitForRun(runId)).toBe('completed');

    const claude = await h.call<{ text: string }>('threads.toSpec', { threadId: t, agent: 'claude-code' });
    expect(claude.text).toContain('agent: claude-code');
    expect(claude.text).toContain('Person: run: echo greetings > greeting.txt');
    expect(h.core.validateSpec(claude.text, 'x.yaml').ok).toBe(true);
  });
});

describe('one-shot prompts recorded in a thread', () => {
  it('leaves the thread failed, not running, when the provider fails', async () => {
    const h = await harness();
    h.chat.setScript(() => ({ status: 500, error: 'the scripted server broke' }));
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    await expect(h.call('threads.prompt', { prompt: 'ping', threadId: t })).rejects.toThrow(/answered 500: the scripted server broke/);
    expect(h.core.runtime.readThread(t).thread).toMatchObject({ status: 'failed', busy: false });
    expect(history(h, t).at(-1)).toMatchObject({ role: 'error', content: expect.stringContaining('the scripted server broke') });
  });

  it('is refused while the model is still answering a message, and on an archived thread', async () => {
    const h = await harness();
    let release!: () => void;
    const resume = new Promise<void>((r) => (release = r));
    h.chat.setScript((_body, call) => (call === 1 ? { text: 'a long answer that waits', holdAfterChars: 4, resume } : { text: 'a prompt answer' }));
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const accepted = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'first' });
    await until(() => h.frames.some((f) => f.frame.event === 'response_delta'));
    await expect(h.call('threads.prompt', { prompt: 'second', threadId: t })).rejects.toThrow(/still answering/);
    release();
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === accepted.responseId));
    expect(history(h, t).map((m) => [m.role, m.content])).toEqual([['user', 'first'], ['assistant', 'a long answer that waits']]);

    await h.call('threads.archive', { threadId: t });
    await expect(h.call('threads.prompt', { prompt: 'third', threadId: t })).rejects.toThrow(/archived/);
    expect(h.core.runtime.readThread(t).thread).toMatchObject({ status: 'archived', archived: true });
    expect(history(h, t)).toHaveLength(2);
  });

  it('makes the thread busy while it answers, so a message waits for it and interrupt stops it', async () => {
    const h = await harness();
    h.chat.setScript(() => ({ text: 'word '.repeat(200), chunkSize: 5, delayMs: 20 }));
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const prompt = h.call('threads.prompt', { prompt: 'talk', threadId: t }).then(() => 'answered', (e: Error) => e.message);
    await until(() => h.frames.some((f) => f.frame.event === 'response_delta'));
    expect(h.core.runtime.readThread(t).thread?.busy).toBe(true);
    await expect(h.call('threads.message', { threadId: t, input: 'meanwhile' })).rejects.toThrow(/still answering/);
    expect((await h.call<ThreadResponse>('threads.interrupt', { threadId: t })).status).toBe('interrupted');
    expect(await prompt).toMatch(/Stopped/);
    expect(h.core.runtime.readThread(t).thread).toMatchObject({ status: 'idle', busy: false });
    expect(history(h, t).map((m) => m.role)).toEqual(['user', 'error']);
  });
});

describe('what a failed reply names', () => {
  it('a 404 for the thread\'s own model names that model, not the provider\'s', async () => {
    const h = await harness();
    const t = (await h.call<ThreadResponse>('threads.start', { model: 'no-such-model' })).threadId;
    await send(h, t, 'hi');
    const error = history(h, t).at(-1)!;
    expect(error.role).toBe('error');
    expect(error.content).toContain('for model "no-such-model"');
    expect(error.content).not.toContain('"scripted-model"');
  });
});

describe('working folders', () => {
  it('refuses a folder that is not an absolute path, naming the field, and writes nothing', async () => {
    const h = await harness();
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    for (const cwd of ['relative/project', '~/project', './here']) {
      await expect(h.call('threads.start', { cwd })).rejects.toThrow(new RegExp(`^cwd: must be an absolute path`));
      await expect(h.call('threads.resume', { threadId: t, cwd })).rejects.toThrow(/^cwd: must be an absolute path/);
      await expect(h.call('threads.fork', { threadId: t, cwd })).rejects.toThrow(/^cwd: must be an absolute path/);
    }
    expect((await h.call<ThreadResponse>('threads.list', {})).threads.map((x) => x.id)).toEqual([t]);
    expect(h.core.runtime.readThread(t).cwd).toBe(path.join(h.core.dataDir, 'threads', t));
  });

  it('refuses a folder that is not there, or is a file, naming it; no thread is made', async () => {
    const h = await harness();
    const file = path.join(h.core.dataDir, 'a-file');
    fs.writeFileSync(file, 'x');
    const missing = path.join(h.core.dataDir, 'no-such-folder');
    await expect(h.call('threads.start', { cwd: missing })).rejects.toThrow(`cwd: there is no folder at ${missing}`);
    await expect(h.call('threads.start', { cwd: file })).rejects.toThrow(`cwd: ${file} is a file, not a folder`);
    expect((await h.call<ThreadResponse>('threads.list', {})).threads).toEqual([]);
  });

  it('a blank folder on resume or fork keeps the thread\'s own, it does not run tools in Shoal\'s folder', async () => {
    const h = await harness();
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const own = path.join(h.core.dataDir, 'threads', t);
    expect((await h.call<ThreadResponse>('threads.resume', { threadId: t, cwd: '' })).cwd).toBe(own);
    expect(h.core.runtime.readThread(t).cwd).toBe(own);
    expect((await h.call<ThreadResponse>('threads.fork', { threadId: t, cwd: '  ' })).cwd).toBe(own);
    // A folder given on resume is the one its tools run in from then on, not just the one reported.
    const elsewhere = tempDir('shoal-project-');
    expect((await h.call<ThreadResponse>('threads.resume', { threadId: t, cwd: elsewhere })).cwd).toBe(elsewhere);
    expect(h.core.runtime.readThread(t).cwd).toBe(elsewhere);
    await send(h, t, 'run: pwd');
    expect(String(history(h, t).find((m) => m.role === 'tool_result')?.item?.output).trim()).toBe(fs.realpathSync(elsewhere));
  });
});

describe('recovery', () => {
  it('after a crash while a tool call waited for approval, the thread says the reply did not finish', async () => {
    const dir = tempDir();
    const h1 = await harness({}, dir);
    h1.core.policy.saveRule({ id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask' }, 'test');
    const t = (await h1.call<ThreadResponse>('threads.create', {})).threadId;
    await h1.call('threads.message', { threadId: t, input: 'run: touch a.txt' });
    await until(() => h1.core.approvals.pendingOfThread(t)[0], 30_000, 'approval request');
    const h2 = await crashAndRestart(h1, dir);
    const read = h2.core.runtime.readThread(t);
    expect(read.thread?.status).toBe('idle');
    expect(h2.core.approvals.pendingOfThread(t)).toEqual([]);
    expect(read.data.history?.at(-1)).toMatchObject({ role: 'error', content: expect.stringContaining('Shoal stopped before the reply finished') });
  });
});

describe('bad input', () => {
  it('refuses an unknown provider on resume and fork as on start, and changes nothing', async () => {
    const h = await harness();
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    for (const [method, input] of [['threads.start', {}], ['threads.resume', { threadId: t }], ['threads.fork', { threadId: t }]] as const) {
      await expect(h.call(method, { ...input, modelProvider: 'provider-nope' })).rejects.toThrow(/^No model provider with id "provider-nope"\.$/);
    }
    expect((await h.call<ThreadResponse>('threads.list', {})).threads.map((x) => x.id)).toEqual([t]);
    expect(h.core.runtime.readThread(t).thread?.modelProvider).toBe(h.providerId);
  });

  it('names each field once in an error', async () => {
    const h = await harness();
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    await expect(h.call('threads.setName', { threadId: t, name: '  ' })).rejects.toThrow(/^name: required$/);
    await expect(h.call('threads.message', { threadId: t, input: ' ' })).rejects.toThrow(/^input: the message is empty$/);
    await expect(h.call('threads.prompt', { prompt: '' })).rejects.toThrow(/^prompt: required$/);
  });
});

describe('call ids a model reuses', () => {
  it('each tool call shows its own approval when a later turn reuses the call id', async () => {
    const h = await harness();
    h.core.policy.saveRule({ id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask' }, 'test');
    // A server that numbers calls per reply: every call is call_0.
    h.chat.setScript((body) => {
      const last = body.messages.at(-1)!;
      if (last.role === 'tool') return { text: 'done' };
      return { toolCalls: [{ id: 'call_0', name: 'exec_shell', arguments: { command: String(last.content).replace(/^run: /, '') } }] };
    });
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const first = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'run: touch one.txt' });
    h.core.approvals.decide((await until(() => h.core.approvals.pendingOfThread(t)[0], 30_000, 'first request')).id, 'denied', 'you');
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === first.responseId));
    const second = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'run: touch two.txt' });
    h.core.approvals.decide((await until(() => h.core.approvals.pendingOfThread(t)[0], 30_000, 'second request')).id, 'approved', 'you');
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === second.responseId));
    const calls = history(h, t).filter((m) => m.role === 'tool_call');
    expect(calls.map((c) => [c.item?.arguments, c.approval?.status])).toEqual([[{ command: 'touch one.txt' }, 'denied'], [{ command: 'touch two.txt' }, 'approved']]);
    // Made into a task, only the command that ran is replayed: not the refused one that shares its id.
    const spec = await h.call<{ text: string }>('threads.toSpec', { threadId: t, agent: 'shell' });
    expect(spec.text).toContain('instructions: touch two.txt');
    expect(spec.text).not.toContain('touch one.txt');
  });
});

describe('a thread whose provider was removed', () => {
  it('names the provider it now talks to (the default), not "no provider"', async () => {
    const h = await harness();
    const other = h.core.runtime.providers.save({ name: 'Other', baseUrl: h.chat.baseUrl, model: 'scripted-model' });
    const t = (await h.call<ThreadResponse>('threads.start', { modelProvider: other.id })).threadId;
    expect(h.core.runtime.readThread(t).thread?.providerName).toBe('Other');
    await h.call('providers.delete', { id: other.id });
    expect(h.core.runtime.readThread(t).thread?.providerName).toBe('Scripted');
    await send(h, t, 'still there?');
    expect(history(h, t).at(-1)).toMatchObject({ role: 'assistant', content: 'You said: still there?' });
    h.core.runtime.providers.delete(h.providerId);
    expect(h.core.runtime.readThread(t).thread?.providerName).toBeNull();
  });
});
