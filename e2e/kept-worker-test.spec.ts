// A kept worker's Test in the Workers view: its host reached now as Shoal reaches it (its pinned
// key), and what it has said in a line (git, agent CLIs, CPUs, memory, OS); once its host is down,
// the cause, naming the worker. A real OpenSSH server on 127.0.0.1.
import os from 'node:os';
import { callHost } from './fixtures/host-call';
import { sidewaysScrollers } from './fixtures/layout';
import { expect, test } from './fixtures/shoal-host';
import { startSshd } from './fixtures/sshd';
import { ShellPage } from './pages/shell-page';

test("a kept worker's Test says what its host has, and why it cannot be used once it is down", async ({ page, host }) => {
  test.setTimeout(120_000);
  const sshd = startSshd();
  let stopped = false;
  try {
    const ssh = { kind: 'ssh' as const, host: '127.0.0.1', port: Number(sshd.port), user: os.userInfo().username, identity: sshd.identity };
    const check = await callHost(host, 'workers.test', { host: ssh });
    expect((await callHost(host, 'workers.add', { name: 'build-box', host: ssh, acceptHostKey: check.unknownHostKey! })).ok).toBe(true);

    const shell = new ShellPage(page);
    await page.setViewportSize({ width: 1024, height: 700 });
    await shell.open(`${host.url}#/workers`);
    const row = page.locator('[data-testid="worker-row"][data-worker-id="build-box"]');
    await row.getByRole('button', { name: 'Test build-box' }).click();
    const toast = page.locator('.toast').last();
    await expect(toast).toContainText(/^build-box is usable: git \d+\.\d+[^,]*, agents [^,]+, \d+ CPUs, \d+ MB, \S/, { timeout: 30_000 });
    await expect(toast).toHaveAttribute('data-tone', 'info');
    // At 1024 px the row's actions, Test among them, are in view: the table does not scroll sideways.
    expect(await sidewaysScrollers(page)).toEqual([]);
    await shell.screenshot('workers-kept-test');

    sshd.stop();
    stopped = true;
    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await row.getByRole('button', { name: 'Test build-box' }).click();
    const failed = page.locator('.toast[data-tone="failed"]');
    await expect(failed).toContainText(`worker build-box: ssh ${ssh.user}@127.0.0.1:${sshd.port}: connection refused`, { timeout: 30_000 });
  } finally {
    if (!stopped) sshd.stop();
  }
});
