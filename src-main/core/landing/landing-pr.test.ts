// `land --pr` with the real GitHub CLI (gh, from Debian's package): logged out, it refuses before
// anything is pushed, naming the host and the cause; logged in, it pushes each result branch and
// opens a pull request whose body is the task's evidence. GitHub itself is a loopback fake
// (test-support/fake-github.ts) that gh reaches as its development host `github.localhost`; the
// remote's pushes go to a local bare repository through git's pushInsteadOf.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github';
import { git, remoteHas, repoWithRemote } from '../test-support/git-repo';
import { launch, tempDir } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { LandInputError, LandingService } from './merge-queue';
import { remoteHost, remoteRepo } from './preflight';

const core = useCores();
let github: FakeGitHub;
beforeAll(async () => {
  github = await startFakeGitHub();
});
afterAll(async () => {
  await github.close();
});

/** This machine's environment without any GitHub login it may carry. */
function envWithoutGh(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['GH_TOKEN', 'GITHUB_TOKEN', 'GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN', 'GH_HOST', 'GH_CONFIG_DIR']) delete env[k];
  return env;
}

async function finishedRunOnGitHubRemote(id: string) {
  const { repo, remote } = repoWithRemote();
  git(repo, 'remote', 'set-url', 'origin', github.remoteUrl);
  git(repo, 'config', `url.${remote}.pushInsteadOf`, github.remoteUrl);
  const c = core({ maxWorkers: 1 });
  const runId = launch(c, { id, name: 'pr', task_specs: [{ id: 'x', name: 'Add x', instructions: 'echo x > x.txt' }] }, repo);
  expect(await c.engine.waitForRun(runId)).toBe('completed');
  return { c, runId, repo, remote, branch: `shoal/${runId}/x` };
}

