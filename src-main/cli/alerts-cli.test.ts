// Alerts through the real `shoal` command: a SIGKILL after the alert is enqueued and before it is
// delivered loses nothing (resume sends it, same delivery id), `shoal run` waits for its alerts, and
// `shoal alerts` lists and configures them.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { startReceiver, type HttpReceiver } from '../core/test-support/http-receiver';
import { waitFor } from '../core/test-support/wait-for';
import { runCli, startCli } from './test-support/cli';

const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

function failingSpec(dir: string, url: string): string {
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify({
    id: 'alerting', name: 'alerting run',
    task_specs: [{ id: 'boom', name: 'Boom', instructions: 'exit 3', scorer: { kind: 'exit_code' }, retry_policy: { max_attempts: 1 }, alert_policy: { channels: [{ kind: 'webhook', url, secret: 's3cret' }] } }],
  }));
  return file;
}

// Short delivery timings for the child processes (the claim on a row lasts timeout + 1 s).
const env = { SHOAL_ALERT_TIMEOUT_MS: '1500', SHOAL_ALERT_BACKOFF_MS: '50' };

describe('shoal alerts', () => {
  it('kill -9 between enqueue and delivery: resume delivers it, with the same delivery id', async () => {
    const r = await startReceiver(['hang', { status: 200 }]);
    receivers.push(r);
    const dir = tempDir('shoal-alerts-crash-');
    const db = path.join(dir, 'shoal.db');
    const child = startCli(['run', failingSpec(dir, `${r.url}/hook`), '--db', db], { cwd: dir, env });
    const closed = new Promise((res) => child.once('close', res));
    // The alert is in the outbox and its first send is under way: kill Shoal right there.
    r.onRequest = () => child.kill('SIGKILL');
    await waitFor('the first delivery attempt', () => r.requests.length === 1, 60_000);
    await closed;

    const resumed = await runCli(['resume', '--db', db], { cwd: dir, env });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('waiting for 1 alert delivery');
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.headers['x-shoal-delivery']).toBe(r.requests[0]!.headers['x-shoal-delivery']);

    const listed = await runCli(['alerts', '--db', db, '--json'], { cwd: dir });
    const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(rows).toEqual([expect.objectContaining({ id: r.requests[0]!.headers['x-shoal-delivery'], state: 'delivered', attempts: 2, channel: 'webhook', rule: 'failed', task_id: 'boom' })]);
    const events = (await runCli(['events', 'alerting', '--db', db, '--json'], { cwd: dir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.filter((e) => e.state === 'escalated')).toHaveLength(1);
    // Sealed at rest and never printed.
    expect(listed.stdout + resumed.stderr).not.toContain('s3cret');
  }, 120_000);

  it('shoal alerts test waits for its own delivery only, not for another one that keeps retrying', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const dir = tempDir('shoal-alerts-test-');
    const db = path.join(dir, 'shoal.db');
    // Channel 0 points at a port nothing listens on: its deliveries retry for minutes.
    const gone = await startReceiver();
    const goneUrl = gone.url;
    await gone.close();
    const config = await runCli(['alerts', 'config', JSON.stringify({ channels: [{ kind: 'webhook', url: `${goneUrl}/down` }, { kind: 'webhook', url: `${r.url}/up` }] }), '--db', db], { cwd: dir });
    expect(config.code).toBe(0);
    expect((await runCli(['alerts', 'test', '--channel', '0', '--alerts-wait', '0', '--db', db], { cwd: dir, env: { SHOAL_ALERT_TIMEOUT_MS: '1500' } })).code).toBe(1);
    const started = Date.now();
    const test = await runCli(['alerts', 'test', '--channel', '1', '--alerts-wait', '40', '--db', db], { cwd: dir, env: { SHOAL_ALERT_TIMEOUT_MS: '1500' } });
    expect(test.code).toBe(0);
    expect(test.stderr).toMatch(/al_\w+: delivered/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.requests).toHaveLength(1);
  }, 120_000);

  it('shoal run waits for its alerts and says what it waits for; shoal alerts config validates', async () => {
    const r = await startReceiver([{ status: 503 }, { status: 200 }]);
    receivers.push(r);
    const dir = tempDir('shoal-alerts-run-');
    const db = path.join(dir, 'shoal.db');
    const result = await runCli(['run', failingSpec(dir, r.url), '--db', db], { cwd: dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/waiting for 1 alert delivery: al_\w+ \(webhook, (pending|retrying)/);
    expect(r.requests).toHaveLength(2);

    const bad = await runCli(['alerts', 'config', '{"channels":[{"kind":"pager_duty","routing_key":"","severity":"high"}]}', '--db', db], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("channels[0].routing_key: empty; give the PagerDuty integration's routing key");
    expect(bad.stderr).toContain('channels[0].severity: unknown severity "high"');
    const good = await runCli(['alerts', 'config', `{"channels":[{"kind":"webhook","url":"${r.url}/t","secret":"zzz"}],"approval_escalate_minutes":5}`, '--db', db], { cwd: dir });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ channels: [{ index: 0, kind: 'webhook', signed: true }], approval_escalate_minutes: 5 });
    expect(good.stdout).not.toContain('zzz');
    const test = await runCli(['alerts', 'test', '--db', db], { cwd: dir, env });
    expect(test.code).toBe(0);
    expect(JSON.parse(r.requests.at(-1)!.body)).toMatchObject({ type: 'alert.test', rule: 'test' });
  }, 120_000);
});

describe('shoal hooks', () => {
  it('add, list, test and remove, with errors naming the field', async () => {
    const dir = tempDir('shoal-hooks-cli-');
    const db = path.join(dir, 'shoal.db');
    const out = path.join(dir, 'got.json');
    expect((await runCli(['hooks', 'add', 'rec', '--event', 'attempt.finished', '--event', 'alert.fired', '--command', `cat > '${out}'`, '--db', db], { cwd: dir })).code).toBe(0);
    const bad = await runCli(['hooks', 'add', 'bad', '--event', 'nope', '--url', 'ftp://x', '--db', db], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('events[0]: unknown hook event "nope"');
    expect(bad.stderr).toContain('url: scheme "ftp" is not supported; use https');
    const listed = await runCli(['hooks', 'list', '--json', '--db', db], { cwd: dir });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: 'rec', kind: 'command', events: ['attempt.finished', 'alert.fired'] })]);
    const tested = await runCli(['hooks', 'test', 'rec', '--db', db], { cwd: dir });
    expect(tested.stdout).toBe('rec: ok (exit 0)\n');
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ type: 'attempt.finished', data: { sample: true } });
    expect((await runCli(['hooks', 'remove', 'rec', '--db', db], { cwd: dir })).stdout).toBe('hook rec removed\n');
    expect((await runCli(['hooks', '--db', db], { cwd: dir })).stdout).toBe('no hooks\n');
  }, 60_000);
});
