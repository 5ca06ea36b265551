// The throwaway servers a test run started. scripts/infra/sshd-up and docker-up list each one in the
// file SHOAL_TEST_SERVERS names; at the end of `npm test`, and when it is interrupted (Ctrl+C, a
// SIGTERM), every server listed is stopped with its own recipe, which kills only the PID its folder
// recorded. A test that stopped its server already costs one idempotent call.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RECIPES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'infra');
const KINDS = { sshd: { pidFile: 'sshd.pid', down: 'sshd-down' }, docker: { pidFile: 'podman.pid', down: 'docker-down' } };

/** Stops every server listed in `file`; returns the ones that were still running ("sshd DIR"). */
export function stopTestServers(file) {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return []; // no server was started
  }
  const stopped = [];
  for (const line of new Set(text.split('\n').filter(Boolean))) {
    const space = line.indexOf(' ');
    const kind = KINDS[line.slice(0, space)];
    const dir = line.slice(space + 1);
    if (!kind || !dir) continue;
    if (isRunning(path.join(dir, kind.pidFile))) stopped.push(line);
    spawnSync(path.join(RECIPES, kind.down), [dir], { stdio: 'ignore' });
  }
  return stopped;
}

function isRunning(pidFile) {
  try {
    process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}
