// The Jobs view against a real headless host: background work started by hand on what a real run
// left behind, with its progress, result and history, and the retention setting.
import fs from 'node:fs';
import path from 'node:path';
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { JobsPage } from './pages/jobs-page';
import { ShellPage } from './pages/shell-page';

test('runs maintenance jobs by hand and shows their progress, results and history', async ({ page, host }) => {
  // A finished run (its receipt names artifacts) and a stray workdir from long ago.
  const { runId } = await callHost(host, 'specs.launch', { text: 'name: jobs demo\ntask_specs:\n  - id: hello\n    name: Hello\n    instructions: echo hello > out.txt\n', filename: 'jobs.yaml' });
  const stray = path.join(host.dataDir, 'workdirs', 'run-gone', 'task-1');
  fs.mkdirSync(stray, { recursive: true });
  const old = new Date(Date.now() - 3 * 3600_000);
  fs.utimesSync(stray, old, old);

  const shell = new ShellPage(page);
  const jobs = new JobsPage(page);
  await shell.open(`${host.url}#/runs/${runId}`);
  await expect(page.locator('main#content')).toContainText('Completed', { timeout: 30_000 });
  await shell.open(`${host.url}#/jobs`);
  const empty = page.getByTestId('jobs-empty');
  await expect(empty).toBeVisible();

  await jobs.runButton('Artifact indexing').click();
  const index = jobs.row('artifact_index');
  await expect(index).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
  await expect(index.getByTestId('job-detail')).toHaveText(/^Indexed \d+ artifacts? from 1 receipt\.$/);
  await expect(index.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');

  await jobs.runButton('Worktree cleanup').click();
  const cleanup = jobs.row('worktree_cleanup');
  await expect(cleanup).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
  await expect(cleanup.getByTestId('job-detail')).toHaveText(/^Removed [12] workdirs? of finished attempts\.$/);
  expect(fs.existsSync(stray)).toBe(false);

  await cleanup.getByRole('button', { name: 'Worktree cleanup' }).click();
  const history = page.getByRole('list', { name: 'History of Worktree cleanup' });
  await expect(history).toContainText('Created');
  await expect(history).toContainText('Running');
  await expect(history).toContainText('Completed');
  await shell.screenshot('jobs-view');

  // Nothing is due now: running retention does nothing, and says so.
  await jobs.runButton('Retention').click();
  await expect(jobs.row('retention').getByTestId('job-detail')).toHaveText('Pruned 0 runs older than 30 days (0 events, 0 artifacts).', { timeout: 20_000 });
});

test('keeps the retention setting, and refuses one that makes no sense', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/jobs`);
  const days = page.getByRole('textbox', { name: /Keep run timelines and artifacts/ });
  await expect(days).toHaveValue('30');
  for (const typed of ['-3', 'abc', '4000', '1.5']) {
    await days.fill(typed);
    await expect(days).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();
    // Said in words, not only by the red outline.
    await expect(page.getByRole('alert')).toHaveText(`Give whole days from 0 to 3650 (0 keeps everything); "${typed}" is not one.`);
  }
  await days.fill('7');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();
  await page.reload();
  await expect(page.getByRole('textbox', { name: /Keep run timelines and artifacts/ })).toHaveValue('7');
  expect((await callHost(host, 'jobs.list', {})).retentionDays).toBe(7);
});
