// The Workers view says where each kept worker runs: an SSH worker's login (user@host:port) and a
// Docker worker's image and daemon under its name, not just "SSH" or "Docker" (two SSH hosts were
// told apart by their names alone). A real OpenSSH server and podman's Docker API on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { callHost } from './fixtures/host-call';
import { sidewaysScrollers } from './fixtures/layout';
import { expect, test } from './fixtures/shoal-host';
import { startSshd } from './fixtures/sshd';
import { ShellPage } from './pages/shell-page';

const RECIPES = path.resolve(import.meta.dirname, '..', 'scripts', 'infra');
const IMAGE = 'localhost/shoal-worker:latest';

test('a kept SSH worker shows its login and a kept Docker worker its image and daemon', async ({ page, host }) => {
  test.setTimeout(600_000);
  const sshd = startSshd();
  const dockerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-e2e-docker-'));
  try {
    const dockerHost = execFileSync(path.join(RECIPES, 'docker-up'), [dockerDir], { encoding: 'utf8', timeout: 900_000 }).trim().split(/\s+/)[1]!;
    const user = os.userInfo().username;
    const ssh = { kind: 'ssh' as const, host: '127.0.0.1', port: Number(sshd.port), user, identity: sshd.identity };
    const check = await callHost(host, 'workers.test', { host: ssh });
    expect((await callHost(host, 'workers.add', { name: 'ssh-box', host: ssh, acceptHostKey: check.unknownHostKey!, capabilities: ['gpu'] })).ok).toBe(true);
    const docker = { kind: 'docker' as const, image: IMAGE, dockerHost };
    expect((await callHost(host, 'workers.add', { name: 'ctr', host: docker })).ok).toBe(true);

    const shell = new ShellPage(page);
    await page.setViewportSize({ width: 1024, height: 700 });
    await shell.open(`${host.url}#/workers`);
    const row = (id: string) => page.locator(`[data-testid="worker-row"][data-worker-id="${id}"]`);
    await expect(row('ssh-box').getByTestId('worker-host')).toHaveText(`SSH · ${user}@127.0.0.1:${sshd.port} · gpu`, { timeout: 15_000 });
    await expect(row('ctr').getByTestId('worker-host')).toHaveText(`Docker · ${IMAGE} at ${dockerHost}`);
    // This computer is not a kept worker: its line stays as it was.
    await expect(row('local').getByTestId('worker-host')).toHaveText(/^This computer/);
    // At 1024 px every row's actions (Drain, Retire, Remove) are in view: the table does not scroll sideways.
    expect(await sidewaysScrollers(page)).toEqual([]);
    await shell.screenshot('workers-kept-hosts');
  } finally {
    execFileSync(path.join(RECIPES, 'docker-down'), [dockerDir], { stdio: 'ignore' });
    fs.rmSync(dockerDir, { recursive: true, force: true });
    sshd.stop();
  }
});
