// The desktop app itself, where the Electron binary exists (playwright.config.ts leaves this spec
// out otherwise). Needs a display: run under `xvfb-run -a` on a headless Linux box.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { SECTIONS, ShellPage } from './pages/shell-page';

const ROOT = path.resolve(import.meta.dirname, '..');

test('the desktop app opens on the Runs empty state and talks over Electron IPC', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-e2e-electron-'));
  const executablePath = createRequire(import.meta.url)('electron') as unknown as string;
  const app = await electron.launch({
    executablePath,
    args: [path.join(ROOT, 'out', 'main', 'index.js'), ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: { ...process.env, SHOAL_HOME: dataDir },
  });
  try {
    const shell = new ShellPage(await app.firstWindow());
    await expect(shell.connection).toHaveAttribute('data-status', 'open');
    await shell.expectSection(SECTIONS[0]);
    await shell.clickSection(SECTIONS[5]);
    await expect(shell.page.getByTestId('about-transport')).toHaveAttribute('data-value', 'electron');
    await expect(shell.page.getByTestId('about-db-path')).toHaveText(path.join(dataDir, 'shoal.db'));
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
