// The Workers view against a real host: status, what each worker runs now, load, CPU and memory
// sparklines from heartbeats, heartbeat age; drain (takes nothing new), resume, retire.
import net from 'node:net';
import { expect, test } from './fixtures/shoal-host';
import { LaunchDialog } from './pages/launch-dialog';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';
import { dropFiles } from './pages/spec-files';

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
  await shell.screenshot('workers-unhealthy');
});
