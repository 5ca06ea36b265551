// This computer's probe (Test on the local worker, and what a remote agent says of its machine):
// an agent CLI whose `--version` never answers is stopped after VERSION_WAIT_S and listed as found
// with its version unknown; the CLIs after it are still asked, and nothing is left running.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { isAlive } from '../fleet/process-tree';
import { tempDir } from '../test-support/temp-dir';
import { waitFor } from '../test-support/wait-for';
import { LocalDriver } from './local-driver';
import { agentProbeLine, parseAgentProbe } from './probe-commands';
import { execFile, spawnSync } from 'node:child_process';

it('a CLI that hangs on --version is found with its version unknown; the next CLI is still asked; the hung one is ended', async () => {
  const dir = tempDir('shoal-local-probe-');
  const pidFile = path.join(dir, 'claude.pid');
  const claude = path.join(dir, 'claude');
  const codex = path.join(dir, 'codex');
  fs.writeFileSync(claude, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 600\n`, { mode: 0o755 });
  fs.writeFileSync(codex, '#!/bin/sh\necho "codex-cli 9.9.9"\n', { mode: 0o755 });
  const probe = await new LocalDriver(() => ({ claude, codex })).probe();
  expect(probe.ok).toBe(true);
  expect(probe.agents).toEqual([{ name: 'claude', version: null }, { name: 'codex', version: '9.9.9' }]);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  await waitFor('the hung `claude --version` to be ended', () => !isAlive(pid), 5_000);
}, 30_000);

// Stock macOS has no `timeout`: the probe line then watches the CLI itself. Run here with a PATH
// that holds only what such a host has (sh and its usual tools, no coreutils `timeout`).
it('without `timeout` on the host, a CLI that hangs on --version is still stopped and the next CLI asked; none leaves a process or a file', async () => {
  const dir = tempDir('shoal-probe-no-timeout-');
  const bin = path.join(dir, 'bin');
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(bin);
  fs.mkdirSync(tmp);
  for (const tool of ['head', 'mktemp', 'sleep', 'cat', 'rm']) {
    const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    fs.symlinkSync(found!, path.join(bin, tool));
  }
  const pidFile = path.join(dir, 'claude.pid');
  fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 600\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'codex'), '#!/bin/sh\necho "codex-cli 9.9.9"\n', { mode: 0o755 });
  const env = { PATH: bin, TMPDIR: tmp };
  expect(spawnSync('/bin/sh', ['-c', 'command -v timeout || echo none'], { env, encoding: 'utf8' }).stdout.trim()).toBe('none');
  const started = Date.now();
  const probe = () => new Promise<string>((resolve, reject) =>
    execFile('/bin/sh', ['-c', agentProbeLine()], { env, timeout: 20_000 }, (e, stdout) => (e ? reject(e) : resolve(stdout))));
  const hungPid = () => (fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : null);
  try {
    expect(parseAgentProbe(await probe())).toEqual([{ name: 'claude', version: null }, { name: 'codex', version: '9.9.9' }]);
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(isAlive(hungPid()!)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([]);
    // A CLI that answers is not kept waiting for the whole allowance.
    fs.writeFileSync(path.join(bin, 'claude'), '#!/bin/sh\necho "2.1.197 (Claude Code)"\n', { mode: 0o755 });
    const quick = Date.now();
    expect(parseAgentProbe(await probe())).toEqual([{ name: 'claude', version: '2.1.197' }, { name: 'codex', version: '9.9.9' }]);
    expect(Date.now() - quick).toBeLessThan(5_000); // far below the 8 s allowance
  } finally {
    // Should the probe fail, its hung CLI must not outlive the test.
    const pid = hungPid();
    if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}, 30_000);
