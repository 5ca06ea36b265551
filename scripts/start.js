// `npm start`: the Electron app where the Electron binary is installed; otherwise the same UI from
// the headless host, with its URL printed. Builds first when the sources are newer than the build.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const p = require('electron'); // a path when the binary was downloaded; throws otherwise
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  const marker = path.join(root, 'out', 'cli', 'shoal.js');
  if (!fs.existsSync(marker) || !fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) return true;
  const built = fs.statSync(marker).mtimeMs;
  return ['src-main', 'src-renderer', 'src-shared'].some((d) => newestMtime(path.join(root, d)) > built);
}

if (needsBuild()) {
  console.error('Building Shoal…');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

const electron = electronBinary();
if (electron) {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'electron-native.js')], { cwd: root, stdio: 'inherit' });
  const child = spawn(electron, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.error('Electron is not installed here (no binary); starting the headless host instead.');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'shoal.js'), 'serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
