// Hooks on run status changes and thread events, hooks that fall behind, and hooks that must not
// hear of a transaction that rolled back: real cores, real commands, a real HTTP receiver on 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ThreadResponse } from '../../../../src-shared/contract';
import { KeyFileCipher } from '../../providers/secret-store';
import { defaultScript } from '../../test-support/chat-server';
import { runtimeHarness, type RuntimeHarness } from '../../test-support/runtime-core';
import { eventsOf, launch, tempDir } from '../../test-support/temp-core';
import { startReceiver, type HttpReceiver } from '../../test-support/http-receiver';
import { useCores } from '../../test-support/use-cores';
import { waitFor } from '../../test-support/wait-for';
import { HookRunner } from './hook-runner';

const harnesses: RuntimeHarness[] = [];
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose();
  for (const r of receivers.splice(0)) await r.close();
});

// Registered after the afterEach above, so (after-hooks run as a stack) the cores shut down first.
const makeCore = useCores();
const core = () => makeCore({ maxWorkers: 2 });

interface Recorded { type: string; data: Record<string, unknown> }
/** A command hook that appends each event to one file (a hook runs its events one at a time). */
const recorder = (file: string, pause = '') => `${pause}cat >> '${file}'; echo >> '${file}'`;
const readEvents = (file: string): Recorded[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded) : []);
const hookLog = (logFile: string) => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');

