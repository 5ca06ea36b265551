// `npm test` stops every test server its tests leave running, interrupted or not: the recipes list
// what they start in SHOAL_TEST_SERVERS, and stopTestServers stops each by its recorded PID.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { isAlive } from '../src-main/core/fleet/process-tree';
import { tempDir } from '../src-main/core/test-support/temp-dir';

const HERE = path.dirname(fileURLToPath(import.meta.url));
let sshdDir: string | null = null;

afterEach(() => {
  if (sshdDir) execFileSync(path.join(HERE, 'infra', 'sshd-down'), [sshdDir], { stdio: 'ignore' });
});

/** stopTestServers(file) in a process of its own, as scripts/test.js runs it. */
function stopTestServers(file: string): string[] {
  const code = `import(${JSON.stringify(path.join(HERE, 'test-servers.js'))}).then((m) => console.log(JSON.stringify(m.stopTestServers(${JSON.stringify(file)}))))`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })) as string[];
}

test('an sshd a test left running is listed by its recipe and stopped by its PID; stopping again is a no-op', () => {
  const dir = tempDir('shoal-test-servers-');
  const file = path.join(dir, 'servers');
  sshdDir = path.join(dir, 'sshd');
  const out = execFileSync(path.join(HERE, 'infra', 'sshd-up'), [sshdDir], { encoding: 'utf8', env: { ...process.env, SHOAL_TEST_SERVERS: file } });
  const pid = Number(out.trim().split(/\s+/)[0]);
  expect(isAlive(pid)).toBe(true);
  expect(fs.readFileSync(file, 'utf8')).toBe(`sshd ${sshdDir}\n`);

  expect(stopTestServers(file)).toEqual([`sshd ${sshdDir}`]);
  expect(isAlive(pid)).toBe(false);
  expect(stopTestServers(file)).toEqual([]);
});

test('no file (no server was started) stops nothing', () => {
  expect(stopTestServers(path.join(tempDir('shoal-test-servers-'), 'servers'))).toEqual([]);
});
