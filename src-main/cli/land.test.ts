// `shoal land` and `shoal receipt` as a user runs them: a real process on a real repository. The
// landing is killed with SIGKILL in the middle of the queue and run again: it resumes, and no task is
// merged twice.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, initRepo } from '../core/test-support/git-repo';
import { tempDir } from '../core/test-support/temp-core';
import { runCli, startCli } from './test-support/cli';
import { waitFor } from '../core/test-support/wait-for';


function runSpec(dir: string): string {
  const spec = path.join(dir, 'spec.json');
  fs.writeFileSync(spec, JSON.stringify({
    id: 'cli-land', name: 'cli land',
    task_specs: ['a', 'b', 'c', 'd'].map((id, i) => ({ id, name: id.toUpperCase(), instructions: `echo ${id} > ${id}.txt`, metadata: { priority: 10 - i } })),
  }));
  return spec;
}

/** The processes of group `pgid` that are not zombies, as "pid command" (Linux /proc). */
function runningInGroup(pgid: number): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') found.push(`${pid} ${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`);
    } catch { /* gone meanwhile */ }
  }
  return found;
}

describe('shoal land', () => {
  it('resumes after being killed mid-queue and merges nothing twice', async () => {
    const dir = tempDir();
    const repo = initRepo({ 'README.md': 'hello\n' });
    const db = path.join(dir, 's.db');
    const ran = await runCli(['run', runSpec(dir), '--db', db, '--workspace', repo, '--json'], { cwd: dir });
    expect(ran.code, ran.stderr).toBe(0);
    // The check kills the landing process (its parent) the first time it sees b merged.
    const marker = path.join(dir, 'killed');
    const check = `if [ -f b.txt ] && [ ! -f ${marker} ]; then touch ${marker}; kill -9 $PPID; sleep 5; fi`;
    const killed = await runCli(['land', 'cli-land', '--db', db, '--check', check], { cwd: dir });
    expect(killed.code).toBeNull(); // SIGKILL
    expect(fs.existsSync(marker)).toBe(true);

    const resumed = await runCli(['land', 'cli-land', '--db', db, '--check', check, '--json'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as { resumed: boolean; status: string; items: Array<{ task_id: string; state: string; commit: string }> };
    expect(report.resumed).toBe(true);
    expect(report.status).toBe('done');
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['a', 'landed'], ['b', 'landed'], ['c', 'landed'], ['d', 'landed']]);
    for (const t of ['a', 'b', 'c', 'd']) {
      expect(git(repo, 'log', '--format=%H', '--grep', `^Shoal-Task: ${t}$`, 'main').split('\n').filter(Boolean), t).toHaveLength(1);
    }
    expect(git(repo, 'rev-parse', 'main')).toBe(report.items[3]!.commit);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);

    // A second land of the same run has nothing left to do.
    const again = await runCli(['land', 'cli-land', '--db', db, '--json'], { cwd: dir });
    expect(JSON.parse(again.stdout).items.map((i: { state: string }) => i.state)).toEqual(['empty', 'empty', 'empty', 'empty']);

    // The evidence of a landed task, as Markdown.
    const receipt = await runCli(['receipt', 'cli-land', 'b', '--markdown', '--db', db], { cwd: dir });
    expect(receipt.code, receipt.stderr).toBe(0);
    expect(receipt.stdout).toContain('# B (`b`)');
    expect(receipt.stdout).toContain('echo b > b.txt');
    expect(receipt.stdout).toContain('**pass** · score 1/1 · exit code 0');
    expect(receipt.stdout).toContain('| b.txt | 1 | 0 |');
    expect(receipt.stdout).toMatch(/\| 1 \| local \| ended \| pass \| 0 \|/);
    expect(receipt.stdout).toContain('No command needed a person\'s approval.');
    expect(receipt.stdout).toMatch(/Into `main`: \*\*(landed|empty)\*\*/);
  });

  it('killed before a task merged, resuming does not take the tip for it when that is the landed task whose id starts the same', async () => {
    const dir = tempDir();
    const repo = initRepo({ 'README.md': 'hello\n' });
    const db = path.join(dir, 's.db');
    const spec = path.join(dir, 'spec.json');
    fs.writeFileSync(spec, JSON.stringify({
      id: 'cli-prefix', name: 'prefix',
      task_specs: [
        { id: 'ab', name: 'AB', instructions: 'echo ab > ab.txt', metadata: { priority: 2 } },
        { id: 'a', name: 'A', instructions: 'echo a > a.txt', metadata: { priority: 1 } },
      ],
    }));
    expect((await runCli(['run', spec, '--db', db, '--workspace', repo], { cwd: dir })).code).toBe(0);
    // git's own hook before a merge commit kills the landing process (git's parent) the first time
    // it merges task a, and stops that merge: "ab" has landed, "a" is marked merging, its merge never made.
    const marker = path.join(dir, 'killed');
    const hook = path.join(repo, '.git', 'hooks', 'pre-merge-commit');
    fs.writeFileSync(hook, `#!/bin/sh
if git diff --cached --name-only | grep -qx a.txt && [ ! -f ${marker} ]; then
  touch ${marker}; kill -9 "$(awk '{print $4}' /proc/$PPID/stat)"; exit 1
fi
exit 0
`, { mode: 0o755 });
    const killed = await runCli(['land', 'cli-prefix', '--db', db], { cwd: dir });
    expect(killed.code).toBeNull(); // SIGKILL
    expect(fs.existsSync(marker)).toBe(true);
    const abCommit = git(repo, 'rev-parse', 'main');

    const resumed = await runCli(['land', 'cli-prefix', '--db', db, '--json'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as { resumed: boolean; items: Array<{ task_id: string; state: string; commit: string }> };
    expect(report.resumed).toBe(true);
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['ab', 'landed'], ['a', 'landed']]);
    expect(report.items[0]!.commit).toBe(abCommit);
    // Task a was merged on resume, by its own commit: not claimed landed by ab's.
    expect(report.items[1]!.commit).not.toBe(abCommit);
    expect(git(repo, 'log', '--format=%H', '--grep', '^Shoal-Task: a$', 'main')).toBe(report.items[1]!.commit);
    expect(git(repo, 'show', 'main:a.txt')).toBe('a');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('Ctrl-C during a check: the check\'s processes are stopped with it, and the landing resumes', async () => {
    const dir = tempDir();
    const repo = initRepo({ 'README.md': 'hello\n' });
    const db = path.join(dir, 's.db');
    expect((await runCli(['run', runSpec(dir), '--db', db, '--workspace', repo], { cwd: dir })).code).toBe(0);
    // The check (its own process group) writes its group's id, then takes long, the first time.
    const pgidFile = path.join(dir, 'check.pgid');
    const check = `if [ ! -f ${pgidFile} ]; then echo $$ > ${pgidFile}.new; mv ${pgidFile}.new ${pgidFile}; sleep 60; fi`;
    const child = startCli(['land', 'cli-land', '--db', db, '--check', check], { cwd: dir });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor('the check to start', () => fs.existsSync(pgidFile));
    const pgid = Number(fs.readFileSync(pgidFile, 'utf8'));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toContain('stopped; run `shoal land cli-land` again to resume');
    // Nothing of the check is left running (a killed process this sandbox's init has not reaped yet
    // is a zombie, not running).
    expect(runningInGroup(pgid)).toEqual([]);
    // Task a was merged and its check cut short: the resume checks it again, and lands the rest.
    const resumed = await runCli(['land', 'cli-land', '--db', db, '--json'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as { resumed: boolean; items: Array<{ task_id: string; state: string }> };
    expect(report.resumed).toBe(true);
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['a', 'landed'], ['b', 'landed'], ['c', 'landed'], ['d', 'landed']]);
    expect(git(repo, 'log', '--format=%H', '--grep', '^Shoal-Task: a$', 'main').split('\n')).toHaveLength(1);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('exits 2 and changes nothing on bad input', async () => {
    const dir = tempDir();
    const repo = initRepo({ 'README.md': 'hello\n' });
    const db = path.join(dir, 's.db');
    expect((await runCli(['run', runSpec(dir), '--db', db, '--workspace', repo], { cwd: dir })).code).toBe(0);
    const tip = git(repo, 'rev-parse', 'main');
    const r = await runCli(['land', 'cli-land', '--db', db, '--into', 'release'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`shoal land: --into: branch "release" does not exist in ${repo}`);
    const pr = await runCli(['land', 'cli-land', '--db', db, '--pr'], { cwd: dir, env: { PATH: '/usr/bin:/bin' } });
    expect(pr.code).toBe(2);
    expect(pr.stderr).toMatch(/no remote "origin"|gh is not installed/);
    expect(git(repo, 'rev-parse', 'main')).toBe(tip);
    expect((await runCli(['receipt', 'cli-land', 'nope', '--markdown', '--db', db], { cwd: dir })).stderr).toContain('no task "nope" in run "cli-land"');
  });
});
