// The Add worker dialog's answers belong to the last thing the person did: a field refused by one
// Test connection is not still shown after the field was fixed and another action answered, and a
// probe's result is not left standing for a host or image that is no longer the one in the form.
import net from 'node:net';
import os from 'node:os';
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { startSshd } from './fixtures/sshd';
import { ShellPage } from './pages/shell-page';
import type { Locator, Page } from '@playwright/test';

/** The Workers view with its Add worker dialog open. */
async function openAddWorker(page: Page, url: string): Promise<Locator> {
  await new ShellPage(page).open(`${url}#/workers`);
  await page.getByTestId('add-worker').click();
  return page.getByTestId('add-worker-dialog');
}

test('an earlier refusal is not shown beside the answer to the next action', async ({ page, host }) => {
  const dialog = await openAddWorker(page, host.url);
  await dialog.locator('[name="worker-name"]').fill('box');
  await dialog.locator('[name="ssh-target"]').fill('127.0.0.1:99999');
  await dialog.getByTestId('worker-test').click();
  await expect(dialog).toContainText('host.port: expected a value <= 65535');

  // Fixed: port 1 on this machine refuses, and Add says so (nothing is kept).
  await dialog.locator('[name="ssh-target"]').fill('127.0.0.1:1');
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(dialog.getByTestId('worker-check')).toContainText('127.0.0.1:1: connection refused');
  await expect(dialog).not.toContainText('host.port');
  await expect(dialog).not.toContainText('Check the fields');

  // And the other way round: a refusal of Add goes once Test connection answers.
  await dialog.locator('[name="worker-name"]').fill('my box');
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(dialog).toContainText('1-64 letters, digits');
  await dialog.getByTestId('worker-test').click();
  await expect(dialog.getByTestId('worker-check')).toContainText('127.0.0.1:1: connection refused');
  await expect(dialog).not.toContainText('1-64 letters, digits');
});

test('a refused field is said once, under "Check the fields", without the program\'s words: no method name, no error code', async ({ page, host }) => {
  await callHost(host, 'workers.add', { name: 'extra1', host: { kind: 'local' } });
  const dialog = await openAddWorker(page, host.url);
  await dialog.locator('[name="worker-name"]').fill('box');
  await dialog.locator('[name="ssh-target"]').fill('127.0.0.1:99999');
  await dialog.getByTestId('worker-test').click();
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('host.port: expected a value <= 65535');
  await expect(alert).not.toContainText('workers.test');
  await expect(alert).not.toContainText('Error code');
  await expect(alert.getByText('host.port: expected a value <= 65535')).toHaveCount(1);

  // A name already kept is a field to fix, not a host that could not be reached.
  await dialog.getByRole('radio', { name: 'This computer' }).check();
  await dialog.locator('[name="worker-name"]').fill('extra1');
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(alert).toContainText('Check the fields');
  await expect(alert).toContainText('A worker "extra1" already exists.');
  await expect(alert).not.toContainText('Could not reach the host');
  await expect(alert).not.toContainText('Error code');
});

test('a probe result goes when the host or image it was for is no longer in the form', async ({ page, host }) => {
  const dialog = await openAddWorker(page, host.url);
  await dialog.locator('[name="ssh-target"]').fill('127.0.0.1:1');
  await dialog.getByTestId('worker-test').click();
  await expect(dialog.getByTestId('worker-check')).toContainText('127.0.0.1:1: connection refused');
  // Now a Docker image: the SSH host's answer is not about it.
  await dialog.getByRole('radio', { name: 'Docker image' }).check();
  await expect(dialog.getByTestId('worker-check')).toHaveCount(0);

  await dialog.locator('[name="docker-image"]').fill('localhost/one:latest');
  await dialog.locator('[name="docker-host"]').fill('tcp://127.0.0.1:1');
  await dialog.getByTestId('worker-test').click();
  await expect(dialog.getByTestId('worker-check')).toContainText('tcp://127.0.0.1:1 refused the connection');
  await dialog.locator('[name="docker-image"]').fill('localhost/two:latest');
  await expect(dialog.getByTestId('worker-check')).toHaveCount(0);
});

test('an SSH host given as a bracketed IPv6 address is tried, as the CLI takes it', async ({ page, host }) => {
  const dialog = await openAddWorker(page, host.url);
  await dialog.locator('[name="ssh-target"]').fill('me@[::1]:1');
  await dialog.getByTestId('worker-test').click();
  await expect(dialog.getByTestId('worker-check')).toContainText('ssh me@[::1]:1: connection refused');
  await expect(dialog).not.toContainText('expected [user@]host[:port]');
});

