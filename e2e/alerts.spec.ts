// The Alerts view against a real headless host and a real webhook receiver on 127.0.0.1: a task
// that fails for good raises an alert through the Settings channel, the delivery that failed can be
// retried from the view, and *Send test* sends a test alert.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { AlertsPage } from './pages/alerts-page';
import { ShellPage } from './pages/shell-page';

/** Answers 500 until `healthy` is set, then 200; records the delivery ids it saw. */
async function receiver(): Promise<{ url: string; seen: string[]; healthy: { value: boolean }; close(): Promise<void> }> {
  const seen: string[] = [];
  const healthy = { value: false };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(String(req.headers['x-shoal-delivery']));
      res.writeHead(healthy.value ? 200 : 500, { 'content-type': 'text/plain' });
      res.end(healthy.value ? 'ok' : 'receiver down');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen, healthy,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

test('lists deliveries with their state and last error; Retry and Send test', async ({ page, host }) => {
  const hook = await receiver();
  try {
    await callHost(host, 'alerts.updateSettings', { max_delivery_attempts: 1 });
    const shell = new ShellPage(page);
    const alerts = new AlertsPage(page);
    // The channel is added in Settings; a URL that is not https for another host is refused, named.
    await shell.open(`${host.url}#/settings`);
    const form = page.getByRole('form', { name: 'New alert channel' });
    await form.getByLabel('URL').fill('http://example.com/hook');
    await form.getByRole('button', { name: 'Add channel' }).click();
    await expect(form).toContainText('must be https for a host other than this machine (got http://example.com)');
    await form.getByLabel('URL').fill(hook.url);
    await form.getByLabel('Signing secret (optional)').fill('e2e-secret');
    await form.getByRole('button', { name: 'Add channel' }).click();
    await expect(page.getByTestId('alert-channel-item')).toHaveText(/Webhook \(signed\)/);
    await shell.open(`${host.url}#/alerts`);
    await expect(alerts.empty).toBeVisible();

    await callHost(host, 'specs.launch', { text: 'name: alerts demo\ntask_specs:\n  - id: doomed\n    name: Doomed\n    instructions: exit 4\n    retry_policy: { max_attempts: 1 }\n', filename: 'alerts.yaml' });
    const failedRow = alerts.row('doomed');
    await expect(failedRow).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
    await expect(failedRow.getByTestId('alert-channel')).toHaveText('Webhook');
    await expect(failedRow.getByTestId('alert-error')).toHaveText('gave up after 1 attempt; last: HTTP 500: receiver down');
    await expect(failedRow.getByTestId('alert-attempts')).toHaveText('1');
    // The secret and the URL never reach the page.
    await expect(page.locator('body')).not.toContainText('e2e-secret');
    await expect(page.locator('body')).not.toContainText(hook.url);

    hook.healthy.value = true;
    await alerts.retry(failedRow).click();
    await expect(failedRow).toHaveAttribute('data-state', 'delivered', { timeout: 20_000 });
    expect(new Set(hook.seen).size).toBe(1); // the retry kept its delivery id

    // The task view lists the task's alerts too.
    await failedRow.getByRole('link', { name: 'doomed' }).click();
    await expect(page.getByTestId('task-alerts').getByTestId('alert-row')).toHaveAttribute('data-state', 'delivered');
    await shell.open(`${host.url}#/alerts`);

    await alerts.sendTest('Webhook (signed)').click();
    await expect(alerts.row('Test')).toHaveAttribute('data-state', 'delivered', { timeout: 20_000 });
    await expect(alerts.rows).toHaveCount(2);
  } finally {
    await hook.close();
  }
});

test('a double click on Remove removes that one channel, not the next one too', async ({ page, host }) => {
  for (const url of ['https://first.example/hook', 'https://second.example/hook']) await callHost(host, 'alerts.addChannel', { channel: { kind: 'webhook', url } });
  await callHost(host, 'alerts.addChannel', { channel: { kind: 'pager_duty', routing_key: 'r-key', severity: 'warning' } });
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  const items = page.getByTestId('alert-channel-item');
  await expect(items).toHaveCount(3);
  await items.first().getByRole('button', { name: 'Remove' }).dblclick();
  await expect(items).toHaveCount(2);
  // Give a second removal time to land, if one was sent.
  await page.waitForTimeout(1000);
  await expect(items).toHaveText([/^Webhook · second\.example/, /^PagerDuty \(warning\)/]);
  expect((await callHost(host, 'alerts.settings', {})).channels.map((c) => c.label)).toEqual(['Webhook · second.example', 'PagerDuty (warning)']);
});

test('two windows: Remove in a window whose list is older removes no other channel, and says the one it showed is gone', async ({ page, host }) => {
  for (const url of ['https://first.example/hook']) await callHost(host, 'alerts.addChannel', { channel: { kind: 'webhook', url } });
  await callHost(host, 'alerts.addChannel', { channel: { kind: 'pager_duty', routing_key: 'r-key', severity: 'warning' } });
  // Window A does not hear of changes while `stale` is set: its list stays as it was read (the moment
  // between another window's change and this one reading the list again, held open).
  let stale = false;
  await page.routeWebSocket(() => true, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      if (!(stale && String(m).includes('"invalidate"'))) ws.send(m);
    });
  });
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  const items = page.getByTestId('alert-channel-item');
  await expect(items).toHaveText([/^Webhook · first\.example/, /^PagerDuty \(warning\)/]);
  stale = true;
  // Window B removes the first channel.
  const other = await page.context().newPage();
  await new ShellPage(other).open(`${host.url}#/settings`);
  await other.getByTestId('alert-channel-item').filter({ hasText: 'first.example' }).getByRole('button', { name: 'Remove' }).click();
  await expect(other.getByTestId('alert-channel-item')).toHaveText([/^PagerDuty \(warning\)/]);
  await other.close();
  // Window A still shows it, and clicks its Remove: refused, the PagerDuty channel stays.
  await expect(items).toHaveCount(2);
  await items.filter({ hasText: 'first.example' }).getByRole('button', { name: 'Remove' }).click();
  await expect(page.locator('.toasts')).toContainText('Could not remove: This alert channel is no longer in Settings: it was removed or replaced meanwhile (in another window or from the CLI). Nothing was removed');
  // And reads the list again, showing what is there now.
  await expect(items).toHaveText([/^PagerDuty \(warning\)/]);
  await shell.screenshot('alert-channel-gone');
  expect((await callHost(host, 'alerts.settings', {})).channels.map((c) => c.label)).toEqual(['PagerDuty (warning)']);
});

