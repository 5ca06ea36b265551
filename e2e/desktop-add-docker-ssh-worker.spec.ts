// Adding a Docker worker whose daemon is on "another machine", reached as ssh://: a real OpenSSH
// server on 127.0.0.1 and podman's Docker API behind it (both from the repo's recipes), the key in
// an ssh-agent the Shoal host inherits (as a person's login would have). Test connection shows the
// unknown host key, the person trusts it, the probe comes back usable and the worker is kept.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures/shoal-host';
import { ShellPage } from './pages/shell-page';

const RECIPES = path.resolve(import.meta.dirname, '..', 'scripts', 'infra');
const IMAGE = 'localhost/shoal-worker:latest';

let sshdDir = '';
let dockerDir = '';
let sshdPort = '';
let socket = '';
let agent: ChildProcess | null = null;
const savedAuthSock = process.env.SSH_AUTH_SOCK;

test.beforeAll(async () => {
  test.setTimeout(600_000);
  sshdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-e2e-sshd-'));
  dockerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-e2e-docker-'));
  sshdPort = execFileSync(path.join(RECIPES, 'sshd-up'), [sshdDir], { encoding: 'utf8' }).trim().split(/\s+/)[1]!;
  socket = execFileSync(path.join(RECIPES, 'docker-up'), [dockerDir], { encoding: 'utf8', timeout: 900_000 }).trim().split(/\s+/)[1]!.replace(/^unix:\/\//, '');
  const agentSock = path.join(sshdDir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
  for (let i = 0; i < 250 && !fs.existsSync(agentSock); i++) await new Promise((r) => setTimeout(r, 20));
  execFileSync('ssh-add', ['-q', path.join(sshdDir, 'id_ed25519')], { env: { ...process.env, SSH_AUTH_SOCK: agentSock }, stdio: 'ignore' });
  process.env.SSH_AUTH_SOCK = agentSock; // the Shoal host started for the test inherits it
});

test.afterAll(() => {
  if (savedAuthSock === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = savedAuthSock;
  agent?.kill('SIGTERM');
  if (sshdDir) execFileSync(path.join(RECIPES, 'sshd-down'), [sshdDir], { stdio: 'ignore' });
  if (dockerDir) execFileSync(path.join(RECIPES, 'docker-down'), [dockerDir], { stdio: 'ignore' });
  for (const d of [sshdDir, dockerDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

test('adds a Docker worker on another machine over ssh:// through the host-key prompt', async ({ page, host }) => {
  test.setTimeout(120_000);
  const url = `ssh://${os.userInfo().username}@127.0.0.1:${sshdPort}${socket}`;
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/workers`);
  await page.getByTestId('add-worker').click();
  const dialog = page.getByTestId('add-worker-dialog');
  await dialog.getByRole('radio', { name: 'Docker image' }).check();
  await dialog.locator('[name="worker-name"]').fill('far');
  await dialog.locator('[name="docker-image"]').fill(IMAGE);
  await dialog.locator('[name="docker-host"]').fill(url);
  await dialog.getByTestId('worker-test').click();
  const check = dialog.getByTestId('worker-check');
  await expect(check).toContainText(`host key of 127.0.0.1:${sshdPort} is not known: SHA256:`);
  await page.screenshot({ path: '/tmp/dockssh-host-key.png' });
  await dialog.getByTestId('trust-host-key').check();
  await dialog.getByTestId('worker-test').click();
  await expect(check).toContainText(/Usable — git \d/, { timeout: 30_000 });
  await page.screenshot({ path: '/tmp/dockssh-usable.png' });
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('[data-testid="worker-row"][data-worker-id="far"]')).toBeVisible();
  await page.screenshot({ path: '/tmp/dockssh-workers.png' });
});
