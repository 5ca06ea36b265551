// Electron security baseline, run by `npm test`: Electronegativity over the Electron main process,
// preload and the renderer's HTML (its CSP). Any finding of medium severity or higher fails; a
// finding that is reviewed and accepted carries an `eng-disable CHECK` comment with the reason
// beside the line it is about (see src-main/electron/main.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
// One folder with what ships to Electron: main-process and preload sources, and the page.
const scan = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-electronegativity-'));
try {
  for (const f of fs.readdirSync(path.join(root, 'src-main', 'electron'))) {
    if (f.endsWith('.ts') && !f.endsWith('.test.ts')) fs.copyFileSync(path.join(root, 'src-main', 'electron', f), path.join(scan, f));
  }
  fs.copyFileSync(path.join(root, 'src-renderer', 'index.html'), path.join(scan, 'index.html'));
  const report = path.join(scan, 'report.csv');
  const cli = path.join(path.dirname(require.resolve('@doyensec/electronegativity/package.json')), 'dist', 'index.js');
  const r = spawnSync(process.execPath, [cli, '-i', scan, '-r', '-s', 'medium', '-e', electronVersion, '-v', 'false', '-o', report], { encoding: 'utf8', timeout: 300_000 });
  if (!fs.existsSync(report)) {
    console.error(r.stdout, r.stderr);
    console.error('electronegativity: no report was written');
    process.exit(1);
  }
  const all = fs.readFileSync(report, 'utf8').trim().split('\n').slice(1).filter((l) => l.trim() !== '');
  // The CSV's second column is the severity; the report lists low findings too.
  const serious = all.filter((l) => /^[A-Z_]+,"(MEDIUM|HIGH|CRITICAL)"/.test(l));
  for (const row of all) console.error(`  ${serious.includes(row) ? '✘' : 'info:'} ${row}`);
  console.log(`electronegativity (Electron ${electronVersion}): ${serious.length} finding(s) of medium severity or higher, ${all.length - serious.length} lower`);
  process.exit(serious.length === 0 ? 0 : 1);
} finally {
  fs.rmSync(scan, { recursive: true, force: true });
}
