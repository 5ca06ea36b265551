// An SSH host's connection drops after the agent ended, while Shoal brings its results back (a
// loopback relay in front of the test sshd is switched off at that moment). It is the same loss as
// one while the agent runs: the attempt ends interrupted by it without a result (no verdict made up
// from half the results; it counts against the task's retries), the worker goes down at once naming
// the host, and the re-probe brings it back once the host answers. Nothing of the cut-off results
// lands here: the agent's changes (already read when the drop came) are not applied to the attempt's
// worktree or its branch, and no artifact is recorded. The retry then passes, and the remote
// workdir of the first attempt is gone.
//
// The moment: the first attempt leaves a 64 GiB sparse artifact, so the remote listing that takes
// each artifact's SHA-256 (after the changes were read) runs for long; the test sees that sha256sum
// process (the remote is this computer) and drops the connection then. The process is the test's
// own, cut off from Shoal: it is ended here by its PID.
//
// A drop only as the remote workdir is removed, once everything came back and was checked, keeps
// the result: the task passes on that attempt (the agent is not run again for nothing), the worker
// still goes down, and the workdir there is removed once the host answers.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { artifactDir } from '../fleet/artifacts';
import type { ShoalCore } from '../shoal';
import { git, initRepo } from '../test-support/git-repo';
import { processesMatching, processesRunning } from '../test-support/processes';
import { refSlug } from '../fleet/ids';
import { useSshd } from '../test-support/use-hosts';
import { startSwitchRelay } from '../test-support/switch-relay';
import { eventsOf, launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { recordWorkerUps } from '../test-support/worker-ups';
import { parseHostRef } from './host-ref';
import { KnownHosts } from './ssh/host-keys';

const makeCore = useCores();
const sshd = useSshd();

interface AttemptRow { attempt: number; state: string; workdir: string | null; branch: string | null; host_ref: string | null; reap_pending: number }

function attempts(c: ShoalCore, runId: string): AttemptRow[] {
  return c.store.db.prepare<[string], AttemptRow>("SELECT attempt, state, workdir, branch, host_ref, reap_pending FROM attempts WHERE run_id = ? AND task_id = 't' ORDER BY attempt").all(runId);
}

describe('an SSH connection lost while the results come back', () => {
  it('interrupts the attempt without a result, takes the worker down at once naming the host, and the re-probe brings it back; nothing of the cut-off results is applied here', async () => {
    const relay = await startSwitchRelay({ host: '127.0.0.1', port: sshd.port });
    onTestFinished(() => relay.close());
    const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${relay.port}`, sshd.fingerprint);
    const repo = initRepo();
    const base = git(repo, 'rev-parse', 'HEAD');
    const big = `shoal-big-${process.pid}.bin`;
    const hashing = `sha256sum -- ${big}`;
    onTestFinished(() => {
      relay.on();
      for (const pid of processesRunning(hashing)) process.kill(pid, 'SIGKILL'); // a failed check's leftover
    });
    const runId = launch(c, {
      name: 'ssh-results-loss',
      worker_specs: [{ id: 'w1', name: 'far box', host: { kind: 'ssh', host: '127.0.0.1', port: relay.port, user: sshd.user, identity: sshd.identity }, max_concurrent_tasks: 1 }],
      task_specs: [{
        id: 't', name: 't',
        instructions: `if [ "$SHOAL_ATTEMPT" = 1 ]; then echo first > first.txt; echo one > "$SHOAL_ARTIFACTS_DIR/a.txt"; truncate -s 64G "$SHOAL_ARTIFACTS_DIR/${big}"; else echo second > second.txt; echo two > "$SHOAL_ARTIFACTS_DIR/a.txt"; fi`,
        retry_policy: { max_attempts: 2, initial_backoff_seconds: 1 },
      }],
    }, repo);

    const pid = await waitFor('the first attempt\'s artifacts being listed there', () => processesRunning(hashing)[0], 60_000, 10);
    const ups = recordWorkerUps(c, 'w1', () => false);
    const at = Date.now();
    relay.off();
    process.kill(pid, 'SIGKILL'); // it would hash 64 GiB of zeros for nobody
    const cause = `ssh ${sshd.user}@127.0.0.1:${relay.port}: connection lost while bringing the results back (listing artifacts)`;

    // Down at once, naming the worker, the host and the step; not at the next start.
    const worker = () => c.workersView.list().find((w) => w.id === 'w1');
    await waitFor('the worker marked down', () => worker()?.status === 'unhealthy', 10_000, 20);
    const downMs = Date.now() - at;
    expect(worker()?.statusReason).toMatch(/^worker far box: /);
    expect(worker()?.statusReason).toContain(cause);
    expect(downMs).toBeLessThan(5_000); // not a lease lapse, nor a probe's pause

    // Ended now as interrupted by the host's loss, without a result: no verdict, no receipt.
    const interrupted = await waitFor('the first attempt interrupted', () => eventsOf(c, runId, 't').find((e) => e.state === 'interrupted'), 10_000, 20);
    expect(interrupted).toMatchObject({ signal: 'host-lost' });
    expect(eventsOf(c, runId, 't').map((e) => e.state)).not.toContain('failed');
    expect(eventsOf(c, runId, 't').map((e) => e.state)).not.toContain('completed');
    expect(c.engine.fleet.receipts(runId)).toEqual([]);
    const [first] = attempts(c, runId);
    expect(first).toMatchObject({ attempt: 1, state: 'interrupted', reap_pending: 1 }); // its remote workdir is owed a reap

    // Nothing of it here: the changes (read before the drop) not applied, the branch still at the
    // base, no artifact recorded or left in its artifacts dir, no staging left.
    expect(git(first!.workdir!, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'rev-parse', first!.branch!)).toBe(base);
    const recorded = c.store.db.prepare<[string], { path: string }>("SELECT path FROM artifacts WHERE run_id = ? AND task_id = 't' AND attempt = 1").all(runId);
    expect(recorded).toEqual([]);
    const outDir = artifactDir(c.dataDir, runId, 't', 1);
    expect(fs.readdirSync(outDir)).toEqual(['agent.log']);
    const log = fs.readFileSync(path.join(outDir, 'agent.log'), 'utf8');
    expect(log).toContain(`shoal: worker far box: ${cause}`);
    expect(log).toContain('the attempt is interrupted without a result (retried per its policy); the worker waits for the host to answer again');
    expect(log).not.toContain('artifacts brought back');

    // The task waits for the host rather than running the retry while it does not answer.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(worker()?.status).toBe('unhealthy');
    expect(attempts(c, runId)).toHaveLength(1);

    const back = Date.now();
    relay.on();
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const passedMs = Date.now() - back;
    expect(ups).toHaveLength(1);
    expect(ups[0]!.at).toBeGreaterThanOrEqual(back);
    // The retry passed on the same worker; its branch holds its own change only.
    expect(c.engine.fleet.receipts(runId)).toMatchObject([{ worker_id: 'w1', result: 'pass' }]);
    const [, second] = attempts(c, runId);
    expect(second).toMatchObject({ attempt: 2 });
    expect(git(repo, 'show', `${second!.branch!}:second.txt`)).toBe('second');
    expect(git(repo, 'ls-tree', '--name-only', second!.branch!).split('\n')).not.toContain('first.txt');
    expect(fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', 2), 'a.txt'), 'utf8')).toBe('two\n');
    // The first attempt's remote workdir went once the host answered (before the worker was up).
    const ref = parseHostRef(first!.host_ref);
    expect(ref?.kind).toBe('ssh');
    const dir = ref?.kind === 'ssh' ? ref.dir : '';
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(`${dir}.artifacts`)).toBe(false);
    await waitFor('nothing owed any more', () => attempts(c, runId).every((a) => a.reap_pending === 0), 20_000);
    console.log(`[ssh-results-loss] worker down ${downMs} ms after the drop at the results-back point; up again ${ups[0]!.at - back} ms after the host was back; the retry passed ${passedMs} ms after`);
  }, 120_000);

  it('lost only as the remote workdir is removed, after every result came back and was checked: the result is kept and the task passes; the worker is down until the host answers, and the workdir goes then', async () => {
    const relay = await startSwitchRelay({ host: '127.0.0.1', port: sshd.port });
    onTestFinished(() => relay.close());
    const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${relay.port}`, sshd.fingerprint);
    const repo = initRepo();
    onTestFinished(() => relay.on());
    const runId = launch(c, {
      name: 'ssh-cleanup-loss',
      worker_specs: [{ id: 'w1', name: 'far box', host: { kind: 'ssh', host: '127.0.0.1', port: relay.port, user: sshd.user, identity: sshd.identity }, max_concurrent_tasks: 1 }],
      task_specs: [{
        id: 't', name: 't',
        // Many files (a directory, not an artifact) so that removing the workdir there takes a while.
        instructions: 'echo first > first.txt; echo one > "$SHOAL_ARTIFACTS_DIR/a.txt"; mkdir "$SHOAL_ARTIFACTS_DIR/junk" && cd "$SHOAL_ARTIFACTS_DIR/junk" && seq 1 40000 | xargs touch',
        retry_policy: { max_attempts: 2, initial_backoff_seconds: 1 },
      }],
    }, repo);
    // The remote is this computer: its `rm -rf <workdir> <workdir>.artifacts …` is seen here.
    await waitFor('the remote workdir being removed', () => processesMatching(`^rm -rf \\S*/work/${refSlug(runId)}/t-1 `).length > 0, 60_000, 5);
    relay.off();
    const worker = () => c.workersView.list().find((w) => w.id === 'w1');
    await waitFor('the worker marked down', () => worker()?.status === 'unhealthy', 10_000, 20);
    expect(worker()?.statusReason).toContain(`ssh ${sshd.user}@127.0.0.1:${relay.port}: connection lost while removing the remote workdir`);

    // Judged as usual, once: the task passed on its first attempt, with its changes and artifact.
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(c.engine.fleet.receipts(runId)).toMatchObject([{ worker_id: 'w1', result: 'pass' }]);
    const [first, ...more] = attempts(c, runId);
    expect(more).toEqual([]);
    expect(git(repo, 'show', `${first!.branch!}:first.txt`)).toBe('first');
    expect(fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', 1), 'a.txt'), 'utf8')).toBe('one\n');
    const log = fs.readFileSync(path.join(artifactDir(c.dataDir, runId, 't', 1), 'agent.log'), 'utf8');
    expect(log).toContain('the result had all come back and is kept');
    expect(first!.reap_pending).toBe(1); // the workdir there is owed until the host answers

    // The host answers again: the workdir left there goes (the run's own worker has left with its
    // run, so no probe calls it up; the driver's own loop still sees to what it left).
    relay.on();
    await waitFor('nothing owed any more', () => attempts(c, runId).every((a) => a.reap_pending === 0), 30_000);
    const ref = parseHostRef(first!.host_ref);
    const dir = ref?.kind === 'ssh' ? ref.dir : '';
    expect(dir).not.toBe('');
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(`${dir}.artifacts`)).toBe(false);
  }, 120_000);
});
