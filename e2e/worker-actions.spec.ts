// A worker's row actions against a real headless host: a double click on Drain or Resume does it
// once and says so, rather than sending it twice and reporting the second as a failure.
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