test('Send test in Settings says the alert was queued, not that it was sent, when the receiver cannot be reached', async ({ page, host }) => {
  // Nothing listens on port 9 of this machine: the delivery fails.
  await callHost(host, 'alerts.addChannel', { channel: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' } });
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  await page.getByTestId('alert-channel-item').getByRole('button', { name: 'Send test' }).click();
  await expect(page.locator('.toasts')).toContainText('Test alert queued for Webhook · 127.0.0.1:9: Alerts shows how its delivery goes.');
  await expect(page.locator('.toasts')).not.toContainText('sent to');
});

test('past the newest 500 deliveries, the count says it is of the newest, not of all', async ({ page, host }) => {
  test.setTimeout(120_000);
  // Port 9 is one fetch never connects to: each test alert fails at once, without any traffic.
  await callHost(host, 'alerts.addChannel', { channel: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' } });
  const { id } = (await callHost(host, 'alerts.settings', {})).channels[0]!;
  for (let i = 0; i < 501; i += 50) await Promise.all(Array.from({ length: Math.min(50, 501 - i) }, () => callHost(host, 'alerts.sendTest', { id })));
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/alerts`);
  await expect(page.getByTestId('alert-row')).toHaveCount(500);
  await expect(page.locator('.toolbar-text')).toContainText('Newest 500 deliveries (older ones are not shown)');
});

test('with no deliveries yet, the Alerts view says where the default channels are set', async ({ page, host }) => {
  await new ShellPage(page).open(`${host.url}#/alerts`);
  await expect(new AlertsPage(page).empty).toContainText('(or the default channels in Settings → Alert channels)');
});

test('Add channel says an error that belongs to no field of the form, rather than nothing', async ({ page, host }) => {
  // The host refuses the call with no field to point at (as a failed write or a lost connection does).
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const msg = typeof message === 'string' ? JSON.parse(message) as { id: number; method: string } : null;
      if (msg?.method === 'alerts.addChannel') {
        ws.send(JSON.stringify({ id: msg.id, envelope: { ok: false, error: { code: 'internal', message: 'The settings could not be written: disk full.' } } }));
        return;
      }
      server.send(message);
    });
  });
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  const form = page.getByRole('form', { name: 'New alert channel' });
  await form.getByLabel('URL').fill('https://hooks.example.test/shoal');
  await form.getByRole('button', { name: 'Add channel' }).click();
  await expect(page.getByTestId('channel-error')).toHaveText('The settings could not be written: disk full.');
  expect(await callHost(host, 'alerts.settings', {})).toMatchObject({ channels: [] });
});
