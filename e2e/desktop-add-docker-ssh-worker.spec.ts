// Adding a Docker worker whose daemon is on "another machine", reached as ssh://: a real OpenSSH
// server on 127.0.0.1 and podman's Docker API behind it (both from the repo's recipes). Test
// connection shows the unknown host key, the person trusts it, the probe comes back usable and the
// worker is kept. The login takes either the key in an ssh-agent the Shoal host inherits (as a
// person's login would have) or a key file named in the dialog, sealed by the host (then no agent
// is there, so the file is the only way in) — and a task then runs in a container over it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { LaunchDialog } from './pages/launch-dialog';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';
import { dropFiles } from './pages/spec-files';
import { startSshd, type E2eSshd } from './fixtures/sshd';

const RECIPES = path.resolve(import.meta.dirname, '..', 'scripts', 'infra');
const IMAGE = 'localhost/shoal-worker:latest';

// One sshd and one Docker API for the file's tests, so they run one after another in one worker.
test.describe.configure({ mode: 'default' });

let sshd: E2eSshd | null = null;
let sshdDir = '';
let dockerDir = '';
let sshdPort = '';
let socket = '';
const savedAuthSock = process.env.SSH_AUTH_SOCK;

/** The Shoal host started for a test inherits this process's SSH_AUTH_SOCK, or none. */
function setAuthSock(value: string | undefined): void {
  if (value === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = value;
}

test.beforeAll(() => {
  test.setTimeout(600_000);
  sshd = startSshd();
  sshdDir = sshd.dir;
  sshdPort = sshd.port;
  dockerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-e2e-docker-'));
  socket = execFileSync(path.join(RECIPES, 'docker-up'), [dockerDir], { encoding: 'utf8', timeout: 900_000 }).trim().split(/\s+/)[1]!.replace(/^unix:\/\//, '');
});

test.afterAll(() => {
  setAuthSock(savedAuthSock);
  sshd?.stop();
  if (dockerDir) execFileSync(path.join(RECIPES, 'docker-down'), [dockerDir], { stdio: 'ignore' });
  if (dockerDir) fs.rmSync(dockerDir, { recursive: true, force: true });
});

/** Opens Add worker on a Docker image at the ssh:// daemon, with the worker's name filled in. */
async function openDockerOverSsh(page: Page, url: string, name: string): Promise<Locator> {
  await new ShellPage(page).open(`${url}#/workers`);
  await page.getByTestId('add-worker').click();
  const dialog = page.getByTestId('add-worker-dialog');
  await dialog.getByRole('radio', { name: 'Docker image' }).check();
  await dialog.locator('[name="worker-name"]').fill(name);
  await dialog.locator('[name="docker-image"]').fill(IMAGE);
  await dialog.locator('[name="docker-host"]').fill(`ssh://${os.userInfo().username}@127.0.0.1:${sshdPort}${socket}`);
  return dialog;
}

/** Test connection → the unknown host key → trusted → usable → Add → the worker's row. */
async function trustAndAdd(page: Page, dialog: Locator, name: string, shots: string | null): Promise<void> {
  await dialog.getByTestId('worker-test').click();
  const check = dialog.getByTestId('worker-check');
  await expect(check).toContainText(`host key of 127.0.0.1:${sshdPort} is not known: SHA256:`);
  if (shots) await page.screenshot({ path: `/tmp/${shots}-host-key.png` });
  await dialog.getByTestId('trust-host-key').check();
  await dialog.getByTestId('worker-test').click();
  await expect(check).toContainText(/Usable — git \d/, { timeout: 30_000 });
  if (shots) await page.screenshot({ path: `/tmp/${shots}-usable.png` });
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(`[data-testid="worker-row"][data-worker-id="${name}"]`)).toBeVisible();
}

test.describe('with the key in an ssh-agent', () => {
  let agent: ChildProcess | null = null;
  test.beforeAll(async () => {
    const agentSock = path.join(sshdDir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    for (let i = 0; i < 250 && !fs.existsSync(agentSock); i++) await new Promise((r) => setTimeout(r, 20));
    execFileSync('ssh-add', ['-q', path.join(sshdDir, 'id_ed25519')], { env: { ...process.env, SSH_AUTH_SOCK: agentSock }, stdio: 'ignore' });
    setAuthSock(agentSock);
  });
  test.afterAll(() => {
    setAuthSock(savedAuthSock);
    agent?.kill('SIGTERM');
  });

  test('adds a Docker worker on another machine over ssh:// through the host-key prompt', async ({ page, host }) => {
    test.setTimeout(120_000);
    const dialog = await openDockerOverSsh(page, host.url, 'far');
    // Empty, the key field leaves the login to the agent.
    await expect(dialog.locator('[name="ssh-identity"]')).toHaveValue('');
    await trustAndAdd(page, dialog, 'far', 'dockssh');
    await page.screenshot({ path: '/tmp/dockssh-workers.png' });
  });
});

test.describe('with a key file named in the dialog', () => {
  test.beforeAll(() => setAuthSock(undefined));
  test.afterAll(() => setAuthSock(savedAuthSock));

  test('seals the key, tests usable with it and runs a task in a container over it', async ({ page, host }) => {
    test.setTimeout(180_000);
    const dialog = await openDockerOverSsh(page, host.url, 'far-key');
    const keyField = dialog.locator('[name="ssh-identity"]');
    // The field is there for an ssh:// daemon only.
    await dialog.locator('[name="docker-host"]').fill(`unix://${socket}`);
    await expect(keyField).toHaveCount(0);
    await dialog.locator('[name="docker-host"]').fill(`ssh://${os.userInfo().username}@127.0.0.1:${sshdPort}${socket}`);
    // A path main cannot read is refused naming the field, and nothing is kept.
    await keyField.fill(path.join(sshdDir, 'no-such-key'));
    await dialog.getByTestId('worker-test').click();
    await expect(dialog.getByTestId('error-message')).toHaveText(`identity: cannot read ${path.join(sshdDir, 'no-such-key')}: no such file`);
    await expect(dialog.getByRole('alert')).toContainText('Check the fields');
    await keyField.fill(path.join(sshdDir, 'id_ed25519'));
    await expect(dialog.getByTestId('error-message')).toHaveCount(0);
    await page.screenshot({ path: '/tmp/dockssh-key-file.png' });
    await trustAndAdd(page, dialog, 'far-key', 'dockssh-key');

    // Kept with its key sealed: only that one is stored is said, never the key.
    const kept = await callHost(host, 'workers.kept', {});
    expect(kept).toEqual([expect.objectContaining({ name: 'far-key', kind: 'docker', keySealed: true })]);
    expect(JSON.stringify(kept)).not.toContain('PRIVATE KEY');

    // With this computer drained, the next task runs in a container behind the ssh:// login.
    await page.locator('[data-testid="worker-row"][data-worker-id="local"]').getByRole('button', { name: /^Drain/ }).click();
    await dropFiles(page, [{ name: 'far.yaml', text: 'name: far work\ntask_specs:\n  - id: hello\n    name: Hello in a far container\n    instructions: echo "hello from $PWD"\n' }]);
    const launch = new LaunchDialog(page);
    await launch.expectReady(1);
    await launch.launch();
    await expect(new RunPage(page).taskRow('hello')).toHaveAttribute('data-state', 'passed', { timeout: 90_000 });
  });
});
