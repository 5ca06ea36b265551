// Alerts end to end in one process: real cores, real failing tasks, real HTTP receivers on 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShoalCore, type ShoalCoreOptions } from '../shoal';
import { eventsOf, launch, tempDir } from '../test-support/temp-core';
import { startReceiver, type HttpReceiver, type ScriptedResponse } from '../test-support/http-receiver';
import { waitFor } from '../test-support/wait-for';
import { verifyWebhookSignature } from './senders/webhook';
import { specCheck } from '../api/spec-preview';

const cores: ShoalCore[] = [];
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.shutdown();
  for (const r of receivers.splice(0)) await r.close();
});

function core(extra: Partial<ShoalCoreOptions> = {}): ShoalCore {
  const dir = tempDir('shoal-alerts-');
  const c = new ShoalCore({
    dbPath: path.join(dir, 'shoal.db'), transport: 'headless', log: () => {},
    engine: { leaseMs: 5_000, heartbeatMs: 200, killGraceMs: 500, maxWorkers: 2 },
    alerts: { minuteMs: 100, scanMs: 20, delivery: { baseBackoffMs: 20, timeoutMs: 3_000, pollMs: 100 } },
    ...extra,
  });
  cores.push(c);
  c.start();
  return c;
}

async function receiver(script?: ScriptedResponse[]): Promise<HttpReceiver> {
  const r = await startReceiver(script);
  receivers.push(r);
  return r;
}

const failing = (policy: unknown, extra: Record<string, unknown> = {}) => ({
  name: 'alerting run',
  task_specs: [{ id: 'flaky', name: 'Flaky task', instructions: 'echo nope; exit 1', scorer: { kind: 'exit_code' }, retry_policy: { max_attempts: 1, initial_backoff_seconds: 0 }, alert_policy: policy, ...extra }],
});

const deliveries = (c: ShoalCore, runId?: string) => c.alerts.outbox.list(runId ? { runId } : {});
/** The deliveries in `state`, or null while there are none (for waitFor). */
const inState = (c: ShoalCore, runId: string, state: string) => {
  const found = deliveries(c, runId).filter((x) => x.state === state);
  return found.length > 0 ? found : null;
};