test('while Test connection waits on a silent host, the keyboard stays in the dialog: Escape closes it and focus returns', async ({ page, host }) => {
  // A loopback server that accepts and never says a word: the probe waits on it.
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    await new ShellPage(page).open(`${host.url}#/workers`);
    const add = page.getByTestId('add-worker');
    await add.click();
    const dialog = page.getByTestId('add-worker-dialog');
    await dialog.locator('[name="ssh-target"]').fill(`127.0.0.1:${(silent.address() as net.AddressInfo).port}`);
    await dialog.getByTestId('worker-test').click();
    // The button that had focus is disabled while the probe runs: Escape still closes the dialog.
    await expect(dialog.getByTestId('worker-test')).toBeDisabled();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(add).toBeFocused();

    // And Tab goes on inside the dialog, not to the page behind it.
    await add.click();
    await dialog.locator('[name="ssh-target"]').fill(`127.0.0.1:${(silent.address() as net.AddressInfo).port}`);
    await dialog.getByTestId('worker-test').click();
    await expect(dialog.getByTestId('worker-test')).toBeDisabled();
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(add).toBeFocused();
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('a double click on Add keeps the worker once and closes the dialog, with no refusal', async ({ page, host }) => {
  test.setTimeout(60_000);
  const sshd = startSshd();
  try {
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => frames.push(String(f.payload))));
    const dialog = await openAddWorker(page, host.url);
    await dialog.locator('[name="worker-name"]').fill('box');
    await dialog.locator('[name="ssh-target"]').fill(`${os.userInfo().username}@127.0.0.1:${sshd.port}`);
    await dialog.locator('[name="ssh-identity"]').fill(sshd.identity);
    await dialog.getByTestId('worker-test').dblclick();
    await expect(dialog.getByTestId('worker-check')).toContainText('is not known: SHA256:');
    await dialog.getByTestId('trust-host-key').check();
    // A quick double click: the second click lands before the page drew the button disabled (the
    // browser handles input before the re-render), as both clicks in one go here make sure of.
    await dialog.getByRole('button', { name: 'Add' }).evaluate((b: HTMLButtonElement) => {
      b.click();
      b.click();
    });
    await expect(dialog).toBeHidden({ timeout: 20_000 });
    await expect(page.getByText('box was added and takes tasks now.')).toBeVisible();
    await expect(page.getByText('already exists')).toHaveCount(0);
    expect(await callHost(host, 'workers.kept', {})).toEqual([expect.objectContaining({ name: 'box', kind: 'ssh' })]);
    // One add was asked for: a second would be refused as "already exists" (shown in the dialog
    // when it answers last) or be the one the dialog heard of (when it answers first).
    expect(frames.filter((f) => f.includes('"workers.add"'))).toHaveLength(1);
  } finally {
    sshd.stop();
  }
});

test('a long key path in a refusal wraps inside the dialog instead of pushing it sideways', async ({ page, host }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const dialog = await openAddWorker(page, host.url);
  const key = `/tmp/${'alongfoldername/'.repeat(6)}id_ed25519`;
  await dialog.locator('[name="ssh-target"]').fill('127.0.0.1:1');
  await dialog.locator('[name="ssh-identity"]').fill(key);
  await dialog.getByTestId('worker-test').click();
  await expect(dialog.getByTestId('error-message')).toHaveText(`identity: cannot read ${key}: no such file`);
  const body = dialog.locator('.dialog-body');
  const [scrollWidth, clientWidth, scrollLeft] = await body.evaluate((b) => [b.scrollWidth, b.clientWidth, b.scrollLeft]);
  expect(scrollLeft).toBe(0);
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  const message = (await dialog.getByTestId('error-message').boundingBox())!;
  const box = (await body.boundingBox())!;
  expect(message.x + message.width).toBeLessThanOrEqual(box.x + box.width);
});

test('arrow keys move through Where it runs without losing the place, Remote agent included', async ({ page, host }) => {
  const dialog = await openAddWorker(page, host.url);
  await expect(dialog.locator('[name="worker-name"]')).toBeFocused();
  await page.keyboard.press('Tab');
  const radio = (name: RegExp) => dialog.getByRole('radio', { name });
  await expect(radio(/SSH host/)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(radio(/Docker image/)).toBeFocused();
  // Remote agent is a form of its own: the focus stays on its radio, as on the others.
  await page.keyboard.press('ArrowDown');
  await expect(radio(/Remote agent/)).toBeChecked();
  await expect(radio(/Remote agent/)).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(radio(/Docker image/)).toBeChecked();
  await expect(radio(/Docker image/)).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('add-worker')).toBeFocused();
});

test('this computer as a worker of its own: tested, kept with its capabilities and limit, shown in the table', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/workers`);
  await page.getByTestId('add-worker').click();
  const dialog = page.getByTestId('add-worker-dialog');
  await dialog.locator('[name="worker-name"]').fill('gpu');
  await dialog.getByRole('radio', { name: 'This computer' }).check();
  // No host, key or image to give: only what the worker is.
  await expect(dialog.getByTestId('local-worker-hint')).toBeVisible();
  await expect(dialog.locator('[name="ssh-target"], [name="docker-image"]')).toHaveCount(0);
  await dialog.locator('[name="worker-capabilities"]').fill('gpu');
  await dialog.locator('[name="worker-max-tasks"]').fill('0');
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Tasks at once: a whole number from 1 to 1024');
  await dialog.locator('[name="worker-max-tasks"]').fill('1');
  await dialog.getByTestId('worker-test').click();
  await expect(dialog.getByTestId('worker-check')).toContainText(/^Usable — git \d/);
  await expect(dialog.getByTestId('worker-check')).toContainText(`${os.cpus().length} CPUs`);
  await shell.screenshot('add-worker-local');
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(dialog).toHaveCount(0);
  const row = page.locator('[data-testid="worker-row"][data-worker-id="gpu"]');
  await expect(row.getByTestId('worker-host')).toHaveText('This computer · gpu');
  await expect(row).toContainText('0/1');
  const kept = await callHost(host, 'workers.kept', {});
  expect(kept).toEqual([expect.objectContaining({ name: 'gpu', kind: 'local', target: 'this computer', capabilities: ['gpu'], maxTasks: 1 })]);
});
