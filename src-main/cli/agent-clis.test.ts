// Where the coding-agent CLIs are: `shoal workers test local` reports the real claude and codex (the
// dev dependencies) with their versions, from the PATH or from a path kept in Settings → Agents,
// and a path that cannot run is refused with the reason, naming the CLI.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { runCli } from './test-support/cli';
import { ShoalCore } from '../core/shoal';

const BIN = path.resolve('node_modules/.bin');
// A PATH that has sh and git but neither agent CLI.
const BARE_PATH = '/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin';

describe('agent CLIs in the worker probe', () => {
  it('shoal workers test local names each CLI with its version, from the PATH or the kept path', async () => {
    const dir = tempDir('shoal-agent-clis-');
    const db = path.join(dir, 'shoal.db');
    const onPath = await runCli(['workers', 'test', 'local', '--json', '--db', db], { env: { PATH: `${BIN}:${BARE_PATH}` } });
    expect(onPath.code, onPath.stderr).toBe(0);
    expect(JSON.parse(onPath.stdout)).toMatchObject({ name: 'local', ok: true, agents: [{ name: 'claude', version: '2.1.197' }, { name: 'codex', version: '0.171.0' }] });
    const text = await runCli(['workers', 'test', 'local', '--db', db], { env: { PATH: `${BIN}:${BARE_PATH}` } });
    expect(text.stdout).toContain('local: usable — git ');
    expect(text.stdout).toContain('agents claude 2.1.197, codex 0.171.0');

    // Without them on the PATH: none, until a path is kept for one of them.
    const bare = JSON.parse((await runCli(['workers', 'test', 'local', '--json', '--db', db], { env: { PATH: BARE_PATH } })).stdout) as { agents: unknown[] };
    expect(bare.agents).toEqual([]);
    const core = new ShoalCore({ dbPath: db, transport: 'headless', env: { PATH: BARE_PATH } });
    try {
      const notExec = path.join(dir, 'claude');
      fs.writeFileSync(notExec, '#!/bin/sh\necho 1.0.0\n', { mode: 0o644 });
      await expect(core.agentBinaries.set('claude', notExec)).rejects.toThrow(`claude path: ${notExec} is not executable`);
      await expect(core.agentBinaries.set('claude', path.join(dir, 'nope'))).rejects.toThrow(`claude path: ${path.join(dir, 'nope')} does not exist`);
      await expect(core.agentBinaries.set('claude', 'claude')).rejects.toThrow('claude path: "claude" is not an absolute path');
      await expect(core.agentBinaries.set('codex', dir)).rejects.toThrow(`codex path: ${dir} is not a file`);
      await core.agentBinaries.set('codex', path.join(BIN, 'codex'));
      expect((await core.agentBinaries.list()).find((b) => b.cli === 'codex')).toMatchObject({ path: path.join(BIN, 'codex'), version: '0.171.0', problem: null });
    } finally {
      core.close();
    }
    const kept = JSON.parse((await runCli(['workers', 'test', 'local', '--json', '--db', db], { env: { PATH: BARE_PATH } })).stdout) as { agents: unknown[] };
    expect(kept.agents).toEqual([{ name: 'codex', version: '0.171.0' }]);
  });
});
