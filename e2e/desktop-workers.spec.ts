// The Workers view against a real host: status, what each worker runs now, load, CPU and memory
// sparklines from heartbeats, heartbeat age; drain (takes nothing new), resume, retire; a worker
// whose host is down (its cause in danger red), and workers that are gone (a kept worker removed,
// a run's own worker after its run ended): a neutral line and no drain or retire.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { LaunchDialog } from './pages/launch-dialog';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';
import { dropFiles } from './pages/spec-files';
import { startSshd } from './fixtures/sshd';

const BUSY = 'name: busy work\ntask_specs:\n  - id: crunch\n    name: Crunch numbers\n    instructions: for i in $(seq 1 12); do echo "chunk $i"; sleep 0.5; done\n';

test('drain keeps new work off a worker until it resumes; its tasks, load and heartbeat charts show live; retire when idle', async ({ page, host }) => {
  test.setTimeout(120_000);
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/workers`);
  const local = page.locator('[data-testid="worker-row"][data-worker-id="local"]');
  await expect(local).toHaveAttribute('data-status', 'online');
  await expect(local).toContainText('Idle');
  await expect(local).toContainText('0/');
  await local.getByRole('button', { name: /^Drain/ }).click();
  await expect(local).toHaveAttribute('data-status', 'draining');
  await expect(local.getByRole('button', { name: /^Resume/ })).toBeVisible();

  // A run launched while the only worker drains waits in the queue.
  await dropFiles(page, [{ name: 'busy.yaml', text: BUSY }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(1);
  await dialog.launch();
  const run = new RunPage(page);
  await expect(run.taskRow('crunch')).toHaveAttribute('data-state', 'queued');
  await page.waitForTimeout(1500);
  await expect(run.taskRow('crunch')).toHaveAttribute('data-state', 'queued');

  await shell.navLink({ id: 'workers', label: 'Workers', key: 'w', ready: 'workers-table' }).click();
  await local.getByRole('button', { name: /^Resume/ }).click();
  await expect(local).toHaveAttribute('data-status', 'busy', { timeout: 15_000 });
  await expect(local.getByRole('link', { name: 'Crunch numbers' })).toBeVisible();
  await expect(local).toContainText('1/');
  await expect(local.getByRole('button', { name: /^Retire/ })).toBeDisabled();
  // Heartbeats every 2 s carry the agent's CPU and memory; the sparklines draw them.
  await expect(local.getByRole('img', { name: /^CPU of .*: now \d+%/ })).toBeVisible({ timeout: 20_000 });
  await expect(local.getByRole('img', { name: /^Memory of .*: now/ })).toBeVisible();
  await expect(local.locator('td.col-time')).toHaveText(/just now|\ds ago/);
  await shell.screenshot('workers-live');

  // Once idle, it can retire; resumed, it is back in service.
  await expect(local).toHaveAttribute('data-status', 'online', { timeout: 30_000 });
  await expect(local).toContainText('Idle');
  await local.getByRole('button', { name: /^Retire/ }).click();
  await expect(local).toHaveAttribute('data-status', 'retired');
  await local.getByRole('button', { name: /^Resume/ }).click();
  await expect(local).toHaveAttribute('data-status', 'online');
});

test('a worker whose host cannot be reached says why in the Workers view, and its task waits for it', async ({ page, host }) => {
  test.setTimeout(60_000);
  // A loopback port nobody listens on: the probe is refused at once.
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(p));
    });
  });
  const spec = `name: far away\nworker_specs:\n  - id: w-down\n    name: far box\n    host: { kind: ssh, host: 127.0.0.1, port: ${port}, user: nobody }\ntask_specs:\n  - id: t\n    name: Waits for its host\n    instructions: echo hi\n`;
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/workers`);
  await dropFiles(page, [{ name: 'far.yaml', text: spec }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(1);
  await dialog.launch();
  const run = new RunPage(page);
  await expect(run.taskRow('t')).toHaveAttribute('data-state', 'queued');

  await shell.navLink({ id: 'workers', label: 'Workers', key: 'w', ready: 'workers-table' }).click();
  const row = page.locator('[data-testid="worker-row"][data-worker-id="w-down"]');
  await expect(row).toHaveAttribute('data-status', 'unhealthy', { timeout: 15_000 });
  await expect(row.getByTestId('worker-reason')).toHaveText(`ssh nobody@127.0.0.1:${port}: connection refused (is sshd running there?)`);
  // A fault with a cause: the one kind of line shown in danger red.
  await expect(row.getByTestId('worker-reason')).toHaveAttribute('data-kind', 'fault');
  // Cut to three lines in the table, the reason is whole once the keyboard reaches it.
  await row.getByTestId('worker-reason').focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  await expect(row.getByTestId('worker-reason')).toBeFocused();
  expect(await row.getByTestId('worker-reason').evaluate((el) => getComputedStyle(el).webkitLineClamp)).toBe('none');
  await shell.screenshot('workers-unhealthy');
});

const RECIPES = path.resolve(import.meta.dirname, '..', 'scripts', 'infra');
const OWN_WORKER = 'name: own worker\nworker_specs:\n  - id: run-box\n    name: run box\n    host: { kind: local }\ntask_specs:\n  - id: t\n    name: Quick\n    instructions: echo hi\n';

test('a removed kept worker and a run’s worker after its run ended say so in a neutral line, and offer no drain or retire', async ({ page, host }) => {
  test.setTimeout(90_000);
  const sshdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-e2e-sshd-'));
  try {
    const sshdPort = Number(execFileSync(path.join(RECIPES, 'sshd-up'), [sshdDir], { encoding: 'utf8' }).trim().split(/\s+/)[1]);
    const ssh = { kind: 'ssh' as const, host: '127.0.0.1', port: sshdPort, user: os.userInfo().username, identity: path.join(sshdDir, 'id_ed25519') };
    const check = await callHost(host, 'workers.test', { host: ssh });
    expect(check.unknownHostKey).toBeTruthy();
    expect((await callHost(host, 'workers.add', { name: 'gone-box', host: ssh, acceptHostKey: check.unknownHostKey! })).ok).toBe(true);

    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/workers`);
    const kept = page.locator('[data-testid="worker-row"][data-worker-id="gone-box"]');
    await expect(kept).toHaveAttribute('data-state', 'online', { timeout: 15_000 });
    await expect(kept.getByRole('button', { name: /^Drain/ })).toBeVisible();

    // A run with its own worker, run to its end.
    await dropFiles(page, [{ name: 'own.yaml', text: OWN_WORKER }]);
    const dialog = new LaunchDialog(page);
    await dialog.expectReady(1);
    await dialog.launch();
    await expect(new RunPage(page).taskRow('t')).toHaveAttribute('data-state', 'passed', { timeout: 30_000 });
    await shell.navLink({ id: 'workers', label: 'Workers', key: 'w', ready: 'workers-table' }).click();

    await shell.screenshot('workers-kept');
    // Removed from its row (a typo'd worker must not stay forever), after a confirm.
    page.once('dialog', (d) => void d.accept());
    await kept.getByRole('button', { name: 'Remove gone-box' }).click();
    await expect(page.locator('.toasts')).toContainText('gone-box is removed from the kept workers.');
    await expect(kept).toHaveAttribute('data-state', 'removed');
    expect(await callHost(host, 'workers.kept', {})).toEqual([]);
    // (The line keeps "last seen 6s ago" on one line with no-break spaces: \s matches them.)
    await expect(kept.getByTestId('worker-reason')).toHaveText(/^Removed · last\sseen\s\d+s\sago$/);
    await expect(kept.getByTestId('worker-reason')).toHaveAttribute('data-kind', 'neutral');
    await expect(kept.locator('td.col-time')).toHaveText(/^\d+s ago$/); // its real last heartbeat, never "just now"
    await expect(kept.getByRole('button')).toHaveCount(0);

    const ended = page.locator('[data-testid="worker-row"][data-worker-id="run-box"]');
    await expect(ended).toHaveAttribute('data-state', 'run-ended', { timeout: 10_000 });
    await expect(ended.getByTestId('worker-reason')).toHaveText(/^Run ended · last\sseen\s\d+s\sago$/);
    await expect(ended.getByTestId('worker-reason')).toHaveAttribute('data-kind', 'neutral');
    await expect(ended.getByRole('button')).toHaveCount(0);

    // This computer is still in service, and the count leaves the gone ones out.
    const local = page.locator('[data-testid="worker-row"][data-worker-id="local"]');
    await expect(local.getByRole('button', { name: /^Drain/ })).toBeVisible();
    await expect(page.getByText(/^1 worker · 1 online · 0 tasks running/)).toBeVisible();

    // Main refuses too, whoever asks, and names the worker.
    await expect(callHost(host, 'workers.drain', { workerId: 'gone-box' })).rejects.toThrow('workers.drain: Worker "gone-box" cannot be drained: it was removed from the kept workers');
    await expect(callHost(host, 'workers.retire', { workerId: 'run-box' })).rejects.toThrow('workers.retire: Worker "run box" cannot be retired: it belongs to a run that has ended');
  } finally {
    execFileSync(path.join(RECIPES, 'sshd-down'), [sshdDir], { stdio: 'ignore' });
    fs.rmSync(sshdDir, { recursive: true, force: true });
  }
});

test("a worker whose host went down shows its last load sample as the last, not as now", async ({ page, host }) => {
  test.setTimeout(90_000);
  const sshd = startSshd();
  try {
    const target = { kind: 'ssh' as const, host: '127.0.0.1', port: Number(sshd.port), user: os.userInfo().username, identity: sshd.identity };
    const { unknownHostKey } = await callHost(host, 'workers.test', { host: target });
    expect((await callHost(host, 'workers.add', { name: 'box', host: target, acceptHostKey: unknownHostKey! })).ok).toBe(true);
    // A task runs there (this computer drained), and its heartbeats carry the host's load.
    await callHost(host, 'workers.drain', { workerId: 'local' });
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/workers`);
    await dropFiles(page, [{ name: 'there.yaml', text: 'name: there\ntask_specs:\n  - id: t\n    name: Over there\n    instructions: sleep 5\n' }]);
    const dialog = new LaunchDialog(page);
    await dialog.expectReady(1);
    await dialog.launchAndClose();
    await expect(new RunPage(page).taskRow('t')).toHaveAttribute('data-state', 'passed', { timeout: 60_000 });
    await shell.navLink({ id: 'workers', label: 'Workers', key: 'w', ready: 'workers-table' }).click();
    const row = page.locator('[data-testid="worker-row"][data-worker-id="box"]');
    await expect(row.getByRole('img', { name: /^CPU of box: now \d+%/ })).toBeVisible({ timeout: 30_000 });

    execFileSync(path.join(RECIPES, 'sshd-down'), [sshd.dir], { stdio: 'ignore' });
    await expect(row).toHaveAttribute('data-status', 'unhealthy', { timeout: 30_000 });
    await expect(row.getByRole('img', { name: /^CPU of box: last sample \d+%/ })).toBeVisible();
    await expect(row.getByRole('img', { name: /^Memory of box: last sample / })).toBeVisible();
    await expect(row.getByRole('img', { name: /now/ })).toHaveCount(0);
  } finally {
    sshd.stop();
  }
});
