// A process group an SSH host started for an attempt whose pgid Shoal never stored (the exec
// reached the host and the group started, then the connection dropped or Shoal was killed before
// the pgid came back): no stored ref names it, so neither recovery nor an owed reap could end it.
// Its wrapper wrote a marker under Shoal's remote directory, in this store's own folder, before the
// agent started; a probe that finds the host answering ends the groups those markers name (TERM,
// then KILL after the grace) before the worker is called usable, and removes markers whose group is
// gone — while the group of an attempt this Shoal runs right now there, and another store's group,
// are left alone. The groups are started through the SSH driver's own code, with nothing recorded.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { storeIdentity } from '../store/store-identity';
import { processesRunning } from '../test-support/processes';
import { useSshd } from '../test-support/use-hosts';
import { launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { startUnrecorded } from '../test-support/unrecorded-work';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { KnownHosts } from './ssh/host-keys';
import { markerDir, markerFile } from './ssh/pgid-markers';
import { SshConnection } from './ssh/ssh-connection';
import { SshDriver } from './ssh/ssh-driver';

const makeCore = useCores();
const sshd = useSshd();


describe('a process group whose pgid Shoal never stored', () => {
  it('is ended by the probe that finds its host answering, its marker and a stale one removed; a running attempt here and another store\'s group are untouched', async () => {
    const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${sshd.port}`, sshd.fingerprint);
    const storeId = storeIdentity(c.store);
    const host = { kind: 'ssh', host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity };
    const tag = process.pid % 1000;
    const own = `sleep 71.${tag}`;
    const ghost = `sleep 72.${tag}`;
    const foreign = `sleep 73.${tag}`;
    const runId = launch(c, {
      name: 'running-here',
      worker_specs: [{ id: 'w1', name: 'far box', host, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 't', name: 't', instructions: own, retry_policy: { max_attempts: 1 } }],
    });
    await waitFor('the attempt running here', () => processesRunning(own).length === 1, 60_000);
    const ownMarker = markerFile(sshd.shoalRoot, storeId, { runId, taskId: 't', attempt: 1 });
    expect(fs.readFileSync(ownMarker, 'utf8')).toMatch(/^[1-9][0-9]* /);

    const maker = new SshDriver(new SshConnection({ host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity }, { known: KnownHosts.inDataDir(tempDir()), pinned: sshd.fingerprint }));
    const dir = tempDir('shoal-unrecorded-');
    const ghostRun = `ghost.${tag}/x`; // escaped in the marker's name
    // It ignores TERM (its sleep inherits that): only the KILL after the grace ends it.
    const lost = await startUnrecorded(maker, { storeId, runId: ghostRun, dir, command: 'sh', args: ['-c', `trap "" TERM; while :; do ${ghost}; done`] });
    const other = await startUnrecorded(maker, { storeId: 'f'.repeat(24), runId: `foreign-${tag}`, dir, command: 'sleep', args: [`73.${tag}`] });
    const ghostMarker = markerFile(sshd.shoalRoot, storeId, { runId: ghostRun, taskId: 't', attempt: 1 });
    const foreignMarker = markerFile(sshd.shoalRoot, 'f'.repeat(24), { runId: `foreign-${tag}`, taskId: 't', attempt: 1 });
    onTestFinished(async () => {
      await maker.reap(lost.ref).catch(() => undefined);
      await maker.reap(other.ref).catch(() => undefined);
      await maker.close();
      // The maker's reaps take the markers of the groups it started (and their folders once
      // empty); a reap that failed would leave them.
      for (const m of [ghostMarker, foreignMarker]) fs.rmSync(m, { force: true });
    });
    await waitFor('both unrecorded groups running', () => processesRunning(ghost).length === 1 && processesRunning(foreign).length === 1, 30_000);
    expect(fs.existsSync(ghostMarker) && fs.existsSync(foreignMarker)).toBe(true);
    // A marker whose group is gone (its wrapper's shell went with a dropped connection): a pid that
    // has exited, so no group has it.
    const gone = Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"'], { encoding: 'utf8' }).trim());
    const staleMarker = `${markerDir(sshd.shoalRoot, storeId)}/stale-${tag}.pgid`;
    fs.writeFileSync(staleMarker, `${gone} stale-${tag}.t.1\n`);

    // A worker of another run on the same host: its probe finds the host answering, and the sweep
    // comes before the worker is called up.
    const at = Date.now();
    const second = launch(c, {
      name: 'probe-again',
      worker_specs: [{ id: 'w2', name: 'far box two', host, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 'u', name: 'u', instructions: 'echo done', retry_policy: { max_attempts: 1 } }],
    });
    expect(await c.engine.waitForRun(second)).toBe('completed');
    expect(processesRunning(ghost)).toEqual([]);
    expect(fs.existsSync(ghostMarker)).toBe(false);
    expect(fs.existsSync(staleMarker)).toBe(false);
    expect((await lost.finished).code).not.toBe(0);
    // The attempt running here, and the other store's group, untouched.
    expect(processesRunning(own)).toHaveLength(1);
    expect(fs.existsSync(ownMarker)).toBe(true);
    expect(processesRunning(foreign)).toHaveLength(1);
    expect(fs.existsSync(foreignMarker)).toBe(true);
    console.log(`[ssh-unrecorded-group] swept and the next run completed ${Date.now() - at} ms after its worker was added`);
  }, 120_000);

  it('an attempt that ends removes its marker, and its store\'s folder once empty', async () => {
    const c = makeCore({ reprobe: { minMs: 200, maxMs: 1_000 } });
    KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${sshd.port}`, sshd.fingerprint);
    const runId = launch(c, {
      name: 'ends',
      worker_specs: [{ id: 'w1', name: 'far box', host: { kind: 'ssh', host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity }, max_concurrent_tasks: 1 }],
      task_specs: [{ id: 't', name: 't', instructions: 'echo hi', retry_policy: { max_attempts: 1 } }],
    });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(fs.existsSync(markerDir(sshd.shoalRoot, storeIdentity(c.store)))).toBe(false);
  }, 60_000);
});
