// `npm install` runs this (the root postinstall) instead of Electron's own download script, which
// package.json's allowScripts turns off: Electron's script fails the whole install on a machine that
// cannot download its binary. Here the download is best-effort — where it works nothing changes (the
// binary lands in node_modules/electron/dist and `npm start` opens the app); where it cannot, the
// install still succeeds and `npm start` serves the same UI from the headless host.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

function electronDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null; // installed with --omit=dev: nothing to do
  }
}

const dir = electronDir();
if (dir === null || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) process.exit(0);
// Electron's install.js returns at once when the binary is already there.
const r = spawnSync(process.execPath, [path.join(dir, 'install.js')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', timeout: 300_000 });
if (r.status !== 0) {
  const why = (r.stderr ?? '').split('\n').find((l) => /Error|ENOTFOUND|EAI_AGAIN|ECONN|timed out/i.test(l)) ?? (r.error ? String(r.error) : `exit ${r.status}`);
  console.warn(`Electron's binary could not be downloaded (${why.trim()}); \`npm start\` will serve the UI from the headless host instead.`);
} else if (!fs.existsSync(path.join(dir, 'path.txt'))) {
  console.warn('Electron\'s binary is not installed; `npm start` will serve the UI from the headless host instead.');
}
process.exit(0);
