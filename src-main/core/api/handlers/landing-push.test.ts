// The Land view's push and pull-request options through core.call (contract validation included),
// on a real run and a real local bare remote: the same landing service and preflight as `shoal land
// --push / --pr`, so the UI gets the CLI's refusals, worded with the Land form's fields instead of
// the CLI's flags.
import { describe, expect, it } from 'vitest';
import { git, remoteHas, repoWithRemote } from '../../test-support/git-repo';
import { launch } from '../../test-support/temp-core';
import { useCores } from '../../test-support/use-cores';
import { callError, callValue as call } from '../../test-support/core-call';

const core = useCores();

async function finishedRun(id: string) {
  const { repo, remote } = repoWithRemote();
  const c = core({ maxWorkers: 1 });
  const runId = launch(c, { id, name: 'push', task_specs: [{ id: 'x', name: 'Add x', instructions: 'echo x > x.txt' }] }, repo);
  expect(await c.engine.waitForRun(runId)).toBe('completed');
  return { c, runId, repo, remote };
}

type Report = { mode: string; error: string | null; tip_commit: string; items: Array<{ task_id: string; state: string }> };

describe('landing.land push and pull-request options', () => {
  it('push: lands the run and pushes the target branch to the bare remote', async () => {
    const { c, runId, repo, remote } = await finishedRun('api-land-push');
    const before = git(remote, 'rev-parse', 'refs/heads/main');
    const report = await call<Report>(c, 'landing.land', { runId, push: true, remote: 'origin' });
    expect(report.error).toBeNull();
    expect(report.items.map((i) => [i.task_id, i.state])).toEqual([['x', 'landed']]);
    const tip = git(repo, 'rev-parse', 'main');
    expect(tip).not.toBe(before);
    expect(report.tip_commit).toBe(tip);
    expect(git(remote, 'rev-parse', 'refs/heads/main')).toBe(tip);
    expect(git(remote, 'show', 'main:x.txt')).toBe('x');
  });

  it('pr against a local-path remote is refused naming the remote; nothing pushed, landed or recorded', async () => {
    const { c, runId, repo, remote } = await finishedRun('api-land-pr-local');
    const refsBefore = git(remote, 'for-each-ref');
    const mainBefore = git(repo, 'rev-parse', 'main');
    const err = await callError(c, 'landing.land', { runId, pr: true });
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/^remote: "Open pull requests" opens pull requests on GitHub, and remote "origin" is .*remote\.git, not a GitHub URL; push with "Push to remote" instead/);
    expect(err.message).not.toMatch(/--pr|--push/);
    expect(git(remote, 'for-each-ref')).toBe(refsBefore);
    expect(remoteHas(remote, `refs/heads/shoal/${runId}/x`)).toBe(false);
    expect(git(repo, 'rev-parse', 'main')).toBe(mainBefore);
    expect(c.landing.latest(runId)).toBeNull();
  });

  it('a checkout with no branch: the refusal says to fill in Into branch, not --into', async () => {
    const { c, runId, repo } = await finishedRun('api-land-detached');
    git(repo, 'checkout', '-q', '--detach');
    const err = await callError(c, 'landing.land', { runId });
    expect(err.code).toBe('invalid_input');
    expect(err.message).toBe(`into: ${repo} has no branch checked out (detached HEAD); choose the branch to land into in Into branch`);
    expect(c.landing.latest(runId)).toBeNull();
  });

  it('an interrupted squash landing asked to merge: the refusal names How\'s choice, not --squash', async () => {
    const { c, runId } = await finishedRun('api-land-interrupted');
    // Written, then the process died before the queue started (the state a crash leaves).
    const written = await c.landing.prepare({ runId, mode: 'squash' });
    const err = await callError(c, 'landing.land', { runId, mode: 'merge' });
    expect(err.message).toBe(`mode: run "${runId}" has an interrupted squash landing into main (${written.id}); land again into main with How: "Squash" to finish it first — nothing was changed`);
  });

  it('a remote that is not there, or not a remote name, is refused by field before anything changes', async () => {
    const { c, runId, repo, remote } = await finishedRun('api-land-push-bad');
    const mainBefore = git(repo, 'rev-parse', 'main');
    const missing = await callError(c, 'landing.land', { runId, push: true, remote: 'upstream' });
    expect(missing.code).toBe('invalid_input');
    expect(missing.message).toContain('remote: ');
    expect(missing.message).toContain('has no remote "upstream" to push to');
    const option = await callError(c, 'landing.land', { runId, push: true, remote: '--mirror' });
    expect(option.code).toBe('invalid_input');
    expect(option.message).toContain('remote');
    expect(git(repo, 'rev-parse', 'main')).toBe(mainBefore);
    expect(git(remote, 'rev-parse', 'refs/heads/main')).toBe(mainBefore);
    expect(c.landing.latest(runId)).toBeNull();
  });
});
