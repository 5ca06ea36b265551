// Settings for threads against a real headless host: a model provider (a real chat-completions
// server on 127.0.0.1 stands in for a hosted one) and an MCP server (a real MCP server process),
// each added through the form with a connection check that says what is wrong before it works.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startChatServer, type ChatServer } from '../src-main/core/test-support/chat-server';
import { callHost } from './fixtures/host-call';
import { expect, test } from './fixtures/shoal-host';
import { RuntimeSettingsPage } from './pages/runtime-settings-page';
import { ShellPage } from './pages/shell-page';

const ROOT = path.resolve(import.meta.dirname, '..');
const MCP_SERVER = path.join(ROOT, 'src-main', 'core', 'test-support', 'mcp-test-server.mjs');
let chat: ChatServer;
test.beforeEach(async () => {
  chat = await startChatServer({ apiKey: 'sk-e2e-secret-key', models: ['scripted-model', 'other-model'] });
});
test.afterEach(async () => {
  await chat.close();
});

test('adds a model provider after a connection check, and never shows its key again', async ({ page, host }) => {
  const shell = new ShellPage(page);
  const settings = new RuntimeSettingsPage(page);
  await shell.open(`${host.url}#/settings`);
  await expect(settings.providers).toContainText('No provider yet');
  await settings.providers.getByRole('button', { name: 'Add provider' }).click();
  const form = await settings.fillProvider({ name: 'Local scripted', baseUrl: chat.baseUrl, model: 'scripted-model', apiKey: 'wrong-key' });

  await form.getByRole('button', { name: 'Check connection' }).click();
  await settings.expectCheck(form, false, 'Local scripted refused the API key (401)');
  await form.getByLabel('API key').fill('sk-e2e-secret-key');
  await form.getByLabel('Model').fill('gpt-nine');
  await form.getByRole('button', { name: 'Check connection' }).click();
  await settings.expectCheck(form, false, 'does not list the model "gpt-nine"');
  await form.getByLabel('Model').fill('scripted-model');
  await form.getByRole('button', { name: 'Check connection' }).click();
  await settings.expectCheck(form, true, 'Connected to Local scripted; model "scripted-model" is available.');
  await shell.screenshot('settings-provider-form');
  await form.getByRole('button', { name: 'Save' }).click();

  const row = settings.providers.getByTestId('provider-row');
  await expect(row).toContainText('Local scripted');
  await expect(row).toContainText('Default');
  await expect(row).toContainText('API key stored (encrypted)');
  await expect(row).toContainText(chat.baseUrl);
  // The saved provider checks out with the key main holds; the page itself never had it back.
  await row.getByRole('button', { name: 'Check connection' }).click();
  await settings.expectCheck(row, true, 'Connected to Local scripted');
  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(settings.providers.getByLabel('API key')).toHaveValue('');
  await expect(settings.providers.getByLabel('API key')).toHaveAttribute('placeholder', 'Stored — leave empty to keep it');
  await settings.providers.getByRole('button', { name: 'Cancel' }).click();
  expect(await page.content()).not.toContain('sk-e2e-secret-key');
  await shell.screenshot('settings-providers');
});

test('asks for a stored key or secret again when a provider or an MCP server is pointed somewhere else', async ({ page, host }) => {
  const typo = await startChatServer();
  try {
    await callHost(host, 'providers.save', { name: 'Hosted', baseUrl: chat.baseUrl, model: 'scripted-model', apiKey: 'sk-e2e-secret-key' });
    await callHost(host, 'mcp.save', { server: { name: 'notes', transport: 'stdio', command: process.execPath, args: [MCP_SERVER], enabled: false, env: { NOTES_TOKEN: 't0k-e2e' } } });
    const shell = new ShellPage(page);
    const settings = new RuntimeSettingsPage(page);
    await shell.open(`${host.url}#/settings`);

    await settings.providers.getByTestId('provider-row').getByRole('button', { name: 'Edit' }).click();
    const form = settings.providers.getByTestId('provider-form');
    await expect(form.getByTestId('api-key-needed')).toHaveCount(0);
    await form.getByLabel('Base URL').fill(typo.baseUrl);
    await expect(form.getByTestId('api-key-needed')).toContainText('enter the API key again');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(form).toContainText('apiKey: give the key again when you change baseUrl');
    expect(typo.requests).toEqual([]);
    await form.getByLabel('API key').fill('sk-typo-server-key');
    await expect(form.getByTestId('api-key-needed')).toHaveCount(0);
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(settings.providers.getByTestId('provider-row')).toContainText(typo.baseUrl);

    const row = settings.mcp.locator('[data-testid="mcp-row"]', { hasText: 'notes' });
    await row.getByRole('button', { name: 'Edit' }).click();
    const mcpForm = settings.mcp.getByTestId('mcp-form');
    await mcpForm.getByLabel('Arguments, one per line').fill(`${MCP_SERVER}\n--other`);
    await expect(mcpForm.getByTestId('mcp-secrets-needed')).toContainText('type NOTES_TOKEN again');
    await mcpForm.getByRole('button', { name: 'Save' }).click();
    await expect(mcpForm).toContainText('env.NOTES_TOKEN: give the value again when you change command or args');
    await mcpForm.getByLabel('Environment').fill('NOTES_TOKEN=t0k-new');
    await expect(mcpForm.getByTestId('mcp-secrets-needed')).toHaveCount(0);
    await mcpForm.getByRole('button', { name: 'Save' }).click();
    await expect(row).toContainText('--other');
  } finally {
    await typo.close();
  }
});

