// A tool call waiting for a person outlives the connection that asked: when the agent's HTTP
// request to the gateway is cut (an SSH reverse forward that drops, a client's request cut off),
// the request stays pending for a grace, and the same call asking again (same attempt, same call
// id) is answered by it — with a decision made before or after it asked again. Nobody asking again
// within the grace expires the request; the attempt ending still expires it at once.
// Real HTTP on 127.0.0.1, the real gateway and approval store on a real SQLite file.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../fleet/event-log';
import type { ShoalCore } from '../shoal';
import { tempDir } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { ShoalToolGateway, type AttemptSession } from './gateway';

const makeCore = useCores();

const ASK_CURL = { policy: { rules: [{ id: 'ask-curl', tool: 'exec_shell', prefix: 'curl', action: 'ask' }] } };
const COMMAND = 'curl -s https://example.com';

interface Ask {
  verdict: Promise<Record<string, unknown>>;
  /** Destroys the request's socket, as a dropped forward or a killed client would. */
  cut(): void;
}

/** The permission-prompt tool asked over MCP Streamable HTTP (a plain POST, answered as SSE). */
function ask(url: string, toolUseId: string, command = COMMAND): Ask {
  let req!: http.ClientRequest;
  const verdict = new Promise<Record<string, unknown>>((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'approval_prompt', arguments: { tool_name: 'Bash', input: { command }, tool_use_id: toolUseId } } });
    req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (buf += d));
      res.on('error', reject);
      res.on('end', () => {
        const data = buf.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('');
        try {
          const msg = JSON.parse(data) as { result: { content: Array<{ text: string }> } };
          resolve(JSON.parse(msg.result.content[0]!.text) as Record<string, unknown>);
        } catch (e) {
          reject(new Error(`HTTP ${res.statusCode}: ${buf} (${(e as Error).message})`));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  verdict.catch(() => undefined); // a cut request's rejection is expected
  return { verdict, cut: () => req.destroy() };
}

async function open(gateway: ShoalToolGateway, recorded: EventPayload[], attempt = 1): Promise<AttemptSession> {
  return gateway.openAttempt({
    scope: { kind: 'task', runId: 'run-cut', taskId: 't', attempt, workdir: tempDir() }, metadata: ASK_CURL,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, record: (e) => recorded.push(...e),
  });
}

const phases = (recorded: EventPayload[]) => recorded.map((e) => `${String((e.extra as Record<string, unknown>).kind)}:${String((e.extra as Record<string, unknown>).phase)}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server has seen a cut request's close once the socket is gone on its side too. */
async function afterCut(): Promise<void> {
  await sleep(300);
}

describe('an approval whose connection dropped', () => {
  it('stays pending; decided while nobody waited, the same call asking again gets that decision', async () => {
    const c: ShoalCore = makeCore();
    const recorded: EventPayload[] = [];
    const session = await open(c.tools, recorded);
    try {
      const first = ask(session.url, 'toolu_cut_1');
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.callId === 'toolu_cut_1'));
      first.cut();
      await afterCut();
      // The person's dialog is still there, and their decision counts.
      expect(c.approvals.get(pending.id)!.status).toBe('pending');
      expect(c.approvals.decide(pending.id, 'approved', 'you').changed).toBe(true);

      const again = ask(session.url, 'toolu_cut_1');
      expect(await again.verdict).toEqual({ behavior: 'allow', updatedInput: { command: COMMAND } });
      // One request for one call; each step recorded once.
      expect(c.approvals.pending()).toEqual([]);
      expect(c.store.db.prepare('SELECT COUNT(*) AS n FROM approvals').get()).toEqual({ n: 1 });
      expect(phases(recorded)).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching']);
    } finally {
      session.close();
    }
  });

  it('the same call asking again before anyone decided waits on the same request and gets its decision', async () => {
    const c: ShoalCore = makeCore();
    const recorded: EventPayload[] = [];
    const session = await open(c.tools, recorded);
    try {
      const first = ask(session.url, 'toolu_cut_2');
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.callId === 'toolu_cut_2'));
      first.cut();
      await afterCut();
      const again = ask(session.url, 'toolu_cut_2');
      await sleep(200);
      expect(c.approvals.pending().map((a) => a.id)).toEqual([pending.id]);
      expect(c.approvals.decide(pending.id, 'denied', 'you').changed).toBe(true);
      expect(await again.verdict).toEqual({ behavior: 'deny', message: `Denied by you: "${COMMAND}" was not approved. Carry on without it.` });
      expect(phases(recorded)).toEqual(['tool:precheck', 'approval:requested', 'approval:denied']);
    } finally {
      session.close();
    }
  });

  it('expires when nobody asks again within the grace; the attempt ending expires it at once', async () => {
    const c: ShoalCore = makeCore();
    // A second gateway on the same store and approvals, with a short grace.
    const gateway = new ShoalToolGateway({
      store: c.store, bus: null, approvals: c.approvals, policy: c.policy, env: process.env, cancelTask: () => false, reconnectGraceMs: 1_500,
    });
    try {
      const recorded: EventPayload[] = [];
      const session = await open(gateway, recorded);
      const first = ask(session.url, 'toolu_gone');
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.callId === 'toolu_gone'));
      const cutAt = Date.now();
      first.cut();
      await afterCut();
      expect(c.approvals.get(pending.id)!.status).toBe('pending');
      const expired = await waitFor('the request expired', () => (c.approvals.get(pending.id)!.status === 'expired' ? c.approvals.get(pending.id) : null), 10_000, 50);
      expect(Date.now() - cutAt).toBeGreaterThanOrEqual(1_400);
      expect(expired).toMatchObject({ decision: null, decidedBy: 'shoal' });
      expect(c.audit.list({ limit: 1, prefix: 'approval.' })[0]).toMatchObject({
        action: 'approval.expired', subject: pending.id, detail: { why: "the agent's connection to the gateway dropped and the call did not ask again within 2 s" },
      });
      expect(c.approvals.decide(pending.id, 'approved', 'you').changed).toBe(false);
      await waitFor('the expiry in the timeline', () => phases(recorded).length === 3);
      expect(phases(recorded)).toEqual(['tool:precheck', 'approval:requested', 'approval:denied']);
      expect(recorded[2]!.extra).toMatchObject({ status: 'expired' });
      // Asking again after the grace is a new question.
      const late = ask(session.url, 'toolu_gone');
      const second = await waitFor('a new request', () => c.approvals.pending().find((a) => a.callId === 'toolu_gone'));
      expect(second.id).not.toBe(pending.id);
      late.cut();
      await afterCut();
      // The attempt ends during the grace: expired at once, not at the grace's end.
      session.close();
      expect(c.approvals.get(second.id)).toMatchObject({ status: 'expired', decidedBy: 'shoal' });

      // And an attempt ending while its call waits (connected) expires the request at once, as before.
      const s2 = await open(gateway, [], 2);
      const waiting = ask(s2.url, 'toolu_end');
      const third = await waitFor('the third request', () => c.approvals.pending().find((a) => a.callId === 'toolu_end'));
      s2.close();
      expect(c.approvals.get(third.id)!.status).toBe('expired');
      expect(await waiting.verdict).toEqual({ behavior: 'deny', message: `Denied: the approval request for "${COMMAND}" expired.` });
    } finally {
      await gateway.close();
    }
  });

  it('expires after the grace when the connection was already gone by the time its call came to wait', async () => {
    const c: ShoalCore = makeCore();
    const gateway = new ShoalToolGateway({
      store: c.store, bus: null, approvals: c.approvals, policy: c.policy, env: process.env, cancelTask: () => false, reconnectGraceMs: 1_000,
    });
    try {
      const session = await open(gateway, []);
      // The caller's connection closed while its call was being judged (before it could wait).
      const cut = new AbortController();
      cut.abort();
      const bound = (gateway as unknown as { attempts: Map<string, Parameters<ShoalToolGateway['authorizeForCaller']>[0]> }).attempts.get('task:run-cut/t#1')!;
      const verdict = await gateway.authorizeForCaller(bound, 'Bash', { command: COMMAND }, 'toolu_gone_early', undefined, 'permission_prompt', { connection: cut.signal });
      expect(verdict).toMatchObject({ behavior: 'deny', message: expect.stringContaining('Not answered: the connection to the gateway dropped') });
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.callId === 'toolu_gone_early'));
      // Nobody waits for it and nobody asks again: it goes after the grace, not at the approval timeout.
      const expired = await waitFor('the request expired', () => (c.approvals.get(pending.id)!.status === 'expired' ? c.approvals.get(pending.id) : null), 10_000, 50);
      expect(expired).toMatchObject({ decision: null, decidedBy: 'shoal' });
      session.close();
    } finally {
      await gateway.close();
    }
  });
});
