// A remote agent joins from the Workers view, against the real headless host: the agent listener is
// started from Add worker → Remote agent, a join token is minted, the exact command shown is run as
// a real `shoal agent` process, the agent comes online in the view, and revoking it disconnects it
// and lists it as revoked. Settings → Workers shows the listener that was started, refuses a
// non-loopback address without TLS naming the field, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures/shoal-host';
import { ShellPage } from './pages/shell-page';
import { WorkersPage } from './pages/workers-page';

const ROOT = path.resolve(import.meta.dirname, '..');

test('mints a join token in the Workers view, the shown command joins an agent, and Revoke cuts it off', async ({ page, host }) => {
  test.setTimeout(90_000);
  const agentHome = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-e2e-agent-'));
  let agent: ChildProcess | null = null;
  try {
    const shell = new ShellPage(page);
    const workers = new WorkersPage(page);
    await shell.open(`${host.url}#/workers`);
    await workers.openRemoteAgentDialog();
    const dialog = workers.dialog;

    // No listener yet: the dialog says so, and minting waits for it.
    await expect(dialog.getByTestId('agent-listener-off')).toContainText('not running');
    await expect(dialog.getByTestId('mint-token')).toBeDisabled();
    await dialog.locator('[name="agent-listen"]').fill('not an address');
    await dialog.getByTestId('start-agent-listener').click();
    await expect(dialog.getByRole('alert')).toContainText('listen: "not an address" is not HOST:PORT');
    await dialog.locator('[name="agent-listen"]').fill('127.0.0.1:0');
    await dialog.getByTestId('start-agent-listener').click();
    await expect(dialog.getByTestId('agent-listener-on')).toContainText(/Agents join at ws:\/\/127\.0\.0\.1:\d+/);

    await dialog.locator('[name="agent-name"]').fill('e2e-agent');
    await dialog.locator('[name="agent-capabilities"]').fill('gpu');
    await dialog.getByTestId('mint-token').click();
    const command = (await dialog.getByTestId('agent-command').textContent())!;
    expect(command).toMatch(/^shoal agent --join ws:\/\/127\.0\.0\.1:\d+ --token shoal_jt_[\w-]+ --name e2e-agent$/);
    await dialog.getByTestId('copy-agent-command').click();
    await expect(page.getByText(/Command copied\.|press Ctrl\+C to copy/)).toBeVisible();
    await shell.screenshot('remote-agent-command');
    const tokenId = (await dialog.getByTestId('agent-token-id').textContent())!;
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(workers.joinToken(tokenId)).toContainText('e2e-agent');
    await shell.screenshot('remote-agent-token-pending');

    // The command exactly as shown, `shoal` being this checkout's CLI; its store in a temp dir.
    const [, ...args] = command.split(' ');
    let stderr = '';
    agent = spawn(process.execPath, [path.join(ROOT, 'bin', 'shoal.js'), ...args], { cwd: agentHome, env: { ...process.env, SHOAL_HOME: agentHome }, stdio: ['ignore', 'ignore', 'pipe'] });
    agent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => agent!.once('exit', (code) => resolve(code)));

    const row = workers.agentRow('e2e-agent', 'online');
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expect(row.getByTestId('agent-meta')).toContainText(/127\.0\.0\.1:\d+ · shoal \d+\.\d+\.\d+/);
    // What its machine has, as the agent found it: this computer here.
    await expect(row.getByTestId('agent-facts')).toContainText(new RegExp(`^git \\d+\\.\\d+.*, ${os.cpus().length} CPUs, \\d+ MB, ${os.type()} `));
    await expect(row).toContainText('Remote agent · ');
    await expect(row).toContainText('gpu');
    await expect(workers.joinToken(tokenId)).toBeHidden();
    await shell.screenshot('remote-agent-online');

    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke e2e-agent' }).click();
    await expect(workers.agentRow('e2e-agent', 'revoked')).toContainText('Revoked');
    expect(await exited).toBe(1);
    expect(stderr).toContain('was revoked');
    agent = null;
    await shell.screenshot('remote-agent-revoked');

    // Settings → Workers shows the listener it started.
    await shell.open(`${host.url}#/settings`);
    const setting = page.getByTestId('agent-listener-setting');
    await expect(setting.getByTestId('agent-listener-status')).toContainText(/Remote agents join at ws:\/\/127\.0\.0\.1:\d+/);
    await expect(setting.locator('[name="listen"]')).toHaveValue('127.0.0.1:0');
    await setting.getByTestId('agent-listener-status').scrollIntoViewIfNeeded();
    await shell.screenshot('settings-workers');
    // A non-loopback address without TLS is refused naming the field, and the running one stays.
    const listen = setting.locator('[name="listen"]');
    await listen.fill('0.0.0.0:0');
    await setting.getByTestId('save-agent-listener').click();
    await expect(setting.getByRole('alert')).toContainText('listen: 0.0.0.0 is not a loopback address, so it needs tlsCert and tlsKey, or insecure');
    await expect(listen).toHaveAttribute('aria-invalid', 'true');
    await expect(setting.getByTestId('agent-listener-status')).toHaveAttribute('data-running', 'true');
    await shell.screenshot('settings-workers-error');
    await setting.getByTestId('stop-agent-listener').click();
    await expect(setting.getByTestId('agent-listener-status')).toContainText('Not listening');
  } finally {
    if (agent?.pid && agent.exitCode === null) process.kill(agent.pid, 'SIGKILL');
    fs.rmSync(agentHome, { recursive: true, force: true });
  }
});
