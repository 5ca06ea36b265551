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