describe('shoal land --pr with the real gh', () => {
  it('gh installed but not logged in: refused, naming the host and why; nothing pushed or recorded', async () => {
    const { c, runId, repo, remote, branch } = await finishedRunOnGitHubRemote('land-pr-nologin');
    const refsBefore = git(remote, 'for-each-ref');
    const mainBefore = git(repo, 'rev-parse', 'main');
    const loggedOut = new LandingService({ store: c.store, dataDir: c.dataDir, env: { ...envWithoutGh(), ...github.env(tempDir(), false) } });
    const err = await loggedOut.land({ runId, pr: true }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(LandInputError);
    expect((err as LandInputError).field).toBe('pr');
    expect((err as Error).message).toContain('--pr needs gh to be logged in to github.localhost');
    expect((err as Error).message).toContain('You are not logged into any GitHub hosts');
    expect((err as Error).message).toContain('gh auth login --hostname github.localhost');
    expect(remoteHas(remote, `refs/heads/${branch}`)).toBe(false);
    expect(git(remote, 'for-each-ref')).toBe(refsBefore);
    expect(git(repo, 'rev-parse', 'main')).toBe(mainBefore);
    expect(loggedOut.latest(runId)).toBeNull();
    expect(github.created).toEqual([]);
  });

  it('a remote that is not on GitHub is refused by name before gh is asked to log in', async () => {
    const { repo } = repoWithRemote();
    expect(remoteHost(git(repo, 'remote', 'get-url', 'origin'))).toBeNull();
    expect(remoteHost('git@github.com:acme/widgets.git')).toBe('github.com');
    expect(remoteHost('ssh://git@ghe.example.com:2222/acme/widgets.git')).toBe('ghe.example.com');
    expect(remoteHost(github.remoteUrl)).toBe('github.localhost');
    expect(remoteRepo(github.remoteUrl)).toBe('github.localhost/acme/widgets');
    expect(remoteRepo('git@github.com:acme/widgets.git')).toBe('github.com/acme/widgets');
    expect(remoteRepo('ssh://git@ghe.example.com:2222/acme/widgets.git')).toBe('ghe.example.com/acme/widgets');
    expect(remoteRepo('https://github.com/acme/widgets/')).toBe('github.com/acme/widgets');
    expect(remoteRepo('https://github.com/acme')).toBeNull();
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { id: 'land-pr-local', name: 'pr', task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const landing = new LandingService({ store: c.store, dataDir: c.dataDir, env: { ...envWithoutGh(), ...github.env(tempDir()) } });
    const err = await landing.land({ runId, pr: true }).then(() => null, (e: unknown) => e as LandInputError);
    expect(err?.field).toBe('remote');
    expect(err?.message).toMatch(/remote "origin" is .*remote\.git, not a GitHub URL/);
  });

  it('logged in: pushes the result branch and opens a pull request with the evidence as its body', async () => {
    const { c, runId, repo, remote, branch } = await finishedRunOnGitHubRemote('land-pr-open');
    const mainBefore = git(repo, 'rev-parse', 'main');
    const landing = new LandingService({ store: c.store, dataDir: c.dataDir, env: { ...envWithoutGh(), ...github.env(tempDir()) } });
    const report = await landing.land({ runId, pr: true });
    expect(report.error).toBeNull();
    expect(report.mode).toBe('branches');
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['x', 'kept']]);
    expect(report.items[0]!.reason).toBe(`left as branch ${branch}; pull request https://github.localhost/acme/widgets/pull/1`);
    // The branch went to the remote; the target branch did not move (the pull request merges it).
    expect(git(remote, 'rev-parse', `refs/heads/${branch}`)).toBe(git(repo, 'rev-parse', branch));
    expect(git(repo, 'rev-parse', 'main')).toBe(mainBefore);
    expect(github.created).toHaveLength(1);
    const pr = github.created[0]!;
    expect(pr).toMatchObject({ repositoryId: 'R_widgets', baseRefName: 'main', headRefName: branch, title: `x (${runId})` });
    expect(pr.body).toContain('Add x');
    expect(pr.body).toContain('x.txt');
    expect(fs.existsSync(repo)).toBe(true);

    // Landed with --pr again: the pull request already open is the branch's, recorded, not an error.
    const again = await landing.land({ runId, pr: true });
    expect(again.landing_id).not.toBe(report.landing_id);
    expect(again.error).toBeNull();
    expect(again.items[0]!.reason).toBe(report.items[0]!.reason);
    expect(github.created).toHaveLength(1);
  });

  it('a GitHub that stops answering: gh is stopped after its deadline and the landing ends, saying so', async () => {
    const { c, runId, branch } = await finishedRunOnGitHubRemote('land-pr-stall');
    const landing = new LandingService({ store: c.store, dataDir: c.dataDir, env: { ...envWithoutGh(), ...github.env(tempDir()) }, ghTimeoutMs: 6000 });
    github.stall = true;
    try {
      const report = await landing.land({ runId, pr: true });
      expect(report.status).toBe('done');
      expect(report.error).toBe('x: gh pr create did not answer within 6 s (GitHub or a proxy on the way is not responding) and was stopped');
      expect(report.items.map((i) => [i.state, i.reason])).toEqual([['kept', `left as branch ${branch}`]]);
    } finally {
      github.stall = false;
    }
    // Nothing is left holding the run: landing it again opens the pull request.
    const again = await landing.land({ runId, pr: true });
    expect(again.error).toBeNull();
    expect(again.items[0]!.reason).toMatch(/; pull request https:\/\/github\.localhost\/acme\/widgets\/pull\/\d+$/);
  });

  it('opens the pull request on the repository of the remote asked for, not on the first GitHub remote', async () => {
    const { dir, repo, remote } = repoWithRemote();
    // The remote asked for, "widgets", is the repository the fake GitHub has; origin (which gh
    // itself would prefer) is another one it does not have.
    const fork = `https://github.localhost/someone/fork.git`;
    git(dir, 'clone', '-q', '--bare', remote, 'fork.git');
    git(repo, 'remote', 'set-url', 'origin', fork);
    git(repo, 'config', `url.${dir}/fork.git.pushInsteadOf`, fork);
    git(repo, 'remote', 'add', 'widgets', github.remoteUrl);
    git(repo, 'config', `url.${remote}.pushInsteadOf`, github.remoteUrl);
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { id: 'land-pr-remote', name: 'pr', task_specs: [{ id: 'x', name: 'Add x', instructions: 'echo x > x.txt' }] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const landing = new LandingService({ store: c.store, dataDir: c.dataDir, env: { ...envWithoutGh(), ...github.env(tempDir()) } });
    const before = github.created.length;
    const report = await landing.land({ runId, pr: true, remote: 'widgets' });
    expect(report.error).toBeNull();
    expect(github.created).toHaveLength(before + 1);
    expect(github.created.at(-1)!.headRefName).toBe(`shoal/${runId}/x`);
    expect(report.items[0]!.reason).toBe(`left as branch shoal/${runId}/x; pull request ${github.created.at(-1)!.url}`);
    expect(git(remote, 'rev-parse', `refs/heads/shoal/${runId}/x`)).toBe(git(repo, 'rev-parse', `shoal/${runId}/x`));
    expect(remoteHas(`${dir}/fork.git`, `refs/heads/shoal/${runId}/x`)).toBe(false);
  });

  it('resumed after being killed while opening pull requests: asks again only for the unrecorded one, and records the one gh had opened', async () => {
    const { repo, remote } = repoWithRemote();
    git(repo, 'remote', 'set-url', 'origin', github.remoteUrl);
    git(repo, 'config', `url.${remote}.pushInsteadOf`, github.remoteUrl);
    const c = core({ maxWorkers: 2 });
    const runId = launch(c, {
      id: 'land-pr-resume', name: 'pr',
      task_specs: [
        { id: 'x', name: 'Add x', instructions: 'echo x > x.txt', metadata: { priority: 2 } },
        { id: 'y', name: 'Add y', instructions: 'echo y > y.txt', metadata: { priority: 1 } },
      ],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const landing = new LandingService({ store: c.store, dataDir: c.dataDir, env: { ...envWithoutGh(), ...github.env(tempDir()) } });
    const first = await landing.land({ runId, pr: true });
    const opened = github.created.length;
    expect(first.items.map((i) => i.reason)).toEqual([
      expect.stringMatching(/; pull request https:\/\/github\.localhost\/acme\/widgets\/pull\/\d+$/),
      expect.stringMatching(/; pull request https:\/\/github\.localhost\/acme\/widgets\/pull\/\d+$/),
    ]);
    // The rows as a kill leaves them after gh opened y's pull request and before it was recorded.
    c.store.db.prepare(`UPDATE landings SET status = 'running', owner_pid = NULL WHERE id = ?`).run(first.landing_id);
    c.store.db.prepare(`UPDATE landing_items SET reason = ? WHERE landing_id = ? AND task_id = 'y'`).run(`left as branch shoal/${runId}/y`, first.landing_id);
    // x's pull request is recorded: x is not pushed again. (To see that, x's branch is gone from the
    // remote and the remote refuses it: a push of x would fail the landing.)
    git(remote, 'update-ref', '-d', `refs/heads/shoal/${runId}/x`);
    fs.writeFileSync(`${remote}/hooks/pre-receive`, `#!/bin/sh\nif grep -q 'shoal/${runId}/x$'; then echo "x must not be pushed again" >&2; exit 1; fi\n`, { mode: 0o755 });

    const resumed = await landing.land({ runId, pr: true });
    expect(resumed.resumed).toBe(true);
    expect(resumed.error).toBeNull();
    expect(resumed.items.map((i) => i.reason)).toEqual(first.items.map((i) => i.reason));
    expect(github.created.length).toBe(opened);
  });
});
