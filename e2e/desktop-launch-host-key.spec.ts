// A spec that names its own SSH worker on a host whose key Shoal has never seen (a real OpenSSH
// server on 127.0.0.1, started with the repo's recipe): the launch preview flags the worker with the
// key's fingerprint and offers to trust it there; once trusted, the worker answers and the task runs
// on it. No kept worker is added on the way.
import os from 'node:os';
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { LaunchDialog } from './pages/launch-dialog';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';
import { dropFiles } from './pages/spec-files';
import { startSshd } from './fixtures/sshd';

test("trusts a spec's own SSH worker's host key from the launch preview, then runs the task there", async ({ page, host }) => {
  test.setTimeout(120_000);
  const sshd = startSshd();
  const port = sshd.port;
  try {
    const spec = `name: far work
worker_specs:
  - id: far
    name: far box
    host: { kind: ssh, host: 127.0.0.1, port: ${port}, user: ${os.userInfo().username}, identity: ${sshd.identity} }
task_specs:
  - id: hello
    name: Hello over SSH
    instructions: echo "hello from $SHOAL_WORKDIR"
`;
    const shell = new ShellPage(page);
    await shell.open(host.url);
    await dropFiles(page, [{ name: 'far.yaml', text: spec }]);
    const dialog = new LaunchDialog(page);
    await dialog.expectReady(1);
    const flagged = page.getByTestId('worker-reach').locator('[data-worker-id="far"]');
    await expect(flagged).toHaveAttribute('data-ok', 'false', { timeout: 30_000 });
    await expect(flagged).toContainText(`host key of 127.0.0.1:${port} is not known: SHA256:`);
    await expect(flagged).toContainText('check it against the host, then trust it below');
    await expect(flagged).not.toContainText('--accept-new-host-key');

    await flagged.getByTestId('trust-host-key').click();
    const ask = flagged.getByRole('group', { name: `Trust the host key of 127.0.0.1:${port}` });
    await expect(ask).toContainText(/Trust SHA256:[A-Za-z0-9+/]{43} for 127\.0\.0\.1:/);
    await page.screenshot({ path: test.info().outputPath('trust-host-key.png') });
    await ask.getByTestId('trust-host-key-confirm').click();
    // Asked again at once (not after the preview's usual 30 s): the worker now answers.
    await expect(flagged).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
    await expect(flagged).toContainText('far box (ssh) can be reached');

    await dialog.launch();
    const run = new RunPage(page);
    await expect(run.taskRow('hello')).toHaveAttribute('data-state', 'passed', { timeout: 60_000 });
    // Trusting a key kept no worker (which would also take other specs' tasks).
    expect(await callHost(host, 'workers.kept', {})).toEqual([]);
  } finally {
    sshd.stop();
  }
});
