// Adding an SSH worker from the Workers view against a real OpenSSH server on 127.0.0.1 (started
// here with the repo's recipe): Test connection shows the unknown host key, the person trusts it,
// the worker is kept, and a task runs on it.
import os from 'node:os';
import { expect, test } from './fixtures/shoal-host';
import { LaunchDialog } from './pages/launch-dialog';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';
import { dropFiles } from './pages/spec-files';
import { startSshd } from './fixtures/sshd';

test('adds an SSH worker through the host-key prompt and runs a task on it', async ({ page, host }) => {
  test.setTimeout(120_000);
  const sshd = startSshd();
  const port = sshd.port;
  try {
    // A short window (a laptop with the app beside an editor): the dialog scrolls.
    await page.setViewportSize({ width: 1024, height: 560 });
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/workers`);
    await page.getByTestId('add-worker').click();
    const dialog = page.getByTestId('add-worker-dialog');
    await dialog.locator('[name="worker-name"]').fill('box');
    await dialog.locator('[name="ssh-target"]').fill(`${os.userInfo().username}@127.0.0.1:${port}`);
    await dialog.locator('[name="ssh-identity"]').fill(sshd.identity);
    await dialog.locator('[name="worker-capabilities"]').fill('remote');
    await dialog.getByTestId('worker-test').click();
    const check = dialog.getByTestId('worker-check');
    await expect(check).toContainText('is not known: SHA256:');
    // The answer is at the foot of a scrolled dialog: it is brought into view, not left below the fold.
    await expect(dialog.getByTestId('trust-host-key')).toBeInViewport();
    await page.screenshot({ path: test.info().outputPath('host-key-prompt.png') });
    await dialog.getByTestId('trust-host-key').check();
    await dialog.getByTestId('worker-test').click();
    await expect(check).toContainText(/Usable — git \d/);
    await dialog.getByRole('button', { name: 'Add' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.locator('[data-testid="worker-row"][data-worker-id="box"]')).toBeVisible();

    // With this computer drained, the next task runs on the new worker.
    await page.locator('[data-testid="worker-row"][data-worker-id="local"]').getByRole('button', { name: /^Drain/ }).click();
    await dropFiles(page, [{ name: 'remote.yaml', text: 'name: remote work\ntask_specs:\n  - id: hello\n    name: Hello over SSH\n    instructions: echo "hello from $SHOAL_WORKDIR"\n' }]);
    const launch = new LaunchDialog(page);
    await launch.expectReady(1);
    await launch.launch();
    const run = new RunPage(page);
    await expect(run.taskRow('hello')).toHaveAttribute('data-state', 'passed', { timeout: 60_000 });
    // Its page says which worker it ran on and where that is.
    await run.taskRow('hello').getByRole('link', { name: 'Hello over SSH' }).click();
    await expect(page.getByTestId('task-worker')).toHaveText(`box (ssh ${os.userInfo().username}@127.0.0.1:${port})`);
  } finally {
    sshd.stop();
  }
});
