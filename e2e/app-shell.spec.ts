// The app shell against a real headless host: loading, navigation (mouse and keyboard), a contract
// write that survives a reload, the transport, the token guard, a dropped connection, and a
// screenshot of every view.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { expect, test, type ShoalHost } from './fixtures/shoal-host';
import { callHost } from './fixtures/host-call';
import { FIXED_NOW } from './fixtures/run-samples';
import { SECTIONS, ShellPage, type Section } from './pages/shell-page';

const section = (id: Section['id']): Section => SECTIONS.find((s) => s.id === id)!;

test('opens on the Runs empty state and takes the token out of the address bar', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await shell.expectSection(section('runs'));
  const empty = page.getByTestId('runs-empty');
  await expect(empty).toContainText('Drop a task spec');
  await expect(empty).toContainText(/JSON.*YAML.*TOML/);
  await expect(empty.getByRole('button', { name: /open task spec/i })).toBeVisible();
  await expect(empty.getByRole('tabpanel')).toContainText('task_specs:');
  await empty.getByRole('tab', { name: 'TOML' }).click();
  await expect(empty.getByRole('tabpanel')).toContainText('[[task_specs]]');
  expect(page.url()).not.toContain('token=');
});

test('navigates to every section by clicking the sidebar', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  for (const s of [...SECTIONS.slice(1), SECTIONS[0]]) await shell.clickSection(s);
});

test('navigates with the keyboard: Tab, arrow keys and Enter, and "g" shortcuts', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await shell.focusSidebar();
  expect(await shell.focusedSectionId()).toBe('runs');
  for (const s of SECTIONS.slice(1)) {
    await page.keyboard.press('ArrowDown');
    expect(await shell.focusedSectionId()).toBe(s.id);
    await page.keyboard.press('Enter');
    await shell.expectSection(s);
  }
  await page.keyboard.press('ArrowDown'); // wraps around to the top
  expect(await shell.focusedSectionId()).toBe('runs');

  for (const s of [...SECTIONS].reverse()) {
    await page.keyboard.press('g');
    await page.keyboard.press(s.key);
    await shell.expectSection(s);
  }
});

test('a settings change is written through the WebSocket into SQLite and survives a reload', async ({ page, host, browser }) => {
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  const dark = page.getByRole('radio', { name: 'Dark' });
  const notifications = page.getByRole('switch', { name: 'Notifications' });
  await expect(page.getByRole('radio', { name: 'System' })).toBeChecked();
  await expect(notifications).toHaveAttribute('aria-checked', 'true');

  await dark.check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await notifications.click();
  await expect(notifications).toHaveAttribute('aria-checked', 'false');

  await page.reload();
  await expect(dark).toBeChecked();
  await expect(notifications).toHaveAttribute('aria-checked', 'false');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');

  // A fresh browser profile has no local cache at all: what it shows can only come from the host's store.
  const fresh = await browser.newContext();
  try {
    const other = new ShellPage(await fresh.newPage());
    await other.open(`${host.url}#/settings`);
    await expect(other.page.getByRole('radio', { name: 'Dark' })).toBeChecked();
    await expect(other.page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(other.page.getByRole('switch', { name: 'Notifications' })).toHaveAttribute('aria-checked', 'false');
  } finally {
    await fresh.close();
  }
});

test('app.info shows the headless transport, the version and this test\'s database', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  await expect(page.getByTestId('about-transport')).toHaveAttribute('data-value', 'headless');
  await expect(shell.connection).toContainText('Headless');
  const { version } = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
  await expect(page.getByTestId('about-version')).toHaveText(version);
  await expect(page.getByTestId('about-db-path')).toHaveText(host.dbPath);
});

/** Opens a socket from Node (no cookie, no browser) and reports how the host answered. */
function trySocket(host: ShoalHost, query: string): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws${query}`);
    ws.once('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode });
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

test('the host refuses HTTP requests and sockets without the right token', async ({ host }) => {
  const bare = await fetch(`${host.origin}/`);
  expect(bare.status).toBe(401);
  expect(await bare.text()).toContain('token');
  expect((await fetch(`${host.origin}/?token=not-the-token`)).status).toBe(401);
  expect((await fetch(`${host.origin}/assets/anything.js`)).status).toBe(401);
  expect((await fetch(host.url)).status).toBe(200); // control: the printed URL works

  expect(await trySocket(host, '')).toEqual({ opened: false, status: 401 });
  expect(await trySocket(host, '?token=not-the-token')).toEqual({ opened: false, status: 401 });
  expect(await trySocket(host, `?token=${encodeURIComponent(host.token)}`)).toEqual({ opened: true });
});

test('shows a banner when the connection to the headless host drops', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await expect(shell.banner).toBeHidden();
  await host.stop();
  await expect(shell.banner).toBeVisible();
  await expect(shell.banner).toContainText('Lost the connection');
  await expect(shell.connection).toHaveAttribute('data-lost', 'true');
  await expect(shell.connection).toContainText('Disconnected');
  await shell.screenshot('connection-lost');
});

test('a clicked desktop notification (the app\'s `open` event) shows the run, task or thread it is about', async ({ page, host }) => {
  // In the desktop app main sends `open` over IPC when its system notification is clicked; the same
  // event reaches the page here over the host's socket, sent by the test.
  let send: (event: object) => void = () => {};
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => ws.send(message));
    send = (event) => ws.send(JSON.stringify({ event }));
  });
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await shell.expectSection(section('runs'));
  send({ type: 'open', runId: 'run-notified', taskId: 'review me' });
  await expect(page).toHaveURL(/#\/runs\/run-notified\/review%20me$/);
  send({ type: 'open', threadId: 'thread-asking' });
  await expect(page).toHaveURL(/#\/threads\/thread-asking$/);
});

test('an unknown run shows the error the host sent', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/runs/no-such-run`);
  await expect(shell.heading).toHaveText('no-such-run');
  await expect(page.getByRole('alert')).toContainText('Could not open this run');
  await expect(page.getByTestId('error-message')).toContainText('no-such-run');
  await page.getByRole('link', { name: 'Back to all runs' }).click();
  await shell.expectSection(section('runs'));
});

