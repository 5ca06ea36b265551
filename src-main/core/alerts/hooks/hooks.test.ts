// Hooks on lifecycle events with real commands and a real HTTP receiver on 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShoalCore } from '../../shoal';
import { launch, tempDir } from '../../test-support/temp-core';
import { startReceiver, type HttpReceiver } from '../../test-support/http-receiver';
import { useCores } from '../../test-support/use-cores';
import { waitFor } from '../../test-support/wait-for';
import { verifyWebhookSignature } from '../senders/webhook';

const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

// Registered after the afterEach above, so (after-hooks run as a stack) the cores shut down first.
const makeCore = useCores();
const core = () => makeCore({ maxWorkers: 2 });

const passing = { name: 'hooked', task_specs: [{ id: 'ok', name: 'OK', instructions: 'echo fine', scorer: { kind: 'exit_code' } }] };
const log = (c: ShoalCore) => (fs.existsSync(c.alerts.hooks.logFile) ? fs.readFileSync(c.alerts.hooks.logFile, 'utf8') : '');

describe('hooks', () => {
  it('a command hook gets the event JSON on stdin; one that sleeps past its timeout does not delay the task and is logged', async () => {
    const c = core();
    // One file per event: hooks run concurrently.
    const out = tempDir('shoal-hook-out-');
    c.alerts.addHook({ id: 'record', kind: 'command', events: ['attempt.*', 'task.state'], command: `cat > "$(mktemp -p '${out}')"` });
    c.alerts.addHook({ id: 'slow', kind: 'command', events: ['attempt.finished'], command: 'echo about to sleep; sleep 30', timeout_seconds: 1 });
    const runId = launch(c, passing);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    // The run is done while the slow hook is still sleeping: it did not hold the task.
    expect(log(c)).not.toContain('slow attempt.finished');
    const line = await waitFor('the slow hook timed out', () => log(c).split('\n').find((l) => l.includes('slow attempt.finished')), 15_000);
    expect(line).toMatch(/FAILED \d+ms timed out after 1s \(killed\) output: about to sleep/);
    const recorded = () => fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), 'utf8')).filter(Boolean).map((t) => JSON.parse(t) as { type: string; data: Record<string, unknown> });
    const events = await waitFor('recorded events', () => recorded().some((e) => e.type === 'attempt.finished') && recorded());
    expect(events.map((e) => e.type)).toContain('attempt.started');
    expect(events.find((e) => e.type === 'attempt.finished')!.data).toMatchObject({ run_id: runId, task_id: 'ok', state: 'completed', attempt: 1 });
  });

  it('a URL hook posts the event signed like the alert webhook; its URL and secret are never shown', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const c = core();
    c.alerts.addHook({ id: 'post', kind: 'url', events: ['attempt.finished'], url: `${r.url}/in?key=hidden`, secret: 'hook-secret' });
    expect(c.alerts.hookStore.view()).toEqual([{ id: 'post', kind: 'url', events: ['attempt.finished'], timeout_seconds: 10, target: `${r.url}/…`, signed: true }]);
    expect(JSON.stringify(c.alerts.hookStore.list())).not.toContain('hook-secret');
    launch(c, passing);
    await waitFor('posted', () => r.requests.length === 1);
    const q = r.requests[0]!;
    expect(verifyWebhookSignature('hook-secret', { timestamp: q.headers['x-shoal-timestamp'] as string, signature: q.headers['x-shoal-signature'] as string }, q.body)).toBe(true);
    expect(JSON.parse(q.body)).toMatchObject({ type: 'attempt.finished', data: { task_id: 'ok' } });
    expect(q.headers['x-shoal-delivery']).toBe((JSON.parse(q.body) as { id: string }).id);
  });

  it('a URL hook whose receiver echoes the path fails without its token in the result or hooks.log', async () => {
    const r = await startReceiver([{ status: 404, body: 'Cannot POST /in/HOOKTOKEN' }]);
    receivers.push(r);
    const c = core();
    c.alerts.addHook({ id: 'echo', kind: 'url', events: ['run.finished'], url: `${r.url}/in/HOOKTOKEN` });
    const result = await c.alerts.testHook('echo');
    expect(result).toEqual({ hook: 'echo', ok: false, detail: 'HTTP 404: Cannot POST …' });
    expect(log(c)).toContain('echo run.finished');
    expect(log(c)).not.toContain('HOOKTOKEN');
  });

  it('bad hooks are refused naming the field', () => {
    const c = core();
    expect(() => c.alerts.addHook({ id: 'x', kind: 'url', events: ['task.exploded'], url: 'http://example.com/h' })).toThrow(/events\[0\]: unknown hook event "task.exploded"/);
    try {
      c.alerts.addHook({ id: 'x', kind: 'url', events: [], url: 'http://example.com/h' });
    } catch (e) {
      expect((e as { issues: string[] }).issues).toEqual(['events: empty; name at least one event, e.g. ["attempt.finished"]', 'url: must be https for a host other than this machine (got http://example.com)']);
    }
    expect(() => c.alerts.addHook({ id: 'y', kind: 'command', events: ['*'], command: '  ' })).toThrow('command: empty; give a shell command');
    expect(c.alerts.hookStore.list()).toEqual([]);
  });

  it('an id already taken is refused (Settings → Hooks and the API alike), unless the caller asks to replace it', () => {
    const c = core();
    c.alerts.addHook({ id: 'h', kind: 'url', events: ['run.finished'], url: 'https://hooks.example/a', secret: 's' });
    expect(() => c.alerts.addHook({ id: 'h', kind: 'command', events: ['*'], command: 'true' })).toThrow('id: a hook "h" already exists; remove it first, or choose another id');
    expect(c.alerts.hookStore.view().map((h) => [h.id, h.kind, h.signed])).toEqual([['h', 'url', true]]);
    c.alerts.addHook({ id: 'h', kind: 'command', events: ['*'], command: 'true' }, true);
    expect(c.alerts.hookStore.view().map((h) => [h.id, h.kind])).toEqual([['h', 'command']]);
  });
});
