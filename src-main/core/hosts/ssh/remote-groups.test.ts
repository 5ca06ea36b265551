// The remote group commands, run by dash (Debian's /bin/sh, a remote user's possible login shell,
// and the strictest of the usual ones) on a real process group whose leader has exited while a
// child of it runs on: the group is still the attempt's when a member carries its workdir, and a
// stranger's group of the same shape is never signalled.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { processesRunning } from '../../test-support/processes';
import { tempDir } from '../../test-support/temp-dir';
import { waitFor } from '../../test-support/wait-for';
import { endGroupsCommand } from './pgid-markers';
import { endLeftoversCommand, killGroup, reapGroupCommand } from './remote-groups';

const SHELL = fs.existsSync('/bin/dash') ? '/bin/dash' : '/bin/sh';

/** A group led by a shell that exits at once, leaving `sleep` running in it; resolves its pgid once
 *  the leader is gone. */
async function orphanedGroup(workdir: string, marker: string): Promise<number> {
  const leader = spawn('sh', ['-c', `${marker} >/dev/null 2>&1 & exit 0`], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, SHOAL_WORKDIR: workdir } });
  const pgid = leader.pid!;
  onTestFinished(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone: what the test wanted
    }
  });
  await new Promise((r) => leader.once('exit', r));
  await waitFor('the child running on without its leader', () => processesRunning(marker).length === 1, 10_000);
  expect(fs.existsSync(`/proc/${pgid}`)).toBe(false);
  return pgid;
}

function sh(script: string): string {
  return execFileSync(SHELL, ['-c', script], { encoding: 'utf8' });
}

describe(`remote group commands (${path.basename(SHELL)})`, () => {
  const tag = process.pid % 1000;

  it('a reap ends a group whose leader exited when a member carries the attempt\'s workdir, and removes the workdir', async () => {
    const workdir = path.join(tempDir('shoal-group-'), 'w');
    fs.mkdirSync(workdir);
    const marker = `sleep 48.${tag}`;
    const pgid = await orphanedGroup(workdir, marker);
    expect(sh(reapGroupCommand(pgid, workdir))).toBe('ended\n');
    await waitFor('the child ended', () => processesRunning(marker).length === 0, 5_000);
    expect(fs.existsSync(workdir)).toBe(false);
  });

  it('a group whose members carry another workdir is a stranger\'s: neither a reap nor the leftovers\' end signals it', async () => {
    const dir = tempDir('shoal-group-');
    const marker = `sleep 49.${tag}`;
    const pgid = await orphanedGroup(path.join(dir, 'someone-else'), marker);
    expect(sh(reapGroupCommand(pgid, path.join(dir, 'ours')))).toBe('');
    sh(endLeftoversCommand(pgid, path.join(dir, 'ours')));
    await new Promise((r) => setTimeout(r, 200));
    expect(processesRunning(marker)).toHaveLength(1);
    // The form the group's own signals take works in this shell too.
    sh(killGroup(pgid, 'KILL'));
    await waitFor('the child ended', () => processesRunning(marker).length === 0, 5_000);
  });

  it('the sweep of unrecorded groups ends one whose leader exited, TERM first, and leaves a stranger\'s', async () => {
    const dir = tempDir('shoal-group-');
    const [ours, theirs] = [`sleep 51.${tag}`, `sleep 52.${tag}`];
    const own = await orphanedGroup(path.join(dir, 'ours'), ours);
    const stranger = await orphanedGroup(path.join(dir, 'someone-else'), theirs);
    const marker = path.join(dir, 'm.pgid');
    fs.writeFileSync(marker, `${own} k\n`);
    const out = sh(endGroupsCommand([{ pgid: own, marker, workdir: path.join(dir, 'ours') }, { pgid: stranger, marker, workdir: path.join(dir, 'stranger-was-never-this') }], 300));
    expect(out).toBe(`ended ${own}\n`);
    await waitFor('our group ended', () => processesRunning(ours).length === 0, 5_000);
    expect(processesRunning(theirs)).toHaveLength(1);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('the end of the leftovers ends the agent\'s own group', async () => {
    const workdir = path.join(tempDir('shoal-group-'), 'w');
    const marker = `sleep 50.${tag}`;
    const pgid = await orphanedGroup(workdir, marker);
    sh(endLeftoversCommand(pgid, workdir));
    await waitFor('the child ended', () => processesRunning(marker).length === 0, 5_000);
  });
});
