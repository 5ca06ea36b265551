// MCP resumability of a permission-prompt call (what Claude Code's client does with a cut stream):
// the call's SSE stream opens with an event id; a GET with that Last-Event-ID re-attaches to the
// same waiting call and answers it (with the original request id) on the GET's stream, which can
// itself be cut and resumed. Calls that never wait, and clients too old for it, get no id at all.
// Real HTTP on 127.0.0.1, the real gateway and approval store on a real SQLite file.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { tempDir } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { RESUME_RETRY_MS } from './mcp-http';

const makeCore = useCores();
const COMMAND = 'curl -s https://example.com';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stream {
  status: Promise<number>;
  /** The raw SSE text received so far. */
  text(): string;
  ended: Promise<string>;
  cut(): void;
}

function open(url: string, init: { method: 'POST' | 'GET'; body?: unknown; headers?: Record<string, string> }): Stream {
  let buf = '';
  let req!: http.ClientRequest;
  let setStatus!: (n: number) => void;
  const status = new Promise<number>((r) => (setStatus = r));
  const ended = new Promise<string>((resolve, reject) => {
    req = http.request(url, { method: init.method, agent: false, headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json', ...init.headers } }, (res) => {
      setStatus(res.statusCode ?? 0);
      res.setEncoding('utf8');
      res.on('data', (d: string) => (buf += d));
      res.on('end', () => resolve(buf));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body === undefined ? undefined : JSON.stringify(init.body));
  });
  ended.catch(() => undefined);
  return { status, text: () => buf, ended, cut: () => req.destroy() };
}

const ids = (sse: string) => sse.split('\n').filter((l) => l.startsWith('id:')).map((l) => l.slice(3).trim());
const messages = (sse: string) => sse.split('\n').filter((l) => l.startsWith('data:') && l.slice(5).trim()).map((l) => JSON.parse(l.slice(5)) as { id: unknown; result: { content: Array<{ text: string }> } });
const prompt = (toolUseId?: string) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'approval_prompt', arguments: { tool_name: 'Bash', input: { command: COMMAND }, ...(toolUseId ? { tool_use_id: toolUseId } : {}) } } });
const NEW_CLIENT = { 'mcp-protocol-version': '2025-11-25' };

describe('a permission-prompt call whose stream was cut', () => {
  it('is resumed by a GET with the Last-Event-ID it was given, again after a second cut, and answered there', async () => {
    const c: ShoalCore = makeCore();
    const session = await c.tools.openAttempt({
      scope: { kind: 'task', runId: 'run-resume', taskId: 't', attempt: 1, workdir: tempDir() },
      metadata: { policy: { rules: [{ id: 'ask-curl', tool: 'exec_shell', prefix: 'curl', action: 'ask' }] } },
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, record: () => undefined,
    });
    try {
      const post = open(session.url, { method: 'POST', body: prompt('toolu_resume'), headers: NEW_CLIENT });
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.callId === 'toolu_resume'));
      await waitFor('the priming event', () => ids(post.text()).length === 1);
      expect(post.text()).toContain(`retry: ${RESUME_RETRY_MS}`);
      const first = ids(post.text())[0]!;
      post.cut();
      await sleep(300);
      expect(c.approvals.get(pending.id)!.status).toBe('pending');

      // An id from nowhere, or this id on another endpoint, resumes nothing.
      expect(await open(session.url, { method: 'GET', headers: { 'last-event-id': 'nope.1' } }).status).toBe(404);
      expect(await open(session.url.replace(/[^/]+$/, 'other-secret'), { method: 'GET', headers: { 'last-event-id': first } }).status).toBe(404);

      const get1 = open(session.url, { method: 'GET', headers: { 'last-event-id': first } });
      expect(await get1.status).toBe(200);
      await waitFor('the resumed stream\'s own id', () => ids(get1.text()).length === 1);
      const second = ids(get1.text())[0]!;
      expect(second).not.toBe(first);
      get1.cut();
      await sleep(300);
      const get2 = open(session.url, { method: 'GET', headers: { 'last-event-id': second } });
      await waitFor('the second resume attached', () => ids(get2.text()).length === 1);
      expect(c.approvals.decide(pending.id, 'approved', 'you').changed).toBe(true);
      const answered = messages(await get2.ended);
      expect(answered).toHaveLength(1);
      expect(answered[0]!.id).toBe(7);
      expect(JSON.parse(answered[0]!.result.content[0]!.text)).toEqual({ behavior: 'allow', updatedInput: { command: COMMAND } });
      expect(c.store.db.prepare('SELECT COUNT(*) AS n FROM approvals').get()).toEqual({ n: 1 });
      // Answered: the call is not resumable any more.
      expect(await open(session.url, { method: 'GET', headers: { 'last-event-id': second } }).status).toBe(404);
    } finally {
      session.close();
    }
  });

  it('calls that cannot ask again, and clients older than 2025-11-25, get no event id, as before', async () => {
    const c: ShoalCore = makeCore();
    const session = await c.tools.openAttempt({
      scope: { kind: 'task', runId: 'run-resume', taskId: 't2', attempt: 1, workdir: tempDir() },
      metadata: { policy: { rules: [{ id: 'ask-curl', tool: 'exec_shell', prefix: 'curl', action: 'ask' }] } },
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, record: () => undefined,
    });
    try {
      const shell = open(session.url, { method: 'POST', headers: NEW_CLIENT, body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'exec_shell', arguments: { command: 'echo hi' } } } });
      const out = await shell.ended;
      expect(ids(out)).toEqual([]);
      expect(messages(out)[0]!.result.content[0]!.text).toContain('hi');
      for (const [body, headers] of [[prompt(), NEW_CLIENT], [prompt('toolu_old'), {}]] as const) {
        const s = open(session.url, { method: 'POST', body, headers });
        const p = await waitFor('the request', () => c.approvals.pending()[0]);
        expect(c.approvals.decide(p.id, 'denied', 'you').changed).toBe(true);
        const sse = await s.ended;
        expect(ids(sse)).toEqual([]);
        expect(JSON.parse(messages(sse)[0]!.result.content[0]!.text)).toMatchObject({ behavior: 'deny' });
      }
    } finally {
      session.close();
    }
  });
});
