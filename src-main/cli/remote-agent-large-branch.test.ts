// A remote agent's result branch too large for one frame (its git bundle over ~5.6 MB), with real
// processes on loopback: it arrives in checked pieces like a large artifact, and the branch is in the
// control plane's workspace repository with every byte — it was silently dropped before (the task
// passed with no result branch, nothing said on either side).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { launchOnAgents, mintToken, startAgent, startControlPlane, stop, trackProcs, waitForRun } from './test-support/control-plane';

const track = trackProcs();

function gitRepo(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  git('init', '-q');
  fs.writeFileSync(path.join(dir, 'README.md'), '# project\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  return dir;
}

describe('remote agents: a large result branch', () => {
  it('sends a result branch over the frame limit in checked pieces; the branch arrives whole', async () => {
    const dir = tempDir('shoal-remote-bigbranch-');
    const db = path.join(dir, 'cp.db');
    const ws = gitRepo(path.join(dir, 'workspace'));
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, path.join(dir, 'a'), dir));
    // Random bytes do not compress: the bundle is over 9 MB, past any one frame.
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'big branch',
      task_specs: [{ id: 'big', name: 'big', instructions: 'head -c 9000000 /dev/urandom > big.bin; sha256sum big.bin', scorer: { kind: 'file_exists', path: 'big.bin' } }],
    }, ws);
    expect(await waitForRun(db, runId)).toBe('completed');
    const stored = execFileSync('git', ['show', `shoal/${runId}/big:big.bin`], { cwd: ws, maxBuffer: 64 * 1024 * 1024 });
    expect(stored.length).toBe(9_000_000);
    expect(agent.err()).not.toMatch(/over the .*-byte limit/);
    await stop(agent);
    await stop(cp);
  }, 120_000);
});
