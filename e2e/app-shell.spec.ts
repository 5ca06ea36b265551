// The app shell against a real headless host: loading, navigation (mouse and keyboard), a contract
// write that survives a reload, the transport, the token guard, a dropped connection, and a
// screenshot of every view.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { expect, test, type ShoalHost } from './fixtures/shoal-host';
import { FIXED_NOW, SAMPLE_RUNS, SAMPLE_TASKS } from './fixtures/run-samples';
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

test('an unknown run shows the error the host sent', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/runs/no-such-run`);
  await expect(shell.heading).toHaveText('no-such-run');
  await expect(page.getByRole('alert')).toContainText('Could not open this run');
  await expect(page.getByTestId('error-message')).toContainText('no-such-run');
  await page.getByRole('link', { name: 'Back to all runs' }).click();
  await shell.expectSection(section('runs'));
});

test('renders runs and a run\'s tasks as the contract returns them', async ({ page, host }) => {
  // Nothing can create runs yet, so answer runs.list / runs.get with samples and pass the rest through.
  await page.clock.setFixedTime(FIXED_NOW);
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const msg = JSON.parse(String(message)) as { id: number; method: string; input: { runId?: string } };
      if (msg.method === 'runs.list') ws.send(JSON.stringify({ id: msg.id, envelope: { ok: true, value: { items: SAMPLE_RUNS, next: null } } }));
      else if (msg.method === 'runs.get') {
        const run = SAMPLE_RUNS.find((r) => r.id === msg.input.runId)!;
        ws.send(JSON.stringify({ id: msg.id, envelope: { ok: true, value: { run, tasks: SAMPLE_TASKS } } }));
      } else server.send(message);
    });
  });
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(SAMPLE_RUNS.length);
  await expect(rows.first()).toContainText('Running');
  await expect(rows.first().getByRole('progressbar')).toHaveAttribute('aria-valuetext', '14 of 24 done, 11 passed, 1 failed, 2 in review');
  await expect(rows.nth(2)).toContainText('14m 00s');
  await shell.screenshot('runs-list');

  await page.getByRole('link', { name: SAMPLE_RUNS[0]!.name }).click();
  await expect(page).toHaveURL(/#\/runs\/run-7f3a91$/);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(SAMPLE_RUNS[0]!.name);
  await expect(page.getByTestId('tasks-table').locator('tbody tr')).toHaveCount(SAMPLE_TASKS.length);
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
  await expect(page.getByRole('status').filter({ hasText: 'tidy-repo.yaml' })).toBeVisible();
  expect(page.url()).toBe(before);

  await dropFile(page, 'notes.txt', 'enter');
  await dropFile(page, 'notes.txt', 'drop');
  await expect(page.getByRole('status').filter({ hasText: '"notes.txt" is not a task spec' })).toBeVisible();

  await page.getByTestId('spec-file-input').setInputFiles({ name: 'nightly.toml', mimeType: 'application/toml', buffer: Buffer.from('name = "nightly"\n') });
  await expect(page.getByRole('status').filter({ hasText: 'nightly.toml' })).toBeVisible();
});
