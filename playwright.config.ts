// End-to-end tests: the built UI driven through Debian's Chromium against a real `shoal serve`
// (each test its own data dir, see e2e/fixtures/shoal-host.ts), plus the Electron app where its
// binary exists. `npx playwright install` cannot download browsers here, so we bring our own.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from '@playwright/test';

/** The Electron binary's path, or null when it was installed without one (ELECTRON_SKIP_BINARY_DOWNLOAD). */
function electronBinary(): string | null {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null; // electron's index.js throws when its download never happened
  }
}

// Every spec runs; the Electron one only where the Electron binary exists (no skipped tests).
const ignored = electronBinary() ? [] : ['**/electron.spec.ts'];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  testIgnore: ignored,
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
