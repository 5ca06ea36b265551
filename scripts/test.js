// `npm test`: typecheck, lint, the Electron security baseline and build (in parallel), unit + integration tests (vitest), then
// Playwright e2e in Chromium against the headless host, then a check that the run left every
// tracked file as it found it. Ends with one line `tests: N passed, N failed` for CI. Interrupted
// (Ctrl+C, SIGTERM), it stops the step that runs and then the test servers left running.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopTestServers } from './test-servers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-test-report-'));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
// Every sshd and Docker API a test starts is listed here by its recipe (see test-servers.js).
const serversFile = path.join(reports, 'servers');
process.env.SHOAL_TEST_SERVERS = serversFile;
let passed = 0;
let failed = 0;
const failures = [];

// The steps' processes, so a signal sent to this one alone (kill PID) reaches them too; a Ctrl+C
// in a terminal reaches them on its own.
const children = new Set();
let interrupted = null;
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
for (const signal of Object.keys(SIGNALS)) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    console.log(`\n${signal}: stopping the running step, then the test servers it leaves running…`);
    for (const child of children) child.kill(signal);
  });
}

/** Ends an interrupted run once its steps have exited: servers stopped, the signal's exit code. */
function endIfInterrupted() {
  if (!interrupted) return;
  const left = stopTestServers(serversFile);
  console.log(`stopped ${left.length} test server(s) left running${left.length > 0 ? `: ${left.join(', ')}` : ''}`);
  process.exit(128 + SIGNALS[interrupted]);
}

function step(name, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n▶ ${name}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    children.add(child);
    child.on('error', (e) => console.log(String(e)));
    child.on('close', (code) => {
      children.delete(child);
      const ok = code === 0;
      console.log(`${ok ? '✔' : '✘'} ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
      if (!ok) failures.push(name);
      resolve(ok);
    });
  });
}

/** Like step, but concurrent with other steps: output is buffered and printed whole at the end. */
function parallelStep(name, cmd, args) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, FORCE_COLOR: '1' }, shell: process.platform === 'win32' });
    children.add(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => (output += String(e)));
    child.on('close', (code) => {
      children.delete(child);
      const ok = code === 0;
      console.log(`\n▶ ${name}`);
      if (output.trim() !== '') process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      console.log(`${ok ? '✔' : '✘'} ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
      if (!ok) failures.push(name);
      resolve(ok);
    });
  });
}

/** `git status --porcelain`, plus a digest of the diff so a further change to an already modified
 *  file shows too (null outside a git checkout, e.g. an unpacked tarball). */
function gitStatus() {
  const r = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) return null;
  const diff = spawnSync('git', ['diff', 'HEAD', '--binary'], { cwd: root, maxBuffer: 1 << 30 });
  return `${r.stdout}diff ${createHash('sha256').update(diff.stdout ?? '').digest('hex')}\n`;
}

function countVitest(file) {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += (r.numFailedTests ?? 0) + (r.numTotalTestSuites > 0 && r.success === false && (r.numFailedTests ?? 0) === 0 ? 1 : 0);
  } catch {
    failed += 1;
  }
}

function countPlaywright(file) {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    passed += r.stats?.expected ?? 0;
    failed += (r.stats?.unexpected ?? 0) + (r.stats?.flaky ?? 0);
  } catch {
    failed += 1;
  }
}

const t0 = Date.now();
const statusBefore = gitStatus();
const [typecheckOk, lintOk, cyclesOk, securityOk, built] = await Promise.all([
  parallelStep('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']),
  parallelStep('lint', bin('eslint'), ['.', '--max-warnings=0']),
  parallelStep('import cycles', bin('depcruise'), ['--config', '.dependency-cruiser.cjs', 'src-main', 'src-shared', 'src-renderer/src']),
  parallelStep('Electron security baseline (Electronegativity)', process.execPath, [path.join(root, 'scripts', 'electronegativity.js')]),
  parallelStep('build', 'npm', ['run', 'build']),
]);
endIfInterrupted();
const staticOk = typecheckOk && lintOk && cyclesOk && securityOk;
const vitestReport = path.join(reports, 'vitest.json');
// The build step bundled the CLI; vitest's global setup then does not bundle it again.
await step('unit and integration tests (vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`], built ? { SHOAL_CLI_BUILT: '1' } : {});
endIfInterrupted();
countVitest(vitestReport);
if (built) {
  const pwReport = path.join(reports, 'playwright.json');
  await step('end-to-end tests (Playwright, Chromium)', bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwReport });
  endIfInterrupted();
  countPlaywright(pwReport);
}
// A test that started a server and never stopped it (they stop their own) is named here.
const left = stopTestServers(serversFile);
if (left.length > 0) console.log(`\nstopped ${left.length} test server(s) a test left running: ${left.join(', ')}`);
// Tests must not modify tracked files (README screenshots are rewritten only by `npm run screenshots`).
const statusAfter = gitStatus();
if (statusBefore !== null && statusAfter !== statusBefore) {
  failures.push('tracked files unchanged');
  failed += 1;
  const before = new Set(statusBefore.split('\n'));
  console.log('\n✘ the run changed the working tree:');
  for (const line of statusAfter.split('\n')) if (line !== '' && !before.has(line)) console.log(`  ${line}`);
}
console.log(`\nwall time: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
if (!staticOk) failed += 1;
console.log('');
if (failures.length > 0) console.log(`failed steps: ${failures.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failures.length > 0 || failed > 0 ? 1 : 0);
