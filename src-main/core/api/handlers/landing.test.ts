// The Land view's methods through core.call (input validation included), on real runs and git:
// conflict warnings before landing (finished and still-running tasks), landing, candidates.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, initRepo } from '../../test-support/git-repo';
import { launch, tempDir } from '../../test-support/temp-core';
import { useCores } from '../../test-support/use-cores';
import { callError, callValue as call } from '../../test-support/core-call';
import { waitFor } from '../../test-support/wait-for';

const core = useCores();

describe('landing methods', () => {
  it('warns about tasks touching the same lines before landing, then lands through the queue', async () => {
    const repo = initRepo({ 'shared.txt': 'one\ntwo\n', 'other.txt': 'x\n' });
    const c = core({ maxWorkers: 3 });
    const runId = launch(c, {
      id: 'api-land', name: 'api',
      task_specs: [
        { id: 'b', name: 'B', instructions: 'printf "B\\ntwo\\n" > shared.txt', metadata: { priority: 3 } },
        { id: 'c', name: 'C', instructions: 'printf "C\\ntwo\\n" > shared.txt', metadata: { priority: 2 } },
        { id: 'd', name: 'D', instructions: 'echo d > other.txt', metadata: { priority: 1 } },
      ],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    type Overview = { defaultInto: string; landable: Array<{ taskId: string }>; warnings: unknown[]; landing: null | { items: Array<{ task_id: string; state: string; files: string[] }> } };
    const before = await call<Overview>(c, 'landing.overview', { runId });
    expect(before.defaultInto).toBe('main');
    expect(before.landable.map((t) => t.taskId)).toEqual(['b', 'c', 'd']);
    expect(before.warnings).toEqual([{ tasks: ['b', 'c'], file: 'shared.txt', overlapping: true, conflicts: true }]);
    expect(before.landing).toBeNull();

    const bad = await callError(c, 'landing.land', { runId, into: 'nope' });
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toContain('into: branch "nope" does not exist');
    expect((await callError(c, 'landing.land', { runId, mode: 'rebase' })).code).toBe('invalid_input');

    const report = await call<{ items: Array<{ task_id: string; state: string; files: string[] }> }>(c, 'landing.land', { runId });
    expect(report.items.map((i) => [i.task_id, i.state, i.files])).toEqual([['b', 'landed', []], ['c', 'conflict', ['shared.txt']], ['d', 'landed', []]]);
    expect((await call<Overview>(c, 'landing.overview', { runId })).landing!.items[1]!.state).toBe('conflict');
    const diff = await call<{ patch: string }>(c, 'landing.compare', { runId, a: 'b', b: 'c' });
    expect(diff.patch).toContain('-B\n+C');
    expect(git(repo, 'show', 'main:shared.txt')).toBe('B\ntwo');
  });

  it('warns while a task is still running, from its worktree as it is now', async () => {
    const repo = initRepo({ 'shared.txt': 'one\n' });
    const marker = path.join(tempDir(), 'go');
    const c = core({ maxWorkers: 2 });
    const runId = launch(c, {
      id: 'api-live', name: 'live',
      task_specs: [
        { id: 'live', name: 'live', instructions: `echo live > shared.txt; while [ ! -f ${marker} ]; do sleep 0.05; done` },
        { id: 'done', name: 'done', instructions: 'echo done > shared.txt' },
      ],
    }, repo);
    // Polls as the view does, until the running task has written its file and the other finished.
    let warnings: unknown[] = [];
    await waitFor('the other task to finish', () => c.runsView.get(runId)?.passed === 1);
    while (warnings.length === 0) {
      warnings = (await call<{ warnings: unknown[] }>(c, 'landing.overview', { runId })).warnings;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(warnings).toEqual([{ tasks: ['live', 'done'], file: 'shared.txt', overlapping: true, conflicts: false }]);
    fs.writeFileSync(marker, '');
    expect(await c.engine.waitForRun(runId)).toBe('completed');
  });

  it('manual-review candidates are reviewed together: picking one passes it and settles the others', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    const c = core({ maxWorkers: 3 });
    // $0 is the candidate's id: each writes its own answer and a different number of passing tests.
    const script = 'n=${0##*.c}; printf \'<testsuite tests="%s" failures="0"></testsuite>\' $n > junit.xml; echo "$0" > answer.txt';
    const runId = launch(c, {
      id: 'api-review-bon', name: 'review best of n',
      task_specs: [{
        id: 'fix', name: 'Fix it', instructions: script, scorer: { kind: 'manual' }, expected_artifacts: ['test_result'], retry_policy: { max_attempts: 1 },
        metadata: { candidates: 3, agent: { command: 'sh -c {instructions} {task_id}' }, artifact_paths: { test_result: 'junit.xml' } },
      }],
    }, repo);
    await waitFor('every candidate waiting for review', () => c.runsView.tasks(runId).every((t) => t.state === 'review'));
    type Group = { group: string; winner: string | null; candidates: Array<{ taskId: string; state: string; result: string | null; testsPassed: number | null; linesChanged: number; filesChanged: number }> };
    // All three side by side for the review, with what each changed and its tests, before any verdict.
    const before = (await call<{ groups: Group[] }>(c, 'landing.overview', { runId })).groups[0]!;
    expect(before.winner).toBeNull();
    expect(before.candidates.map((x) => [x.taskId, x.state, x.result, x.testsPassed, x.filesChanged])).toEqual([
      ['fix.c3', 'review', null, 3, 2], ['fix.c2', 'review', null, 2, 2], ['fix.c1', 'review', null, 1, 2],
    ]);
    expect((await call<{ patch: string }>(c, 'landing.compare', { runId, a: 'fix.c1', b: 'fix.c2' })).patch).toContain('+fix.c2');

    const picked = await call<Group>(c, 'landing.pick', { runId, taskId: 'fix.c2' });
    expect(picked.winner).toBe('fix.c2');
    const states = Object.fromEntries(c.runsView.tasks(runId).map((t) => [t.taskId, t.state]));
    expect(states).toEqual({ 'fix.c1': 'failed', 'fix.c2': 'passed', 'fix.c3': 'failed' });
    const receipts = c.engine.fleet.receipts(runId);
    expect(receipts.find((r) => r.task_id === 'fix.c2')!.result).toBe('pass');
    expect((receipts.find((r) => r.task_id === 'fix.c3')!.score as { notes?: string }).notes).toBe('not picked: fix.c2 was chosen in review by web');
    // Nobody is left waiting for review, and only the reviewed winner lands.
    await waitFor('the run to end', () => c.runsView.get(runId)?.status === 'failed', 10_000);
    expect((await call<{ landable: Array<{ taskId: string }> }>(c, 'landing.overview', { runId })).landable.map((t) => t.taskId)).toEqual(['fix.c2']);
    // A second pick cannot undo the review: the others failed it.
    expect((await callError(c, 'landing.pick', { runId, taskId: 'fix.c3' })).message).toContain('has not passed (it is failed)');
  });
});