test('the runs list and a run show real runs as they finish, with their outcomes', async ({ page, host }) => {
  // Runs launched through the contract by another client: this window hears about them live.
  const spec = (name: string, tasks: object[]) => ({ text: JSON.stringify({ name, task_specs: tasks }), filename: `${name}.json` });
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  await callHost(host, 'specs.launch', spec('all good', [{ id: 'a', name: 'First', instructions: 'true' }, { id: 'b', name: 'Second', instructions: 'echo ok' }]));
  await callHost(host, 'specs.launch', spec('one fails', [{ id: 'x', name: 'Breaks', instructions: 'exit 1', retry_policy: { max_attempts: 1 } }, { id: 'y', name: 'Holds', instructions: 'true' }]));
  await callHost(host, 'specs.launch', spec('needs a person', [{ id: 'm', name: 'Draft', instructions: 'echo draft', scorer: { kind: 'manual' } }]));
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(3);
  const row = (name: string) => rows.filter({ hasText: name });
  await expect(row('all good')).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
  await expect(row('all good').getByRole('progressbar')).toHaveAttribute('aria-valuetext', '2 of 2 done, 2 passed');
  await expect(row('one fails')).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  await expect(row('one fails')).toContainText('1 failed');
  await expect(row('needs a person')).toContainText('1 review', { timeout: 20_000 });
  await expect(row('needs a person')).toHaveAttribute('data-status', 'running');
  await shell.screenshot('runs-list');

  await page.getByRole('link', { name: 'one fails' }).click();
  await expect(page).toHaveURL(/#\/runs\/run-/);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('one fails');
  await expect(page.getByTestId('tasks-table').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('tasks-table')).toContainText('agent exited with code 1');
  await expect(page.getByTestId('timeline')).toHaveAttribute('data-bars', '2');
  await shell.screenshot('run-detail');
});

test('screenshots of every view', async ({ page, host }) => {
  await page.clock.setFixedTime(FIXED_NOW);
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  await shell.screenshot('runs-light');
  for (const s of SECTIONS.slice(1)) {
    await shell.clickSection(s);
    await shell.screenshot(s.id);
  }
  await page.emulateMedia({ colorScheme: 'dark' });
  await shell.clickSection(section('runs'));
  await shell.screenshot('runs-dark');
  await shell.clickSection(section('settings'));
  await shell.screenshot('settings-dark');
});

/** Fires the drag-and-drop events a person dropping `name` on the window would. Resolves to whether
 *  the page cancelled them: a drop it does not cancel makes the browser open the file instead. */
async function dropFile(page: Page, name: string, phase: 'enter' | 'drop'): Promise<boolean> {
  return page.evaluate(({ name, phase }) => {
    const data = new DataTransfer();
    data.items.add(new File(['name: demo\ntask_specs: []\n'], name, { type: 'application/yaml' }));
    const target = document.querySelector('main') ?? document.body;
    const fire = (type: string) => target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
    if (phase === 'drop') return !fire('drop');
    const enterCancelled = !fire('dragenter');
    return !fire('dragover') && enterCancelled;
  }, { name, phase });
}

test('a task spec dropped on the window or picked with Open is taken in, not navigated to', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const before = page.url();
  expect(await dropFile(page, 'tidy-repo.yaml', 'enter')).toBe(true);
  await expect(page.getByText('Drop to start a run')).toBeVisible();
  await shell.screenshot('drop-overlay');
  expect(await dropFile(page, 'tidy-repo.yaml', 'drop')).toBe(true);
  await expect(page.getByText('Drop to start a run')).toBeHidden();
  // It opens in the launch preview (an empty task list is a problem to fix there), not as a page.
  const dialog = page.getByTestId('launch-dialog');
  await expect(dialog).toContainText('tidy-repo.yaml');
  await expect(dialog.getByTestId('launch-status')).toHaveText('1 problem to fix before this spec can launch.');
  expect(page.url()).toBe(before);
  await dialog.getByRole('button', { name: 'Discard' }).click();

  await dropFile(page, 'notes.txt', 'enter');
  await dropFile(page, 'notes.txt', 'drop');
  await expect(page.getByRole('status').filter({ hasText: '"notes.txt" is not a task spec' })).toBeVisible();
  await expect(dialog).toBeHidden();

  await page.getByTestId('spec-file-input').setInputFiles({ name: 'nightly.toml', mimeType: 'application/toml', buffer: Buffer.from('name = "nightly"\n') });
  await expect(dialog).toContainText('nightly.toml');
  await expect(dialog.getByTestId('spec-issues-general')).toContainText('task_specs required (a run needs at least one task spec)');
});
