// The merge queue on real git repositories: results land in order in the queue's own worktree, a
// conflict or a failed check takes one out (with its files) and the rest go on, and bad input changes
// nothing.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, initRepo, repoWithRemote } from '../test-support/git-repo';
import { launch, tempDir } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { LandInputError, LandingService } from './merge-queue';
import { gatherEvidence } from './receipt';

const core = useCores();

function fourTasks(runId: string) {
  return {
    id: runId, name: 'four',
    task_specs: [
      { id: 'a', name: 'A', instructions: 'echo a > a.txt', metadata: { priority: 4 } },
      { id: 'b', name: 'B', instructions: 'printf "B\\n" > shared.txt', metadata: { priority: 3 } },
      { id: 'c', name: 'C', instructions: 'printf "C\\n" > shared.txt', metadata: { priority: 2 } },
      { id: 'd', name: 'D', instructions: 'echo d > d.txt', metadata: { priority: 1 } },
    ],
  };
}

const subjects = (repo: string, ref = 'main') => git(repo, 'log', '--first-parent', '--format=%s', ref).split('\n');

describe('shoal land: the merge queue', () => {
  it('lands four results in priority order; the one that conflicts is taken out with its files', async () => {
    const repo = initRepo({ 'README.md': 'hello\n', 'shared.txt': 'base\n' });
    const c = core({ maxWorkers: 4 });
    const runId = launch(c, fourTasks('land-four'), repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const before = git(repo, 'rev-parse', 'main');

    const report = await c.landing.land({ runId });
    expect(report.status).toBe('done');
    expect(report.into).toBe('main');
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['a', 'landed'], ['b', 'landed'], ['c', 'conflict'], ['d', 'landed']]);
    const conflict = report.items.find((i) => i.task_id === 'c')!;
    expect(conflict.files).toEqual(['shared.txt']);
    expect(conflict.reason).toContain('merge conflict in 1 file: shared.txt');
    expect(subjects(repo).slice(0, 4)).toEqual([
      `Land D (d) from ${runId}`, `Land B (b) from ${runId}`, `Land A (a) from ${runId}`, 'init',
    ]);
    expect(report.base_commit).toBe(before);
    expect(report.tip_commit).toBe(git(repo, 'rev-parse', 'main'));
    expect(report.items.find((i) => i.task_id === 'd')!.commit).toBe(report.tip_commit);
    // The user's checkout (on main, clean) followed the branch, and nothing else changed in it.
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(fs.readFileSync(path.join(repo, 'shared.txt'), 'utf8')).toBe('B\n');
    expect(fs.existsSync(path.join(repo, 'a.txt')) && fs.existsSync(path.join(repo, 'd.txt'))).toBe(true);
    // The queue's own worktree is gone again.
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
    // Landing again finds nothing new: every result is already on main.
    const again = await c.landing.land({ runId, tasks: ['a', 'b', 'd'] });
    expect(again.items.map((i) => i.state)).toEqual(['empty', 'empty', 'empty']);
    expect(git(repo, 'rev-parse', 'main')).toBe(report.tip_commit);
    // The evidence still says how each landed: by the first landing's merge, not "empty".
    expect(gatherEvidence(c.store, runId, 'd')!.landing).toEqual({ into: 'main', state: 'landed', commit: report.tip_commit, reason: null });
    expect(gatherEvidence(c.store, runId, 'c')!.landing!.state).toBe('conflict');
  });

  it('takes out a merge that breaks the run-level check, and squashes when asked', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    git(repo, 'checkout', '-q', '-b', 'work');
    const c = core({ maxWorkers: 2 });
    const runId = launch(c, {
      id: 'land-check', name: 'check', labels: { land_check: '! grep -rq BROKEN --include=*.txt .' },
      task_specs: [
        { id: 'good', name: 'good', instructions: 'echo fine > good.txt', metadata: { priority: 2 } },
        { id: 'bad', name: 'bad', instructions: 'echo BROKEN > bad.txt', metadata: { priority: 1 } },
      ],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    git(repo, 'checkout', '-q', 'main');
    const report = await c.landing.land({ runId, into: 'work', mode: 'squash' });
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['good', 'landed'], ['bad', 'check_failed']]);
    const bad = report.items[1]!;
    expect(bad.files).toEqual(['bad.txt']);
    expect(bad.reason).toContain('check `! grep -rq BROKEN --include=*.txt .` exited with code 1');
    // Squash: one ordinary commit per landed task on top of the target.
    expect(git(repo, 'rev-list', '--count', '--merges', 'work')).toBe('0');
    expect(subjects(repo, 'work')[0]).toBe(`Land good (good) from ${runId}`);
    expect(git(repo, 'show', 'work:good.txt')).toBe('fine');
    expect(git(repo, 'ls-tree', '--name-only', 'work').split('\n')).not.toContain('bad.txt');
    // main, the user's checked-out branch, was not the target: it and the checkout are untouched.
    expect(git(repo, 'log', '--format=%s', 'main')).toBe('init');
    expect(fs.existsSync(path.join(repo, 'good.txt'))).toBe(false);
  });

  it('a scorer that reads a file git ignores (a report the agent wrote, never part of the result) keeps its verdict when landing', async () => {
    const repo = initRepo({ 'README.md': 'hello\n', '.gitignore': 'out/\n', 'status.txt': 'a\nb\nc\nd\ne\n' });
    const c = core({ maxWorkers: 3 });
    const runId = launch(c, {
      id: 'land-ignored', name: 'ignored',
      task_specs: [
        {
          id: 'report', name: 'report', instructions: 'echo fix > fix.txt; mkdir -p out; echo \'{"ok": true}\' > out/result.json',
          scorer: { kind: 'json_path', path: 'out/result.json', expression: '$.ok' }, metadata: { priority: 3 },
        },
        { id: 'breaker', name: 'breaker', instructions: 'sed -i 1s/a/BROKEN/ status.txt', metadata: { priority: 2 } },
        // A scored file that is part of the result is still scored again on the combined tree.
        {
          id: 'tracked', name: 'tracked', instructions: 'sed -i 5s/e/done/ status.txt',
          scorer: { kind: 'regex_match', path: 'status.txt', pattern: '^a$' }, metadata: { priority: 1 },
        },
      ],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const report = await c.landing.land({ runId });
    expect(report.items.map((i) => [i.task_id, i.state, i.reason])).toEqual([
      ['report', 'landed', null],
      ['breaker', 'landed', null],
      ['tracked', 'check_failed', 'scorer failed on the combined tree: status.txt does not match /^a$/'],
    ]);
    expect(git(repo, 'show', 'main:fix.txt')).toBe('fix');
  });

  it('a commit made to the branch while a landing works on it is never reset away: the landing stops and says so', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    git(repo, 'branch', 'work');
    const c = core({ maxWorkers: 2 });
    const runId = launch(c, {
      id: 'land-moved', name: 'moved',
      task_specs: [
        { id: 'good', name: 'good', instructions: 'echo fine > good.txt', metadata: { priority: 2 } },
        { id: 'bad', name: 'bad', instructions: 'echo BROKEN > bad.txt', metadata: { priority: 1 } },
      ],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    // While bad's merge is checked, someone commits to work (another tool, another checkout); the check fails.
    const userCommit = `git -C ${repo} update-ref refs/heads/work "$(git -C ${repo} commit-tree -p refs/heads/work -m 'made meanwhile' 'refs/heads/work^{tree}')"`;
    const check = `if grep -rq BROKEN --include=*.txt .; then ${userCommit}; exit 1; fi`;
    const report = await c.landing.land({ runId, into: 'work', check });
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/^work moved while the landing worked on it: it is at [0-9a-f]{12}, not at [0-9a-f]{12} where the landing left it .*reset nothing away; the merge of bad, which failed its check .* is still on work under that commit: `git revert -m 1 [0-9a-f]{12}` there takes it out\.$/);
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['good', 'landed'], ['bad', 'check_failed']]);
    expect(report.items[1]!.reason).toContain('its merge is still on work: the branch moved meanwhile');
    // The commit made meanwhile is still the branch's tip, on top of both merges.
    expect(subjects(repo, 'work').slice(0, 4)).toEqual(['made meanwhile', `Land bad (bad) from ${runId}`, `Land good (good) from ${runId}`, 'init']);
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('leaves results as branches and reports which would conflict', async () => {
    const repo = initRepo({ 'shared.txt': 'base\n' });
    const c = core({ maxWorkers: 4 });
    const runId = launch(c, fourTasks('land-branches'), repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    git(repo, 'merge', '-q', '--no-ff', '-m', 'b first', `shoal/${runId}/b`);
    const tip = git(repo, 'rev-parse', 'main');
    const report = await c.landing.land({ runId, mode: 'branches' });
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['a', 'kept'], ['b', 'kept'], ['c', 'conflict'], ['d', 'kept']]);
    expect(report.items[2]!.files).toEqual(['shared.txt']);
    expect(git(repo, 'rev-parse', 'main')).toBe(tip);
  });

  it('refuses bad input clearly and changes nothing', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { id: 'land-bad', name: 'bad', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const refs = git(repo, 'for-each-ref');
    const expectRefusal = async (opts: Parameters<typeof c.landing.land>[0], field: string, message: string) => {
      const err = await c.landing.land(opts).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(LandInputError);
      expect((err as LandInputError).field).toBe(field);
      expect((err as Error).message).toContain(message);
    };
    await expectRefusal({ runId, into: 'nope' }, 'into', 'branch "nope" does not exist in');
    await expectRefusal({ runId: 'run-missing' }, 'runId', 'no run "run-missing"');
    await expectRefusal({ runId, tasks: ['zzz'] }, 'tasks[0]', 'no task "zzz" in this run');
    await expectRefusal({ runId, tasks: ['x', 'x'] }, 'tasks[1]', 'task "x" is listed twice');
    fs.writeFileSync(path.join(repo, 'README.md'), 'edited, not committed\n');
    await expectRefusal({ runId }, 'into', 'has "main" checked out with uncommitted changes (README.md)');
    git(repo, 'checkout', '--', 'README.md');
    // --pr without a remote, or without gh, says so instead of half-doing anything.
    await expectRefusal({ runId, pr: true, remote: 'origin' }, 'remote', 'no remote "origin"');
    const { repo: withRemote } = repoWithRemote();
    const c2 = core({ maxWorkers: 1 });
    const run2 = launch(c2, { id: 'land-pr', name: 'pr', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, withRemote);
    expect(await c2.engine.waitForRun(run2)).toBe('completed');
    // gh is looked up on the landing's PATH: an empty folder makes its absence certain on any machine.
    const withoutGh = new LandingService({ store: c2.store, dataDir: c2.dataDir, env: { ...process.env, PATH: tempDir() } });
    const noGh = await withoutGh.land({ runId: run2, pr: true }).then(() => null, (e: unknown) => e as LandInputError);
    expect(noGh?.field).toBe('pr');
    expect(noGh?.message).toContain('gh is not installed (not on PATH)');
    expect(c2.landing.latest(run2)).toBeNull();
    // A run still running cannot land.
    const running = launch(c, { id: 'land-running', name: 'r', task_specs: [{ id: 's', name: 's', instructions: 'sleep 30' }] }, repo);
    await expectRefusal({ runId: running }, 'runId', 'land it once it has finished');
    c.engine.cancelRun(running);
    expect(git(repo, 'for-each-ref').split('\n').filter((l) => !l.includes('land-running'))).toEqual(refs.split('\n'));
    expect(c.landing.latest(runId)).toBeNull();
  });

  it('pushes the landed branch to the remote with --push', async () => {
    const { repo, remote } = repoWithRemote();
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { id: 'land-push', name: 'push', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const report = await c.landing.land({ runId, push: true });
    expect(report.items[0]!.state).toBe('landed');
    expect(report.error).toBeNull();
    expect(git(remote, 'rev-parse', 'main')).toBe(report.tip_commit);
  });

  it('two lands of one run at once (a second click, the CLI beside the app): one lands, the other is refused', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    const c = core({ maxWorkers: 2 });
    const runId = launch(c, fourTasks('land-twice'), repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    // A second service on the same store stands for another process (the CLI while the app lands).
    const other = new LandingService({ store: c.store, dataDir: c.dataDir });
    const outcomes = await Promise.allSettled([c.landing.land({ runId }), other.land({ runId }), c.landing.land({ runId })]);
    const landed = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(landed).toHaveLength(1);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(LandInputError);
      expect((r.reason as Error).message).toContain(`run "${runId}" is being landed right now`);
    }
    expect(c.landing.landStore.ofRun(runId)).toHaveLength(1);
    for (const t of ['a', 'b', 'd']) {
      expect(git(repo, 'log', '--format=%H', '--grep', `^Shoal-Task: ${t}$`, 'main').split('\n').filter(Boolean), t).toHaveLength(1);
    }
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('an untracked file in the checkout\'s way: the results stay landed, the checkout is left as it was, and the error says what to do', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { id: 'land-untracked', name: 'untracked', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const before = git(repo, 'rev-parse', 'main');
    fs.writeFileSync(path.join(repo, 'x.txt'), 'mine, not committed\n');
    const report = await c.landing.land({ runId });
    expect(report.status).toBe('done');
    expect(report.items.map((i) => i.state)).toEqual(['landed']);
    expect(report.error).toContain(`landed on main, but the checkout at ${repo} was left at the old tip ${before.slice(0, 12)}`);
    expect(report.error).toContain('x.txt');
    expect(report.error).toContain('save or move the files it names, then run `git reset --hard` there');
    expect(git(repo, 'show', 'main:x.txt')).toBe('x');
    // The user's file is untouched, and the checkout's index is still the old tip's.
    expect(fs.readFileSync(path.join(repo, 'x.txt'), 'utf8')).toBe('mine, not committed\n');
    expect(git(repo, 'ls-files')).toBe('README.md');
  });

  it('resuming after the repository was moved away fails naming the missing folder, and lands once it is back', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { id: 'land-moved', name: 'moved', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const written = await c.landing.prepare({ runId }); // then the process dies
    fs.renameSync(repo, `${repo}-away`);
    const failed = await c.landing.land({ runId });
    expect(failed.landing_id).toBe(written.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain(`the folder ${repo} does not exist`);
    expect(failed.error).not.toContain('ENOENT');
    fs.renameSync(`${repo}-away`, repo);
    const landed = await c.landing.land({ runId });
    expect(landed.status).toBe('done');
    expect(landed.items.map((i) => i.state)).toEqual(['landed']);
    expect(git(repo, 'show', 'main:x.txt')).toBe('x');
  });

  it('a remote that stops answering: the push is stopped at its deadline with its helpers, the results stay landed, and it says so', async () => {
    // Takes connections and never answers (a hung git server or proxy).
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.resume(); // reads the request (and so sees the end of the connection), never answers
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const repo = initRepo({ 'README.md': 'hello\n' });
      git(repo, 'remote', 'add', 'stalled', `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/repo.git`);
      const c = core({ maxWorkers: 1 });
      const runId = launch(c, { id: 'land-stalled', name: 'stalled', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
      expect(await c.engine.waitForRun(runId)).toBe('completed');
      const landing = new LandingService({ store: c.store, dataDir: c.dataDir, pushTimeoutMs: 3000 });
      const report = await landing.land({ runId, push: true, remote: 'stalled' });
      expect(report.status).toBe('done');
      expect(report.items.map((i) => i.state)).toEqual(['landed']);
      expect(report.error).toBe('landed on main here, but not on stalled: push to stalled did not finish within 3 s (the remote is not responding) and was stopped');
      expect(git(repo, 'show', 'main:x.txt')).toBe('x');
      // git's http helper, which held the connection, was stopped with it.
      await waitFor('the push\'s connection to close', () => sockets.size === 0, 5000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a push the remote refuses: the results stay landed here, and the error says so, with git\'s reason and not its hints', async () => {
    const { repo, remote } = repoWithRemote({ 'README.md': 'hello\n' });
    // The remote's own rule refuses every push (a protected branch, a policy hook).
    fs.writeFileSync(path.join(remote, 'hooks', 'pre-receive'), '#!/bin/sh\necho "main is protected: open a pull request" >&2\nexit 1\n', { mode: 0o755 });
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { id: 'land-refused', name: 'refused', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const report = await c.landing.land({ runId, push: true });
    expect(report.status).toBe('done');
    expect(report.items.map((i) => i.state)).toEqual(['landed']);
    expect(report.error).toMatch(/^landed on main here, but not on origin: push failed: remote: main is protected: open a pull request; .*\[remote rejected\] main -> main \(pre-receive hook declined\); error: failed to push some refs to /);
    expect(report.error).not.toContain('hint:');
    expect(git(repo, 'show', 'main:x.txt')).toBe('x');
    expect(git(remote, 'rev-parse', 'main')).not.toBe(git(repo, 'rev-parse', 'main'));
  });

  it('resuming where a kill left the queue\'s folder half made never runs git in a repository around it', async () => {
    // Shoal's data folder inside a repository of its own (a home folder kept in git), with an edit.
    const home = initRepo({ 'notes.txt': 'v1\n' });
    fs.writeFileSync(path.join(home, 'notes.txt'), 'v2, not committed\n');
    const repo = initRepo({ 'README.md': 'hello\n' });
    const c = core({ maxWorkers: 1 }, { dir: path.join(home, '.shoal') });
    const runId = launch(c, { id: 'land-half-made', name: 'half', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const written = await c.landing.prepare({ runId });
    // Killed inside `git worktree add`: the folder is made, it is not a worktree yet.
    fs.mkdirSync(path.join(c.dataDir, 'landing', written.id), { recursive: true });
    const report = await c.landing.land({ runId });
    expect(report.resumed).toBe(true);
    expect([report.status, report.error, report.items.map((i) => i.state)]).toEqual(['done', null, ['landed']]);
    expect(git(repo, 'show', 'main:x.txt')).toBe('x');
    expect(fs.readFileSync(path.join(home, 'notes.txt'), 'utf8')).toBe('v2, not committed\n');
    expect(git(home, 'log', '--format=%s')).toBe('init');
  });

  it('Shoal quitting during a check stops the check and leaves the landing to resume', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    const dir = tempDir();
    const c = core({ maxWorkers: 1 }, { dir });
    const runId = launch(c, { id: 'land-quit', name: 'quit', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const started = path.join(tempDir(), 'started');
    const landing = c.landing.land({ runId, check: `if [ ! -f ${started} ]; then touch ${started}; sleep 60; fi` });
    await waitFor('the check to start', () => fs.existsSync(started));
    await c.shutdown(); // the app quits
    const report = await landing;
    expect([report.status, report.interrupted, report.items.map((i) => i.state)]).toEqual(['running', true, ['checking']]);
    // Opened again, the landing resumes: the merge is checked again and stays.
    const again = core({ maxWorkers: 1 }, { dir });
    const resumed = await again.landing.land({ runId });
    expect([resumed.resumed, resumed.status, resumed.items.map((i) => i.state)]).toEqual([true, 'done', ['landed']]);
    expect(git(repo, 'log', '--format=%H', '--grep', '^Shoal-Task: x$', 'main').split('\n')).toHaveLength(1);
  });

  it('a landing interrupted before its push pushes when resumed with --push', async () => {
    const { repo, remote } = repoWithRemote();
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { id: 'land-resume-push', name: 'push', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const remoteBefore = git(remote, 'rev-parse', 'main');
    // The landing is written, and the process dies before the queue starts (the state a crash leaves).
    const written = await c.landing.prepare({ runId, push: true });
    // Pull requests cannot finish a merge landing: refused, and the interrupted landing is left as it was.
    const pr = await c.landing.land({ runId, pr: true }).then(() => null, (e: unknown) => e as LandInputError);
    expect(pr?.field).toBe('pr');
    expect(pr?.message).toContain(`has an interrupted merge landing into main (${written.id}); land again into main with merge commits to finish it first`);
    // Nor does a landing into another branch, or a squash: each says which landing is waiting.
    git(repo, 'branch', 'release');
    const into = await c.landing.land({ runId, into: 'release' }).then(() => null, (e: unknown) => e as LandInputError);
    expect([into?.field, into?.message]).toEqual(['into', expect.stringContaining(`interrupted merge landing into main (${written.id})`)]);
    const squash = await c.landing.land({ runId, mode: 'squash' }).then(() => null, (e: unknown) => e as LandInputError);
    expect(squash?.field).toBe('mode');
    expect(git(repo, 'rev-parse', 'release')).toBe(git(repo, 'rev-parse', 'main'));
    expect(c.landing.latest(runId)).toMatchObject({ status: 'running', interrupted: true, items: [{ state: 'queued' }] });
    // Resumed twice at once: one goes on, the other is refused.
    const [one, two] = await Promise.allSettled([c.landing.land({ runId, push: true }), c.landing.land({ runId, push: true })]);
    const refused = [one, two].filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.map((r) => (r.reason as Error).message)).toEqual([expect.stringContaining(`run "${runId}" is being landed right now (${written.id}`)]);
    const report = [one, two].find((o) => o.status === 'fulfilled')!.value;
    expect(report.resumed).toBe(true);
    expect(report.interrupted).toBe(false);
    expect(report.landing_id).toBe(written.id);
    expect(report.items[0]!.state).toBe('landed');
    expect(report.error).toBeNull();
    expect(git(remote, 'rev-parse', 'main')).not.toBe(remoteBefore);
    expect(git(remote, 'rev-parse', 'main')).toBe(report.tip_commit);
  });
});