describe('alerts', () => {
  it('a webhook that fails twice with 503 gets one delivery id over three signed attempts, and one escalated event', async () => {
    const r = await receiver([{ status: 503 }, { status: 503 }, { status: 200 }]);
    const c = core();
    const secret = 'shh-its-a-secret';
    const runId = launch(c, failing({ channels: [{ kind: 'webhook', url: `${r.url}/hook?token=abc`, secret }] }));
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const [d] = await waitFor('delivered', () => inState(c, runId, 'delivered'));
    expect(r.requests).toHaveLength(3);
    expect(d!.attempts).toBe(3);
    expect(new Set(r.requests.map((q) => q.headers['x-shoal-delivery']))).toEqual(new Set([d!.id]));
    for (const q of r.requests) {
      // The receiver's recipe (README/webhook.ts): HMAC over "<timestamp>.<raw body>".
      expect(verifyWebhookSignature(secret, { timestamp: q.headers['x-shoal-timestamp'] as string, signature: q.headers['x-shoal-signature'] as string }, q.body)).toBe(true);
      expect(verifyWebhookSignature('wrong', { timestamp: q.headers['x-shoal-timestamp'] as string, signature: q.headers['x-shoal-signature'] as string }, q.body)).toBe(false);
    }
    const body = JSON.parse(r.requests[2]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ id: d!.id, type: 'alert.triggered', rule: 'failed', run_id: runId, task_id: 'flaky', attempt: 1 });
    expect(typeof body.created_at).toBe('string');
    const escalated = eventsOf(c, runId, 'flaky').filter((e) => e.state === 'escalated');
    expect(escalated).toEqual([expect.objectContaining({ channel: 'webhook', alert_id: d!.id })]);
    // Sealed at rest: neither the stored spec nor the outbox holds the URL or the secret.
    const raw = c.store.db.prepare<[], { spec: string }>('SELECT spec FROM tasks').all().map((x) => x.spec).join('') + JSON.stringify(deliveries(c));
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain('token=abc');
  });

  it('fires after_attempts once (not once per retry), and honours Retry-After on 429', async () => {
    const r = await receiver([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const c = core();
    const runId = launch(c, failing({ channels: [{ kind: 'webhook', url: r.url, secret: null }], after_attempts: 1 }, { retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 } }));
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    await waitFor('both delivered', () => deliveries(c, runId).length === 2 && deliveries(c, runId).every((x) => x.state === 'delivered'));
    expect(deliveries(c, runId).map((x) => x.rule).sort()).toEqual(['attempts', 'failed']);
    expect(eventsOf(c, runId, 'flaky').filter((e) => e.state === 'escalated')).toHaveLength(2);
    // The 429's Retry-After (1 s) was waited out before the same delivery was tried again.
    const first = r.requests[0]!;
    const again = r.requests.find((q, i) => i > 0 && q.headers['x-shoal-delivery'] === first.headers['x-shoal-delivery'])!;
    expect(again.at - first.at).toBeGreaterThanOrEqual(950);
    expect(r.requests.every((q) => q.headers['x-shoal-signature'] === undefined)).toBe(true);
  });

  it('PagerDuty: trigger, then resolve with the same dedup_key when the task passes', async () => {
    const pd = await receiver([{ status: 202, body: '{"status":"success"}' }]);
    const marker = path.join(tempDir('shoal-marker-'), 'second-time');
    const c = core({ env: { ...process.env, SHOAL_PAGERDUTY_EVENTS_URL: `${pd.url}/v2/enqueue` } });
    const runId = launch(c, failing({ channels: [{ kind: 'pager_duty', routing_key: 'R0UTING', severity: 'critical' }], after_attempts: 1 }, {
      instructions: `test -f '${marker}' || { touch '${marker}'; exit 1; }`, retry_policy: { max_attempts: 2, initial_backoff_seconds: 0 },
    }));
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    await waitFor('trigger and resolve delivered', () => pd.requests.length === 2 && deliveries(c, runId).every((x) => x.state === 'delivered'));
    const [trigger, resolve] = pd.requests.map((q) => JSON.parse(q.body) as { dedup_key: string; payload: { summary: string } });
    expect(pd.requests[0]!.path).toBe('/v2/enqueue');
    expect(trigger).toMatchObject({ routing_key: 'R0UTING', event_action: 'trigger', payload: { severity: 'critical', source: `shoal/${runId}` } });
    expect(trigger!.payload.summary).toContain('Flaky task');
    expect(resolve).toEqual({ routing_key: 'R0UTING', event_action: 'resolve', dedup_key: trigger!.dedup_key });
  });

  it('PagerDuty: a resolve waits for its trigger still being retried (sent first, it would leave the incident open)', async () => {
    // The trigger's first send gets 503 with Retry-After 3: the task passes (and its resolve is
    // written) well before the trigger goes again.
    const pd = await receiver([{ status: 503, headers: { 'retry-after': '3' } }, { status: 202, body: '{"status":"success"}' }]);
    const marker = path.join(tempDir('shoal-marker-'), 'second-time');
    const c = core({ env: { ...process.env, SHOAL_PAGERDUTY_EVENTS_URL: `${pd.url}/v2/enqueue` } });
    const runId = launch(c, failing({ channels: [{ kind: 'pager_duty', routing_key: 'R0UTING', severity: 'critical' }], after_attempts: 1 }, {
      instructions: `test -f '${marker}' || { touch '${marker}'; exit 1; }`, retry_policy: { max_attempts: 2, initial_backoff_seconds: 0 },
    }));
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    await waitFor('trigger and resolve delivered', () => deliveries(c, runId).length === 2 && deliveries(c, runId).every((x) => x.state === 'delivered'));
    expect(pd.requests.map((q) => (JSON.parse(q.body) as { event_action: string }).event_action)).toEqual(['trigger', 'trigger', 'resolve']);
  });

  it('Slack gets text and blocks naming run, task, attempt, reason and a link back', async () => {
    const slack = await receiver([{ status: 200, body: 'ok' }]);
    const c = core();
    const runId = launch(c, failing({ channels: [{ kind: 'slack', webhook_url: `${slack.url}/services/T/B/X` }] }));
    await c.engine.waitForRun(runId);
    await waitFor('slack message', () => slack.requests.length === 1 && deliveries(c, runId)[0]!.state === 'delivered');
    const msg = JSON.parse(slack.requests[0]!.body) as { text: string; blocks: Array<{ fields: Array<{ text: string }>; elements: Array<{ text: string }> }> };
    expect(msg.text).toBe('Task "Flaky task" in alerting run failed for good');
    const fields = msg.blocks[1]!.fields.map((f) => f.text);
    expect(fields).toEqual(['*Run*\nalerting run', '*Task*\nFlaky task', '*Attempt*\n1', expect.stringContaining('*Reason*\nfailed for good after 1 attempt')]);
    expect(msg.blocks[2]!.elements[0]!.text).toContain(`shoal://runs/${runId}/tasks/flaky`);
  });

  it('Slack: a task name or error holding <, > or & is escaped, so "<!channel>" notifies nobody', async () => {
    const slack = await receiver([{ status: 200, body: 'ok' }]);
    const c = core();
    c.alerts.settings.update({ channels: [{ kind: 'slack', webhook_url: `${slack.url}/services/T/B/X` }] });
    const runId = launch(c, { name: 'r&d <nightly>', task_specs: [{ ...failing(null).task_specs[0], name: '<!channel> build' }] });
    await c.engine.waitForRun(runId);
    await waitFor('slack message', () => slack.requests.length === 1);
    const msg = JSON.parse(slack.requests[0]!.body) as { text: string; blocks: Array<{ fields: Array<{ text: string }> }> };
    expect(msg.text).toBe('Task "&lt;!channel&gt; build" in r&amp;d &lt;nightly&gt; failed for good');
    expect(msg.blocks[1]!.fields.slice(0, 2).map((f) => f.text)).toEqual(['*Run*\nr&amp;d &lt;nightly&gt;', '*Task*\n&lt;!channel&gt; build']);
    expect(slack.requests[0]!.body).not.toContain('<!channel>');
  });

  it('gives up after the attempt limit and marks the delivery failed with its last error; Retry sends it again', async () => {
    const r = await receiver([{ status: 500, body: 'boom' }]);
    const c = core();
    c.alerts.settings.update({ max_delivery_attempts: 2 });
    const runId = launch(c, failing({ channels: [{ kind: 'webhook', url: r.url }] }));
    await c.engine.waitForRun(runId);
    const [d] = await waitFor('failed', () => inState(c, runId, 'failed'));
    expect(d!.attempts).toBe(2);
    expect(d!.last_error).toBe('gave up after 2 attempts; last: HTTP 500: boom');
    expect(c.alerts.retry(d!.id)).toBe(true);
    await waitFor('retried', () => r.requests.length === 4 && c.alerts.outbox.get(d!.id)!.state === 'failed');
    expect(new Set(r.requests.map((q) => q.headers['x-shoal-delivery'])).size).toBe(1);
  });

  it('removing a Settings channel stops its pending deliveries, saying why; a task\'s own channel is untouched', async () => {
    const down = await receiver([{ status: 503 }]);
    const own = await receiver([{ status: 503 }]);
    const c = core();
    c.alerts.settings.update({ channels: [{ kind: 'webhook', url: `${down.url}/settings` }], max_delivery_attempts: 50 });
    const fromSettings = launch(c, failing(null));
    const withOwn = launch(c, failing({ channels: [{ kind: 'webhook', url: `${own.url}/own` }] }));
    await c.engine.waitForRun(fromSettings);
    await c.engine.waitForRun(withOwn);
    await waitFor('both retrying', () => down.requests.length >= 2 && own.requests.length >= 2);
    expect(c.alerts.settings.removeChannel(c.alerts.settings.view().channels[0]!.id)).toBe(true);
    const [d] = await waitFor('cancelled', () => inState(c, fromSettings, 'failed'));
    expect(d!.last_error).toBe('not sent: its channel was removed from Settings');
    // A send under way at the removal may still arrive; nothing after it.
    await new Promise((res) => setTimeout(res, 100));
    const sent = down.requests.length;
    await new Promise((res) => setTimeout(res, 500));
    expect(down.requests.length).toBe(sent);
    expect(c.alerts.outbox.get(d!.id)!.state).toBe('failed');
    expect(deliveries(c, withOwn).map((x) => x.state)).toEqual(['retrying']);
  });

  it('a receiver echoing the path it was posted to does not put a Slack URL\'s token in the recorded error or the log', async () => {
    // Express answers a path it does not serve with "Cannot POST <path>".
    const r = await receiver([{ status: 404, body: 'Cannot POST /services/T0/B0/SEKRETXYZ?x=QTOKEN' }]);
    const lines: string[] = [];
    const c = core({ log: (l) => lines.push(l) });
    const runId = launch(c, failing({ channels: [{ kind: 'slack', webhook_url: `${r.url}/services/T0/B0/SEKRETXYZ?x=QTOKEN` }] }));
    await c.engine.waitForRun(runId);
    const [d] = await waitFor('failed', () => inState(c, runId, 'failed'));
    expect(d!.last_error).toBe('HTTP 404: Cannot POST …');
    expect(lines.join('\n')).toContain('HTTP 404: Cannot POST …');
    expect(lines.join('\n')).not.toMatch(/SEKRETXYZ|QTOKEN/);
  });

  it('a task passing after its Settings channel was removed sends no resolve to the removed channel', async () => {
    const down = await receiver([{ status: 503 }]);
    const marker = path.join(tempDir('shoal-marker-'), 'second-time');
    const c = core();
    c.alerts.settings.update({ channels: [{ kind: 'webhook', url: `${down.url}/settings` }], after_attempts: 1, max_delivery_attempts: 50 });
    const runId = launch(c, failing(null, {
      instructions: `test -f '${marker}' || { touch '${marker}'; exit 1; }`, retry_policy: { max_attempts: 2, initial_backoff_seconds: 2 },
    }));
    await waitFor('trigger retrying', () => down.requests.length >= 1);
    expect(c.alerts.settings.removeChannel(c.alerts.settings.view().channels[0]!.id)).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    await new Promise((res) => setTimeout(res, 300));
    expect(deliveries(c, runId).map((d) => `${d.action}:${d.state}`)).toEqual(['trigger:failed']);
  });

  it('a 4xx other than 408/429 is not retried', async () => {
    const r = await receiver([{ status: 404 }]);
    const c = core();
    const runId = launch(c, failing({ channels: [{ kind: 'webhook', url: r.url }] }));
    await c.engine.waitForRun(runId);
    const [d] = await waitFor('failed', () => inState(c, runId, 'failed'));
    expect(d!.attempts).toBe(1);
    expect(d!.last_error).toBe('HTTP 404: {}');
  });

  it('an approval left waiting escalates through the Settings channels, once', async () => {
    const r = await receiver();
    const c = core();
    c.alerts.settings.update({ channels: [{ kind: 'webhook', url: r.url, secret: 'k' }], approval_escalate_minutes: 1 });
    c.approvals.create('ap_1', {
      call_id: 'c1', approval_id: 'ap_1', turn_id: 't', command: 'git push --force', cwd: '/tmp', reason: 'asks', matched_rule: null, network_approval_context: null,
      proposed_execpolicy_amendment: [], proposed_network_policy_amendments: [], additional_permissions: [], available_decisions: ['approved', 'denied'],
    } as never, { tool: 'exec_shell', runId: null, taskId: null, attempt: null, threadId: null, ownerPid: process.pid, diff: null, agentReason: null });
    await waitFor('approval escalated', () => r.requests.length >= 1);
    const body = JSON.parse(r.requests[0]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ rule: 'approval', type: 'alert.triggered' });
    expect(body.reason).toContain('"git push --force"');
    // More scans pass; the approval still waits; nothing more is sent.
    await new Promise((res) => setTimeout(res, 200));
    expect(deliveries(c).filter((d) => d.rule === 'approval')).toHaveLength(1);
  });

  it('PagerDuty: an escalated approval, once answered, is resolved with the same dedup_key', async () => {
    const pd = await receiver([{ status: 202, body: '{"status":"success"}' }]);
    const c = core({ env: { ...process.env, SHOAL_PAGERDUTY_EVENTS_URL: `${pd.url}/v2/enqueue` } });
    c.alerts.settings.update({ channels: [{ kind: 'pager_duty', routing_key: 'R0UTING', severity: 'warning' }], approval_escalate_minutes: 1 });
    c.approvals.create('ap_pd', {
      call_id: 'c2', approval_id: 'ap_pd', turn_id: 't', command: 'rm -rf build', cwd: '/tmp', reason: 'asks', matched_rule: null, network_approval_context: null,
      proposed_execpolicy_amendment: [], proposed_network_policy_amendments: [], additional_permissions: [], available_decisions: ['approved', 'denied'],
    } as never, { tool: 'exec_shell', runId: null, taskId: null, attempt: null, threadId: null, ownerPid: process.pid, diff: null, agentReason: null });
    await waitFor('trigger delivered', () => pd.requests.length === 1 && deliveries(c).every((d) => d.state === 'delivered'));
    c.approvals.decide('ap_pd', 'approved', 'ana');
    await waitFor('resolve delivered', () => pd.requests.length === 2 && deliveries(c).every((d) => d.state === 'delivered'), 10_000);
    const [trigger, resolve] = pd.requests.map((q) => JSON.parse(q.body) as Record<string, unknown>);
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: 'shoal:approval:ap_pd' });
    expect(resolve).toEqual({ routing_key: 'R0UTING', event_action: 'resolve', dedup_key: 'shoal:approval:ap_pd' });
    expect(deliveries(c).find((d) => d.action === 'resolve')!.reason).toBe('approval ap_pd was answered: approved by ana');
    // Scans go on: resolved once.
    await new Promise((res) => setTimeout(res, 200));
    expect(pd.requests).toHaveLength(2);
  });

  it("a run's own approval_escalate_minutes overrides Settings: its waiting approval escalates, once, and the scan stops reading it", async () => {
    const r = await receiver();
    const c = core();
    // Settings would wait 1000 "minutes"; the run says 1.
    c.alerts.settings.update({ approval_escalate_minutes: 1000 });
    const runId = launch(c, failing({ channels: [{ kind: 'webhook', url: r.url }], approval_escalate_minutes: 1 }, { instructions: 'sleep 2', retry_policy: { max_attempts: 1 } }));
    c.approvals.create('ap_run', {
      call_id: 'c3', approval_id: 'ap_run', turn_id: 't', command: 'npm publish', cwd: '/tmp', reason: 'asks', matched_rule: null, network_approval_context: null,
      proposed_execpolicy_amendment: [], proposed_network_policy_amendments: [], additional_permissions: [], available_decisions: ['approved', 'denied'],
    } as never, { tool: 'exec_shell', runId, taskId: 'flaky', attempt: 1, threadId: null, ownerPid: process.pid, diff: null, agentReason: null });
    await waitFor('approval escalated', () => r.requests.some((q) => (JSON.parse(q.body) as { rule: string }).rule === 'approval'));
    const body = r.requests.map((q) => JSON.parse(q.body) as Record<string, unknown>).find((b) => b.rule === 'approval')!;
    expect(body).toMatchObject({ run_id: runId, task_id: 'flaky' });
    expect(body.reason).toMatch(/approval ap_run for "npm publish" has waited more than 1 min/);
    // Already escalated: the scan's query leaves it out from now on.
    const waiting = c.store.db.prepare(`SELECT COUNT(*) AS n FROM approvals a WHERE a.status = 'pending' AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_key = 'approval:' || a.id)`).get() as { n: number };
    expect(waiting.n).toBe(0);
    expect(deliveries(c, runId).filter((d) => d.rule === 'approval')).toHaveLength(1);
    await c.engine.waitForRun(runId);
  });

  it('approval_escalate_minutes in a spec is validated by name; the approval deadline has one home (the approval timeout)', () => {
    const c = core();
    const bad = c.validateSpec(JSON.stringify(failing({ channels: [{ kind: 'webhook', url: 'https://example.com/h' }], approval_escalate_minutes: 0 })));
    expect(!bad.ok && bad.issues).toEqual(['task_specs[0].alert_policy.approval_escalate_minutes: must be at least 1 (leave it out to use the Settings value)']);
    const typo = c.validateSpec(JSON.stringify(failing({ channels: [], approval_escalate_minutes: 'soon' })));
    expect(!typo.ok && typo.issues.join('\n')).toMatch(/alert_policy\.approval_escalate_minutes/);
    const good = specCheck(c.validateSpec(JSON.stringify(failing({ channels: [{ kind: 'webhook', url: 'https://example.com/h' }], approval_escalate_minutes: 5 }))), { id: 'local', name: 'local', capabilities: [], maxConcurrent: 1 });
    expect(good.ok && good.preview!.tasks[0]!.alert).toBe('webhook (approvals after 5 min)');
    // Settings no longer holds a second deadline: the key is refused, saying where it lives.
    expect(() => c.alerts.settings.update({ approval_deadline_minutes: 1 })).toThrow(/approval_deadline_minutes: the approval deadline is the approval timeout now: set it and its decision \(deny by default\) in Settings → Exec policy/);
    // A row an older version wrote with it still reads, channels and all.
    c.store.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('alerts', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
      .run(JSON.stringify({ channels: [{ kind: 'webhook', url: 'https://example.com/h' }], approval_escalate_minutes: 4, approval_deadline_minutes: 3, approval_default_decision: 'denied' }), new Date().toISOString());
    expect(c.alerts.settings.get()).toMatchObject({ channels: [{ kind: 'webhook', url: 'https://example.com/h' }], approval_escalate_minutes: 4 });
    expect(c.alerts.settings.get()).not.toHaveProperty('approval_deadline_minutes');
  });

  it('a task with no progress for after_minutes_stale escalates (stale)', async () => {
    const r = await receiver();
    const c = core();
    const runId = launch(c, failing({ channels: [{ kind: 'webhook', url: r.url }], after_minutes_stale: 2 }, { instructions: 'sleep 1.5', retry_policy: { max_attempts: 1 } }));
    await waitFor('stale alert', () => deliveries(c, runId).some((d) => d.rule === 'stale' && d.state === 'delivered'));
    expect(JSON.parse(r.requests[0]!.body)).toMatchObject({ rule: 'stale', task_id: 'flaky' });
    await c.engine.waitForRun(runId);
  });

  it('bad channels are refused when the spec is validated, naming the field', () => {
    const c = core();
    const result = c.validateSpec(JSON.stringify(failing({
      channels: [
        { kind: 'slack', webhook_url: 'hooks.slack.com/x' },
        { kind: 'webhook', url: 'http://example.com/hook' },
        { kind: 'pager_duty', routing_key: '', severity: 'sev1' },
      ],
    })));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([
      'task_specs[0].alert_policy.channels[0].webhook_url: not a valid URL (expected https://host/path)',
      'task_specs[0].alert_policy.channels[1].url: must be https for a host other than this machine (got http://example.com)',
      "task_specs[0].alert_policy.channels[2].routing_key: empty; give the PagerDuty integration's routing key",
      'task_specs[0].alert_policy.channels[2].severity: unknown severity "sev1"; expected one of critical, error, warning, info',
    ]);
    expect(() => c.alerts.settings.update({ channels: [{ kind: 'pager_duty', routing_key: 'x', severity: 'loud' }] }))
      .toThrow('channels[0].severity: unknown severity "loud"');
    expect(fs.existsSync(c.store.path)).toBe(true);
  });

  it('Settings tells two channels of one kind apart by the host they post to, never showing the rest of the URL', () => {
    const c = core();
    c.alerts.settings.addChannel({ kind: 'webhook', url: 'https://a.example/in/s3cret-path' });
    c.alerts.settings.addChannel({ kind: 'webhook', url: 'https://b.example:8443/in?token=s3cret-query', secret: 's3cret-key' });
    c.alerts.settings.addChannel({ kind: 'slack', webhook_url: 'https://hooks.slack.com/services/T0/B0/s3cret-token' });
    c.alerts.settings.addChannel({ kind: 'pager_duty', routing_key: 's3cret-routing', severity: 'info' });
    const view = c.alerts.settings.view();
    expect(view.channels.map((ch) => ch.label)).toEqual(['Webhook · a.example', 'Webhook (signed) · b.example:8443', 'Slack · hooks.slack.com', 'PagerDuty (info)']);
    expect(JSON.stringify(view)).not.toMatch(/s3cret|services|token|\/in/);
  });

  it('a URL with a user name or password is refused naming the field (fetch never sends one), and nothing is kept', () => {
    const c = core();
    expect(() => c.alerts.settings.addChannel({ kind: 'webhook', url: 'https://bot:hunter2@hooks.example.com/in' }))
      .toThrow('channel.url: must not carry a user name or password (HTTP clients refuse to send one); put the token in the path or query, or use the signing secret');
    expect(() => c.alerts.settings.addChannel({ kind: 'slack', webhook_url: 'https://x@hooks.slack.com/services/T/B/C' })).toThrow(/^channel\.webhook_url: must not carry a user name/);
    expect(c.alerts.settings.view().channels).toEqual([]);
    const result = c.validateSpec(JSON.stringify(failing({ channels: [{ kind: 'webhook', url: 'http://me:pw@127.0.0.1:9/hook' }] })));
    expect(!result.ok && result.issues).toEqual([
      'task_specs[0].alert_policy.channels[0].url: must not carry a user name or password (HTTP clients refuse to send one); put the token in the path or query, or use the signing secret',
    ]);
  });
});
