// A remote agent probes its machine (git, agent CLIs, CPUs, memory, OS) before it joins, and says
// what it found in its hello. A CLI whose `--version` never answers must not keep the agent from
// joining, nor be left running: the agent waits a bounded time, joins without the facts, and the
// hung probe's process group is killed. (What a well-behaved machine reports is checked in
// remote-agents.test.ts.)
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { WorkerRow } from '../../src-shared/contract';
import { isAlive } from '../core/fleet/process-tree';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { mintToken, startAgent, startControlPlane, stop, trackProcs, uiCall } from './test-support/control-plane';

const track = trackProcs();

it('an agent CLI that hangs on --version: the agent joins without its facts, and the hung CLI is ended', async () => {
  const dir = tempDir('shoal-agent-facts-');
  const bin = path.join(dir, 'bin');
  const pidFile = path.join(dir, 'claude.pid');
  fs.mkdirSync(bin);
  // `exec` keeps the PID written: the process that hangs is the one recorded.
  fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 600\n`, { mode: 0o755 });
  const db = path.join(dir, 'cp.db');
  const cp = track(await startControlPlane(db, dir));
  const minted = await mintToken(db, dir, ['--name', 'slow-cli']);
  const agent = track(await startAgent(minted.url, minted.token, path.join(dir, 'agent'), dir, [], { PATH: `${bin}:${process.env.PATH}` }));
  expect(agent.err()).toContain("this machine's facts (git, agent CLIs) were not found within 5 s; joining without them");
  const rows = await uiCall<WorkerRow[]>(cp.uiUrl, 'workers.list', {});
  const row = rows.find((r) => r.name === 'slow-cli');
  expect(row?.state).toBe('online');
  expect(row?.agent?.facts).toBeNull();
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  await waitFor('the hung `claude --version` to be ended', () => !isAlive(pid), 5_000);
  await stop(agent);
  await stop(cp);
}, 60_000);
