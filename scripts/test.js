// `npm test`: typecheck, lint, build, unit + integration tests (vitest), then Playwright e2e in
// Chromium against the headless host. Ends with one line `tests: N passed, N failed` for CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-test-report-'));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  console.log(`${ok ? '✔' : '✘'} ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  if (!ok) failures.push(name);
  return ok;
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

const staticOk = step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']) & step('lint', bin('eslint'), ['.', '--max-warnings=0']) & step('import cycles', bin('depcruise'), ['--config', '.dependency-cruiser.cjs', 'src-main', 'src-shared', 'src-renderer/src']);
const built = step('build', 'npm', ['run', 'build']);
const vitestReport = path.join(reports, 'vitest.json');
step('unit and integration tests (vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]);
countVitest(vitestReport);
if (built) {
  const pwReport = path.join(reports, 'playwright.json');
  step('end-to-end tests (Playwright, Chromium)', bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwReport });
  countPlaywright(pwReport);
}
if (!staticOk) failed += 1;
console.log('');
if (failures.length > 0) console.log(`failed steps: ${failures.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failures.length > 0 || failed > 0 ? 1 : 0);
