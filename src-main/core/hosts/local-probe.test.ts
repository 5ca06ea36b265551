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