describe('hooks on runs and threads', () => {
  it('run status changes: run.state on each, run.started and run.finished once', async () => {
    const c = core();
    const file = path.join(tempDir('shoal-hook-out-'), 'events.jsonl');
    c.alerts.addHook({ id: 'runs', kind: 'command', events: ['run.*'], command: recorder(file) });
    const runId = launch(c, { name: 'watched', task_specs: [{ id: 'ok', name: 'OK', instructions: 'echo fine', scorer: { kind: 'exit_code' } }] });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const events = await waitFor('run.finished recorded', () => readEvents(file).some((e) => e.type === 'run.finished') && readEvents(file));
    expect(events.filter((e) => e.type === 'run.state').map((e) => e.data.state)).toEqual(['queued', 'running', 'completed']);
    expect(events.filter((e) => e.type === 'run.started')).toEqual([expect.objectContaining({ data: expect.objectContaining({ run_id: runId, run_name: 'watched', state: 'running' }) })]);
    expect(events.filter((e) => e.type === 'run.finished').map((e) => e.data)).toEqual([{ run_id: runId, run_name: 'watched', state: 'completed', previous: 'running' }]);
  });

  it('a cancelled run announces its cancellation', async () => {
    const c = core();
    const file = path.join(tempDir('shoal-hook-out-'), 'events.jsonl');
    c.alerts.addHook({ id: 'runs', kind: 'command', events: ['run.finished'], command: recorder(file) });
    const runId = launch(c, { name: 'stopped', task_specs: [{ id: 'slow', name: 'Slow', instructions: 'sleep 30', scorer: { kind: 'exit_code' } }] });
    await waitFor('the task running', () => eventsOf(c, runId, 'slow').some((e) => e.state === 'running'));
    c.engine.cancelRun(runId, 'test');
    expect(await c.engine.waitForRun(runId)).toBe('cancelled');
    const [finished] = await waitFor('run.finished recorded', () => readEvents(file).length > 0 && readEvents(file));
    expect(finished).toMatchObject({ type: 'run.finished', data: { run_id: runId, state: 'cancelled' } });
  });

  it('hooks hear only committed transactions: a rolled-back event or approval request fires nothing', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const c = core();
    const runId = launch(c, { name: 'quiet', task_specs: [{ id: 'ok', name: 'OK', instructions: 'true', scorer: { kind: 'exit_code' } }] });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    c.alerts.addHook({ id: 'post', kind: 'url', events: ['task.state', 'approval.requested'], url: `${r.url}/in` });
    const fleet = c.engine.fleet;
    expect(() => fleet.tx(() => {
      fleet.events.append(runId, [{ taskId: 'ok', workerId: '', payload: { state: 'queued', note: 'rolled back' } }]);
      throw new Error('abandoned');
    })).toThrow('abandoned');
    expect(() => c.audit.transaction(() => {
      c.audit.append({ actor: 'agent', action: 'approval.requested', subject: 'ap_gone', detail: { note: 'rolled back' } });
      throw new Error('abandoned');
    })).toThrow('abandoned');
    // The same writes, committed: each is announced once.
    fleet.tx(() => fleet.events.append(runId, [{ taskId: 'ok', workerId: '', payload: { state: 'queued', note: 'committed' } }]));
    c.audit.transaction(() => c.audit.append({ actor: 'agent', action: 'approval.requested', subject: 'ap_kept', detail: { note: 'committed' } }));
    await waitFor('both committed events posted', () => r.requests.length >= 2);
    await new Promise((res) => setTimeout(res, 300));
    const bodies = r.requests.map((q) => JSON.parse(q.body) as Recorded);
    expect(bodies.map((b) => [b.type, b.data.note])).toEqual(expect.arrayContaining([['task.state', 'committed'], ['approval.requested', 'committed']]));
    expect(bodies).toHaveLength(2);
    expect(JSON.stringify(bodies)).not.toContain('rolled back');
  });

  it('thread events reach hooks; a slow hook never holds the stream and gets the deltas merged, text whole', async () => {
    const h = await runtimeHarness();
    harnesses.push(h);
    const file = path.join(tempDir('shoal-hook-out-'), 'events.jsonl');
    const text = 'A reply streamed one character at a time, to a hook that is slow.';
    h.chat.setScript(() => ({ text, chunkSize: 1 }));
    h.core.alerts.addHook({ id: 'slow', kind: 'command', events: ['response.*', 'tool.*'], command: recorder(file, 'sleep 0.2; ') });
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const accepted = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'Say something' });
    await waitFor('response_end frame', () => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === accepted.responseId));
    // The stream ended while the hook still had work queued: it did not wait for the hook.
    expect(h.core.alerts.hooks.waiting('slow')).toBeGreaterThan(0);
    const events = await waitFor('response.end recorded', () => readEvents(file).some((e) => e.type === 'response.end') && readEvents(file), 30_000);
    expect(events[0]).toMatchObject({ type: 'response.start', data: { thread_id: t, response_id: accepted.responseId } });
    const deltas = events.filter((e) => e.type === 'response.delta');
    expect(deltas.map((d) => d.data.delta).join('')).toBe(text);
    expect(deltas.length).toBeLessThan(text.length);
    expect(events.at(-1)).toMatchObject({ type: 'response.end', data: { status: 'completed' } });
    expect(hookLog(h.core.alerts.hooks.logFile)).toMatch(/slow queue: 0 events dropped, \d+ response\.delta merged while the hook was behind/);

    // A tool call: tool.start, then tool.finish with its status.
    h.chat.setScript(defaultScript);
    await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'run: echo hi' });
    const tools = await waitFor('tool.finish recorded', () => readEvents(file).some((e) => e.type === 'tool.finish') && readEvents(file).filter((e) => e.type.startsWith('tool.')), 30_000);
    expect(tools.map((e) => [e.type, e.data.tool_name])).toEqual([['tool.start', 'exec_shell'], ['tool.finish', 'exec_shell']]);
    expect(tools[1]!.data).toMatchObject({ thread_id: t, status: 'completed' });
  });

  it('a hook that falls behind keeps at most its queue limit; what does not fit is dropped and counted in the log', async () => {
    const dir = tempDir('shoal-hook-queue-');
    const file = path.join(dir, 'events.jsonl');
    const runner = new HookRunner({
      dataDir: dir, cipher: new KeyFileCipher(dir), env: process.env, queueLimit: 3,
      hooks: () => [{ id: 'stuck', kind: 'command', events: ['run.state'], timeout_seconds: 10, command: recorder(file, 'sleep 0.3; ') }],
    });
    for (let i = 0; i < 10; i++) runner.emit('run.state', { n: i });
    expect(runner.waiting('stuck')).toBe(3);
    await runner.settle();
    // The first ran at once, three waited, six were dropped.
    expect(readEvents(file).map((e) => e.data.n)).toEqual([0, 1, 2, 3]);
    expect(hookLog(runner.logFile)).toContain('stuck queue: 6 events dropped, 0 response.delta merged');
  });
});
