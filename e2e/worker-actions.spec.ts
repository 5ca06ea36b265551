// A worker's row actions against a real headless host: a double click on Drain or Resume (or on a
// join token's Revoke) does it once and says so, rather than sending it twice and reporting the
// second as a failure.
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { ShellPage } from './pages/shell-page';

test('a double click on Drain, then on Resume, acts once each and reports no failure', async ({ page, host }) => {
  await new ShellPage(page).open(`${host.url}#/workers`);
  const row = page.locator('[data-testid="worker-row"][data-worker-id="local"]');
  const toasts = page.locator('.toasts');
  await row.getByRole('button', { name: /^Drain/ }).dblclick();
  await expect(row).toHaveAttribute('data-status', 'draining');
  await expect(toasts).toContainText('is draining: it finishes its tasks and takes no new ones.');
  await page.waitForTimeout(500); // a second call, if one was sent, has answered by now
  await expect(toasts).not.toContainText('cannot be drained');

  await row.getByRole('button', { name: /^Resume/ }).dblclick();
  await expect(row).toHaveAttribute('data-status', 'online');
  await expect(toasts).toContainText('takes tasks again.');
  await page.waitForTimeout(500);
  await expect(toasts).not.toContainText('is not drained or retired');
});

test("a double click on a join token's Revoke revokes it once and reports no failure", async ({ page, host }) => {
  await callHost(host, 'workers.startAgentListener', { listen: '127.0.0.1:0' });
  const { id } = await callHost(host, 'workers.mintJoinToken', { name: 'spare' });
  await new ShellPage(page).open(`${host.url}#/workers`);
  const toasts = page.locator('.toasts');
  await page.getByRole('button', { name: `Revoke join token ${id}` }).dblclick();
  await expect(page.getByTestId('join-tokens')).toHaveCount(0);
  await expect(toasts).toContainText(`Join token ${id} revoked.`);
  await page.waitForTimeout(500);
  await expect(toasts).not.toContainText('no join token');
});

test('while the list is read again after Drain, the row says it is busy; then Resume acts at once', async ({ page, host }) => {
  // Reads of the workers list sent after the drain are held back, as a busy host's would be: the row
  // still shows the list from before the drain, whose buttons must not act (a second drain) nor take
  // a click and drop it unseen.
  let drainId: number | null = null;
  const listIds = new Set<number>();
  const held: (() => void)[] = [];
  let holding = true;
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const msg = typeof message === 'string' ? JSON.parse(message) as { id?: number; method?: string } : null;
      if (msg?.method === 'workers.drain') drainId = msg.id!;
      if (msg?.method === 'workers.list' && drainId !== null) listIds.add(msg.id!);
      server.send(message);
    });
    server.onMessage((message) => {
      const msg = typeof message === 'string' ? JSON.parse(message) as { id?: number } : null;
      if (holding && msg?.id !== undefined && listIds.has(msg.id)) held.push(() => ws.send(message));
      else ws.send(message);
    });
  });
  await new ShellPage(page).open(`${host.url}#/workers`);
  const row = page.locator('[data-testid="worker-row"][data-worker-id="local"]');
  await row.getByRole('button', { name: /^Drain/ }).click();
  await expect(page.locator('.toasts')).toContainText('is draining');
  await expect.poll(() => held.length).toBeGreaterThan(0);
  await expect(row).toHaveAttribute('data-status', 'online'); // the list from before the drain
  await expect(row.getByRole('button', { name: /^Drain/ })).toBeDisabled();
  await expect(row.getByRole('button', { name: /^Retire/ })).toBeDisabled();

  holding = false;
  for (const send of held.splice(0)) send();
  await expect(row).toHaveAttribute('data-status', 'draining');
  await row.getByRole('button', { name: /^Resume/ }).click();
  await expect(row).toHaveAttribute('data-status', 'online');
});