test('adds an MCP server that starts, reports its tools, and says why a broken one fails', async ({ page, host }) => {
  const shell = new ShellPage(page);
  const settings = new RuntimeSettingsPage(page);
  await shell.open(`${host.url}#/settings`);
  await settings.mcp.getByRole('button', { name: 'Add server' }).click();
  let form = await settings.fillMcpServer({ name: 'notes', command: 'shoal-no-such-program', args: [] });
  await form.getByRole('button', { name: 'Check connection' }).click();
  await settings.expectCheck(form, false, /Could not connect: could not start it: .*not found/);

  form = await settings.fillMcpServer({ name: 'notes', command: process.execPath, args: [MCP_SERVER], env: 'NOTES_TOKEN=t0k-e2e' });
  await form.getByRole('button', { name: 'Check connection' }).click();
  await settings.expectCheck(form, true, 'Connected: 5 tools (echo, add, env, fail, write_note)');
  await form.getByRole('button', { name: 'Save' }).click();
  const row = settings.mcp.locator('[data-testid="mcp-row"]', { hasText: 'notes' });
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 20_000 });
  await expect(row.getByTestId('mcp-tools')).toContainText('5 tools: notes__echo, notes__add');

  // A server that cannot start shows as failed with what it printed.
  await settings.mcp.getByRole('button', { name: 'Add server' }).click();
  form = await settings.fillMcpServer({ name: 'broken', command: process.execPath, args: [MCP_SERVER, '--broken'] });
  await form.getByRole('button', { name: 'Save' }).click();
  const broken = settings.mcp.locator('[data-testid="mcp-row"]', { hasText: 'broken' });
  await expect(broken).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  await expect(broken.getByTestId('mcp-error')).toContainText('missing configuration file shoal-test.toml');

  // Editing shows the stored environment value masked, never in the clear.
  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(settings.mcp.getByLabel('Environment')).toHaveValue('NOTES_TOKEN=••••••');
  await settings.mcp.getByRole('button', { name: 'Cancel' }).click();
  expect(await page.content()).not.toContain('t0k-e2e');
  await shell.screenshot('settings-mcp');
});

test('environment lines the form cannot read are said under the field, and the server is not saved without them', async ({ page, host }) => {
  const shell = new ShellPage(page);
  const settings = new RuntimeSettingsPage(page);
  await shell.open(`${host.url}#/settings`);
  await settings.mcp.getByRole('button', { name: 'Add server' }).click();
  const form = await settings.fillMcpServer({ name: 'notes', command: process.execPath, args: [MCP_SERVER], env: 'GOOD=1\nJUSTAKEY\n=novalue' });
  await expect(form.getByTestId('mcp-pairs-unreadable')).toHaveText('line 2 "JUSTAKEY", line 3 "=novalue": not KEY=value; fix them or take them out');
  await expect(form.getByRole('button', { name: 'Save' })).toBeDisabled();
  await form.getByLabel('Environment').fill('GOOD=1\nJUSTAKEY=2');
  await expect(form.getByTestId('mcp-pairs-unreadable')).toHaveCount(0);
  await form.getByRole('button', { name: 'Save' }).click();
  const row = settings.mcp.locator('[data-testid="mcp-row"]', { hasText: 'notes' });
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 20_000 });
  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(settings.mcp.getByLabel('Environment')).toHaveValue('GOOD=••••••\nJUSTAKEY=••••••');
});

test('the MCP servers start again with Shoal, with a startup summary', async ({ page, host }) => {
  await callHost(host, 'mcp.save', { server: { name: 'notes', transport: 'stdio', command: process.execPath, args: [MCP_SERVER] } });
  await callHost(host, 'mcp.save', { server: { name: 'broken', transport: 'stdio', command: process.execPath, args: [MCP_SERVER, '--broken'] } });
  // Quit Shoal, and start it again on the same data.
  await host.stop();
  const again = spawn(process.execPath, [path.join(ROOT, 'bin', 'shoal.js'), 'serve', '--port', '0', '--db', host.dbPath], {
    cwd: ROOT, env: { ...process.env, SHOAL_HOME: host.dataDir, SHOAL_TOKEN: '' }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      again.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Shoal UI: (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      again.once('exit', (code) => reject(new Error(`shoal serve exited (${code})`)));
    });
    const shell = new ShellPage(page);
    await shell.open(`${url}#/settings`);
    const settings = new RuntimeSettingsPage(page);
    await expect(settings.mcp.getByTestId('mcp-summary')).toHaveText('At startup: 1 ready, 1 failed, 0 cancelled', { timeout: 20_000 });
    await expect(settings.mcp.locator('[data-testid="mcp-row"][data-status="ready"]')).toContainText('notes');
    await expect(settings.mcp.locator('[data-testid="mcp-row"][data-status="failed"]')).toContainText('broken');
  } finally {
    await new Promise<void>((resolve) => {
      if (again.exitCode !== null) return resolve();
      again.once('exit', () => resolve());
      again.kill('SIGTERM');
    });
  }
});
