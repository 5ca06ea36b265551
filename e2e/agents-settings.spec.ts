// Settings › Coding agents against a real headless host: a claude path that does not exist is
// refused naming the field, the real Claude Code CLI (the dev dependency) is kept with the version
// it answers, and an API key is set and cleared while the page only ever learns "set" or "not set".
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures/shoal-host';
import { ShellPage } from './pages/shell-page';

const CLAUDE_BIN = path.resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'claude');

/** What the CLI itself says its version is ("2.1.197 (Claude Code)" → "2.1.197"). */
function claudeVersion(): string {
  return /(\d+\.\d+\.\d+)/.exec(execFileSync(CLAUDE_BIN, ['--version'], { encoding: 'utf8' }))![1]!;
}

test('keeps a checked claude path with its version, and sets and clears an API key', async ({ page, host }) => {
  // Each save runs the CLIs' --version in main; on a loaded machine the default 30 s ran out
  // mid-test and the fixture's stop of the host then looked like a lost connection.
  test.setTimeout(90_000);
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  const agents = page.getByTestId('agents-settings');
  const claude = agents.getByTestId('agent-binary-claude');
  await expect(claude).toBeVisible({ timeout: 30_000 });

  const missing = path.join(host.dataDir, 'no-claude-here');
  await claude.getByLabel('Path').fill(missing);
  await claude.getByRole('button', { name: 'Save path' }).click();
  await expect(claude.getByRole('alert')).toContainText(`claude path: ${missing} does not exist`, { timeout: 30_000 });

  await claude.getByLabel('Path').fill(CLAUDE_BIN);
  await claude.getByRole('button', { name: 'Save path' }).click();
  // Kept once main has run it with --version: the row offers going back to the PATH.
  await expect(claude.getByRole('button', { name: 'Use PATH' })).toBeVisible({ timeout: 30_000 });
  await expect(claude.getByTestId('agent-binary-found')).toHaveText(`${CLAUDE_BIN} · version ${claudeVersion()}`);
  await expect(claude.getByRole('alert')).toHaveCount(0);
  // Kept by the host, and a reload reconnects (the token left the address bar but not the tab).
  await page.reload();
  await expect(shell.connection).toHaveAttribute('data-status', 'open');
  await expect(claude.getByLabel('Path')).toHaveValue(CLAUDE_BIN, { timeout: 30_000 });
  await expect(claude.getByTestId('agent-binary-found')).toHaveText(`${CLAUDE_BIN} · version ${claudeVersion()}`);

  const key = agents.getByTestId('agent-key-anthropic');
  await expect(key.getByTestId('agent-key-state')).toHaveText('Not set');
  await key.getByLabel('Key').fill('sk-ant-e2e-secret-key');
  await key.getByRole('button', { name: 'Set' }).click();
  await expect(key.getByTestId('agent-key-state')).toHaveText('Set (encrypted)', { timeout: 30_000 });
  await expect(key.getByLabel('Replace with')).toHaveValue('');
  // The page never had the key back, and the store holds it only sealed.
  expect(await page.content()).not.toContain('sk-ant-e2e');
  for (const f of fs.readdirSync(path.dirname(host.dbPath)).filter((n) => n.startsWith(path.basename(host.dbPath)))) {
    expect(fs.readFileSync(path.join(path.dirname(host.dbPath), f), 'latin1')).not.toContain('sk-ant-e2e-secret-key');
  }
  await key.getByRole('button', { name: 'Clear' }).click();
  await expect(key.getByTestId('agent-key-state')).toHaveText('Not set', { timeout: 30_000 });

  await claude.getByRole('button', { name: 'Use PATH' }).click();
  await expect(claude.getByRole('button', { name: 'Use PATH' })).toHaveCount(0, { timeout: 30_000 });
});
