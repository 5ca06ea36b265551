// Settings → Hooks against a real headless host and a real HTTP receiver on 127.0.0.1: a bad field
// is refused by name, a URL hook with a secret is added (the page shows "secret set", never the
// secret or the URL's path), *Test* makes the receiver get a sample event it verifies by the
// documented signature recipe, and *Remove* takes the hook away.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { ShellPage } from './pages/shell-page';

interface Received { headers: http.IncomingHttpHeaders; body: string }

async function receiver(): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** The README's recipe: HMAC-SHA256(secret, "<X-Shoal-Timestamp>.<raw body>"), hex, after "sha256=". */
function signedBy(secret: string, r: Received): boolean {
  const expected = `sha256=${crypto.createHmac('sha256', secret).update(`${String(r.headers['x-shoal-timestamp'])}.${r.body}`).digest('hex')}`;
  const given = String(r.headers['x-shoal-signature'] ?? '');
  return given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

test('adds a signed URL hook in Settings; Test sends the receiver a signed sample event; Remove removes it', async ({ page, host }) => {
  const r = await receiver();
  try {
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/settings`);
    const section = page.getByTestId('hooks-setting');
    await expect(section.getByTestId('hooks-empty')).toBeVisible();
    const form = page.getByRole('form', { name: 'New hook' });

    // Refused, each problem under its field: no event chosen, and plain http to another host.
    await form.getByLabel('Name', { exact: true }).fill('post-runs');
    await form.getByRole('textbox', { name: /^URL/ }).fill('http://example.com/in');
    await form.getByRole('button', { name: 'Add hook' }).click();
    await expect(form).toContainText('must be https for a host other than this machine (got http://example.com)');
    await expect(form).toContainText('empty; name at least one event');
    await expect(section.getByTestId('hook-item')).toHaveCount(0);

    await form.getByRole('textbox', { name: /^URL/ }).fill(`${r.url}/in?token=path-secret`);
    await form.getByLabel('Signing secret (optional)', { exact: true }).fill('e2e-hook-secret');
    await form.getByLabel('Timeout (seconds)', { exact: true }).fill('5');
    await form.getByLabel('run.finished', { exact: true }).check();
    await form.getByLabel('attempt.finished', { exact: true }).check();
    await form.getByRole('button', { name: 'Add hook' }).click();
    const item = section.getByTestId('hook-item');
    await expect(item).toHaveCount(1);
    await expect(item).toContainText('post-runs');
    await expect(item).toContainText(`${r.url}/…`);
    await expect(item).toContainText('secret set');
    await expect(item).toContainText('run.finished, attempt.finished · 5s');
    // Neither the secret nor the URL's path and query reach the page.
    await expect(page.locator('body')).not.toContainText('e2e-hook-secret');
    await expect(page.locator('body')).not.toContainText('path-secret');

    await item.getByRole('button', { name: 'Test' }).click();
    await expect(page.getByText(/Hook post-runs: sample event sent \(HTTP 204\)/)).toBeVisible();
    expect(r.got).toHaveLength(1);
    const sample = r.got[0]!;
    expect(signedBy('e2e-hook-secret', sample)).toBe(true);
    expect(JSON.parse(sample.body)).toMatchObject({ type: 'run.finished', data: { sample: true } });
    expect(sample.headers['x-shoal-delivery']).toBe((JSON.parse(sample.body) as { id: string }).id);

    // The contract never hands the secret out either.
    const listed = await callHost(host, 'alerts.hooks', {});
    expect(JSON.stringify(listed)).not.toContain('e2e-hook-secret');
    expect(JSON.stringify(listed)).not.toContain('path-secret');

    await item.getByRole('button', { name: 'Remove' }).click();
    await expect(section.getByTestId('hooks-empty')).toBeVisible();
  } finally {
    await r.close();
  }
});
