// Builds the app once before the specs when the bundles are missing or older than the sources, so
// `npx playwright test` on a fresh checkout tests what is in the tree, not a stale out/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SOURCES = ['src-main', 'src-renderer', 'src-shared', 'drizzle', 'package.json', 'electron.vite.config.ts', 'scripts/build-cli.js'];
const OUTPUTS = ['out/cli/shoal.js', 'out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs'];

function newestMtime(p: string): number {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

export default function globalSetup(): void {
  if (process.env.SHOAL_E2E_SKIP_BUILD === '1') return;
  const outputs = OUTPUTS.map((o) => fs.statSync(path.join(ROOT, o), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  const built = Math.min(...outputs);
  const changed = Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s))));
  if (built > changed) return;
  process.stdout.write('e2e: building Shoal (bundles missing or older than sources)…\n');
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  execFileSync(npx, ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build-cli.js'], { cwd: ROOT, stdio: 'inherit' });
}
