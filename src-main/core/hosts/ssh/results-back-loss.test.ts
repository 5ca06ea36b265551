// The SSH driver when the connection drops after the agent ended, while it brings the results back:
// the host's sshd process serving the connection is killed by its PID (the remote is this computer)
// at two points. While an artifact is fetched (another one already fetched and checked), the
// attempt's exit says the results were lost to the host's loss (naming the host and the step), and
// nothing of them lands here: not the agent's changes (read before the drop), not an artifact. While
// the remote workdir is removed, everything had already come back and been checked: the result is
// kept and only the host is said to be lost. Either way the remote workdir goes once the host
// answers again (the driver's background reap), and the driver works on.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, initRepo } from '../../test-support/git-repo';
import { childrenOf, processesRunning } from '../../test-support/processes';
import { useSshd } from '../../test-support/use-hosts';
import { tempDir } from '../../test-support/temp-dir';
import { waitFor } from '../../test-support/wait-for';
import type { AttemptSink, HostExit } from '../host-driver';
import { KnownHosts } from './host-keys';
import { SshConnection } from './ssh-connection';
import { SshDriver } from './ssh-driver';

const sshd = useSshd();

const runId = `results-loss-${process.pid}-${Date.now()}`;
/** The run's folder there (the server's files are on this computer, in its own home). */
const remoteRun = () => path.join(sshd.shoalRoot, 'work', runId);

/** An attempt in a real local repository, through the driver, running `script` (sh) there. */
function attempt(driver: SshDriver, taskId: string, script: string) {
  const repo = initRepo({ 'README.md': 'base\n' });
  const base = git(repo, 'rev-parse', 'HEAD');
  const artifactsDir = tempDir();
  const artifacts: string[] = [];
  let finish!: (exit: HostExit) => void;
  const finished = new Promise<HostExit>((resolve) => (finish = resolve));
  const sink: AttemptSink = {
    started() {}, output() {}, diagnostics() {}, events() {},
    artifacts: (names) => void artifacts.push(...names),
    finish: (exit) => finish(exit),
  };
  const started = driver.start({
    runId, taskId, attempt: 1, workerName: 'far', workdir: { dir: repo, branch: 'main', baseCommit: base, repo }, artifactsDir, gatewayUrl: null, killGraceMs: 1_000, storeId: null,
    launch: { command: 'sh', args: ['-c', script], env: { SHOAL_ARTIFACTS_DIR: artifactsDir }, stream: 'plain' },
  }, sink, new AbortController().signal);
  return { repo, artifactsDir, artifacts, started, finished, remoteDir: path.join(remoteRun(), `${taskId}-1`) };
}

/** Drops the driver's connection the moment `pattern` runs there: its sshd process is killed. */
async function dropWhileRunning(pattern: string): Promise<void> {
  await waitFor(`${pattern} running there`, () => processesRunning(pattern).length > 0, 60_000, 5);
  const serving = childrenOf(sshd.pid); // one per connection: the driver's is the only one
  expect(serving).toHaveLength(1);
  process.kill(serving[0]!, 'SIGKILL');
}

async function expectNothingLanded(a: ReturnType<typeof attempt>, exit: HostExit, step: string): Promise<void> {
  const label = `ssh ${sshd.user}@127.0.0.1:${sshd.port}`;
  expect(exit).toMatchObject({ resultsLost: true, hostDown: true, workLeft: true });
  expect(exit.hostError).toMatch(new RegExp(`^${label.replace(/[.]/g, '\\.')}: connection lost while bringing the results back \\(${step}\\): `));
  expect(a.artifacts).toEqual([]);
  expect(fs.readdirSync(a.artifactsDir)).toEqual([]); // neither a checked artifact nor the staging
  expect(git(a.repo, 'status', '--porcelain')).toBe(''); // the changes were not applied
  expect(fs.readFileSync(path.join(a.repo, 'README.md'), 'utf8')).toBe('base\n');
}

/** A driver for the test sshd, its host key already pinned. */
function connectedDriver(): SshDriver {
  return new SshDriver(new SshConnection({ host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity }, { known: KnownHosts.inDataDir(tempDir()), pinned: sshd.fingerprint }));
}

describe('an SSH connection dropped while the results come back', () => {
  it('while an artifact is fetched: nothing lands here, and the remote workdir goes once the host answers', async () => {
    const driver = connectedDriver();
    try {
      // a.txt comes first and is fetched whole; b.bin (sparse, 512 MiB) takes long to come.
      const a = attempt(driver, 'fetch', 'echo changed > README.md; echo one > "$SHOAL_ARTIFACTS_DIR/a.txt"; truncate -s 512M "$SHOAL_ARTIFACTS_DIR/b.bin"');
      await a.started;
      await dropWhileRunning(`cat -- ${a.remoteDir}.artifacts/b.bin`);
      for (const pid of processesRunning(`cat -- ${a.remoteDir}.artifacts/b.bin`)) process.kill(pid, 'SIGKILL'); // the test's own, cut off
      await expectNothingLanded(a, await a.finished, 'fetching artifact b.bin');
      await driver.settled(); // the background reap, once the host answered again
      expect(fs.existsSync(a.remoteDir)).toBe(false);
      expect(fs.existsSync(`${a.remoteDir}.artifacts`)).toBe(false);
      expect((await driver.probe()).ok).toBe(true);
    } finally {
      await driver.close();
    }
  }, 120_000);

  it('while the remote workdir is removed: everything had come back and been checked, so the result is kept; the host is down until it answers', async () => {
    const driver = connectedDriver();
    try {
      // Many files (not artifacts: a directory) so that removing the workdir takes a while.
      const a = attempt(driver, 'cleanup', 'echo changed > README.md; echo one > "$SHOAL_ARTIFACTS_DIR/a.txt"; mkdir "$SHOAL_ARTIFACTS_DIR/junk" && cd "$SHOAL_ARTIFACTS_DIR/junk" && seq 1 30000 | xargs touch');
      await a.started;
      await dropWhileRunning(`rm -rf ${a.remoteDir} ${a.remoteDir}.artifacts`);
      const exit = await a.finished;
      const label = `ssh ${sshd.user}@127.0.0.1:${sshd.port}`;
      // Judged as usual (no host error, nothing lost): only the worker is down, and the workdir there is owed.
      expect(exit).toMatchObject({ code: 0, workLeft: true });
      expect(exit.hostError).toBeUndefined();
      expect(exit.resultsLost).toBeUndefined();
      expect(exit.hostLost).toMatch(new RegExp(`^${label.replace(/[.]/g, '\\.')}: connection lost while removing the remote workdir: `));
      expect(a.artifacts).toEqual(['a.txt']);
      expect(fs.readFileSync(path.join(a.artifactsDir, 'a.txt'), 'utf8')).toBe('one\n');
      expect(fs.readdirSync(a.artifactsDir)).toEqual(['a.txt']); // no staging left
      expect(fs.readFileSync(path.join(a.repo, 'README.md'), 'utf8')).toBe('changed\n');
      await driver.settled();
      expect(fs.existsSync(a.remoteDir)).toBe(false);
      expect(fs.existsSync(`${a.remoteDir}.artifacts`)).toBe(false);
      expect((await driver.probe()).ok).toBe(true);
    } finally {
      await driver.close();
    }
  }, 120_000);
});
