// A store's pgid-marker folder on an SSH host (~/.shoal/running/<store>) goes once it is empty —
// after an attempt's cleanup, a sweep, a reap of a group this driver started, or when the driver
// closes — instead of one empty folder per store piling up there; and a start whose folder is
// removed under it (another attempt's cleanup or a sweep, between its `mkdir -p` and its launcher's
// write) still starts, its marker written. Against a real OpenSSH server that logs in as this user,
// on this machine.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useSshd } from '../../test-support/use-hosts';
import { tempDir } from '../../test-support/temp-dir';
import { startUnrecorded } from '../../test-support/unrecorded-work';
import { KnownHosts } from './host-keys';
import { markerDir, markerFile } from './pgid-markers';
import { SshConnection } from './ssh-connection';
import { SshDriver } from './ssh-driver';

const sshd = useSshd();

function driver(): SshDriver {
  const d = new SshDriver(new SshConnection({ host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: sshd.identity }, { known: KnownHosts.inDataDir(tempDir()), pinned: sshd.fingerprint }));
  onTestFinished(() => d.close());
  return d;
}

/** A store of its own, whose folder this test removes if anything is left. */
function store(): { id: string; folder: string } {
  const id = crypto.randomBytes(12).toString('hex');
  const folder = markerDir(sshd.shoalRoot, id);
  onTestFinished(() => fs.rmSync(folder, { recursive: true, force: true }));
  return { id, folder };
}

describe("a store's pgid-marker folder on an SSH host", () => {
  it("goes with the last attempt's cleanup", async () => {
    const d = driver();
    const s = store();
    const dir = tempDir('shoal-marker-dir-');
    const runs = await Promise.all([1, 2].map((n) => startUnrecorded(d, { storeId: s.id, runId: `clean-${n}`, dir: `${dir}/${n}`, command: 'sleep', args: ['0.3'] })));
    expect(fs.readdirSync(s.folder)).toHaveLength(2); // both markers written
    const exits = await Promise.all(runs.map((r) => r.finished));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    expect(fs.existsSync(s.folder)).toBe(false);
  });

  // The same for the run's folder of workdirs (~/.shoal/work/<run>): one empty folder per run
  // used to stay on the host for good.
  it("takes the run's workdir folder with the run's last attempt", async () => {
    const d = driver();
    const s = store();
    const dir = tempDir('shoal-run-dir-');
    const runId = `run-folder-${crypto.randomBytes(4).toString('hex')}`;
    const runFolder = `${sshd.shoalRoot}/work/${runId}`;
    onTestFinished(() => fs.rmSync(runFolder, { recursive: true, force: true }));
    const quick = await startUnrecorded(d, { storeId: s.id, runId, taskId: 'quick', dir: `${dir}/quick`, command: 'true', args: [] });
    const slow = await startUnrecorded(d, { storeId: s.id, runId, taskId: 'slow', dir: `${dir}/slow`, command: 'sleep', args: ['0.5'] });
    expect((await quick.finished).code).toBe(0);
    expect(fs.readdirSync(runFolder).filter((n) => n.startsWith('quick'))).toEqual([]); // its own workdir went
    expect(fs.existsSync(runFolder)).toBe(true); // the other attempt's is still there
    expect((await slow.finished).code).toBe(0);
    expect(fs.existsSync(runFolder)).toBe(false);
  });

  it('goes with a sweep when empty, and stays while it holds a running attempt\'s marker', async () => {
    const d = driver();
    const s = store();
    fs.mkdirSync(s.folder, { recursive: true }); // left empty, e.g. by a Shoal that crashed mid-cleanup
    expect(await d.endUnrecorded({ storeId: s.id, killGraceMs: 200, spare: () => true })).toBeNull();
    expect(fs.existsSync(s.folder)).toBe(false);

    const dir = tempDir('shoal-marker-dir-');
    const running = await startUnrecorded(d, { storeId: s.id, runId: 'running', dir, command: 'sleep', args: ['30'] });
    expect(await d.endUnrecorded({ storeId: s.id, killGraceMs: 200, spare: () => true })).toBeNull();
    expect(fs.readdirSync(s.folder)).toEqual([markerFile(sshd.shoalRoot, s.id, { runId: 'running', taskId: 't', attempt: 1 }).split('/').pop()]);
    // A reap of that group (a cut-off agent ended once its host answers) takes its marker and the folder.
    expect(await d.reap(running.ref)).toBe('ended');
    expect(fs.existsSync(s.folder)).toBe(false);
  });

  it('goes when the driver closes, if a failed start left it empty; one holding a marker stays', async () => {
    const d = driver();
    const [empty, held] = [store(), store()];
    const dir = tempDir('shoal-marker-close-');
    for (const s of [empty, held]) expect((await (await startUnrecorded(d, { storeId: s.id, runId: 'r', dir: `${dir}/${s.id}`, command: 'true', args: [] })).finished).code).toBe(0);
    // As a start that failed after its workdir step (before its launcher wrote a marker) leaves it.
    fs.mkdirSync(empty.folder, { recursive: true });
    fs.mkdirSync(held.folder, { recursive: true });
    fs.writeFileSync(`${held.folder}/other.t.1.pgid`, '4242 other.t.1\n'); // another Shoal's attempt on that store
    await d.close();
    expect(fs.existsSync(empty.folder)).toBe(false);
    expect(fs.readdirSync(held.folder)).toEqual(['other.t.1.pgid']);
  });

  it('does not fail a start when the folder is removed under it: the launcher makes it again', async () => {
    const d = driver();
    const s = store();
    fs.mkdirSync(s.folder, { recursive: true });
    // Another process removing the folder whenever it is empty, every 10 ms (hundreds of times a
    // second; Shoal's own removers are single `rmdir` commands at an attempt's end): each start's
    // folder is made by its workdir step and gone again, many times over, before its launcher writes.
    // A remover that never pauses is left out: under load on two cores it won 100 rounds in a row,
    // keeping the folder in existence for microseconds only, which no create-then-write can beat.
    const remover = spawn('sh', ['-c', `while :; do rmdir ${s.folder} 2>/dev/null; sleep 0.01; done`], { stdio: 'ignore' });
    onTestFinished(() => {
      if (remover.exitCode === null) process.kill(remover.pid!, 'SIGKILL');
    });
    const dir = tempDir('shoal-marker-race-');
    // One after another, so that the folder is empty at each start (no other marker keeps it).
    const outcomes: string[] = [];
    for (let n = 0; n < 8; n++) {
      try {
        const r = await startUnrecorded(d, { storeId: s.id, runId: `race-${n}`, dir: `${dir}/${n}`, command: 'true', args: [] });
        // The pgid is reported only once the marker is written: the start got there.
        outcomes.push(`exit ${(await r.finished).code}`);
      } catch (e) {
        outcomes.push((e as Error).message);
      }
    }
    expect(outcomes).toEqual(Array(8).fill('exit 0'));
    process.kill(remover.pid!, 'SIGKILL');
    expect(fs.existsSync(s.folder)).toBe(false);
  });
});
