// Best-of-N on a real run: three candidates of one task, each its own attempt and branch; one fails
// its scorer, two pass with different test counts. The ranking picks the one with more tests passed,
// a person's pick overrides it, and the land queue takes only the winner.
import { describe, expect, it } from 'vitest';
import { git, initRepo } from '../test-support/git-repo';
import { launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { pickCandidate, PickError, rankGroup } from './candidates';
import { evidenceMarkdown } from './receipt';

const core = useCores();

// $0 is the candidate's task id: c1 fails, c2 passes 3 tests, c3 passes 5 (c4, when asked for, ties c3).
const SCRIPT = 'case "$0" in *.c1) exit 1;; *.c2) n=3;; *) n=5;; esac; printf \'<testsuite tests="%s" failures="0"></testsuite>\' $n > junit.xml; echo "$0" > winner.txt';

function spec(id: string, candidates: number) {
  return {
    id, name: 'best of n',
    task_specs: [{
      id: 'fix', name: 'Fix it', instructions: SCRIPT, expected_artifacts: ['test_result'], retry_policy: { max_attempts: 1 },
      metadata: { candidates, agent: { command: 'sh -c {instructions} {task_id}' }, artifact_paths: { test_result: 'junit.xml' } },
    }],
  };
}

describe('best-of-N', () => {
  it('ranks three candidates by evidence, lands the winner only, and lets a person pick', async () => {
    const repo = initRepo({ 'README.md': 'hello\n' });
    const c = core({ maxWorkers: 3 });
    const runId = launch(c, spec('bon-three', 3), repo);
    expect(await c.engine.waitForRun(runId)).toBe('failed'); // one candidate failed
    const ranking = rankGroup(c.store, runId, 'fix')!;
    expect(ranking.candidates.map((x) => [x.taskId, x.result, x.testsPassed])).toEqual([['fix.c3', 'pass', 5], ['fix.c2', 'pass', 3], ['fix.c1', 'fail', null]]);
    expect(ranking.winner).toBe('fix.c3');
    // Each candidate worked on its own branch.
    for (const k of [1, 2, 3]) expect(git(repo, 'rev-parse', '--verify', `shoal/${runId}/fix.c${k}`)).toMatch(/^[0-9a-f]{40}$/);

    const md = evidenceMarkdown(c.store, runId, 'fix.c3');
    expect(md).toContain('## Candidates');
    expect(md).toContain('Winner: `fix.c3`');
    expect(md).toContain('| `fix.c3` **winner** | pass | 1/1 | 5 |');
    expect(md).toContain('5 passed, 0 failed, 0 skipped');

    const landed = await c.landing.land({ runId });
    expect(landed.items.map((i) => [i.task_id, i.state])).toEqual([['fix.c3', 'landed']]);
    expect(git(repo, 'show', 'main:winner.txt')).toBe('fix.c3');

    expect(() => pickCandidate(c.store, runId, 'fix.c1', 'me')).toThrow(PickError);
    const picked = pickCandidate(c.store, runId, 'fix.c2', 'me');
    expect(picked.winner).toBe('fix.c2');
    expect(picked.pickedBy).toBe('me');
    const kept = await c.landing.land({ runId, mode: 'branches' });
    expect(kept.items.map((i) => i.task_id)).toEqual(['fix.c2']);
  });

  it('leaves a tie at the top to a person', async () => {
    const c = core({ maxWorkers: 2 });
    const s = spec('bon-tie', 4);
    const runId = launch(c, { ...s, task_specs: [{ ...s.task_specs[0]!, metadata: { ...s.task_specs[0]!.metadata, rank_by: ['tests_passed'] } }] }, initRepo());
    await c.engine.waitForRun(runId);
    const ranking = rankGroup(c.store, runId, 'fix')!;
    expect(ranking.tie).toBe(true);
    expect(ranking.winner).toBeNull();
    expect(ranking.candidates.slice(0, 2).map((x) => x.testsPassed)).toEqual([5, 5]);
  });

  it('rejects a bad candidates field by its path', () => {
    const c = core({}, { start: false });
    const bad = c.validateSpec(JSON.stringify({ task_specs: [{ id: 't', name: 't', instructions: 'x', metadata: { candidates: 9, rank_by: ['speed'] } }] }));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues).toEqual([
      'task_specs[0].metadata.candidates: expected a whole number from 1 to 8 or a list of 1–8 agent profiles',
    ]);
    const profiles = c.validateSpec(JSON.stringify({ task_specs: [{ id: 't', name: 't', instructions: 'x', metadata: { candidates: ['shell', 'gpt-pilot'], rank_by: ['speed'] } }] }));
    expect(!profiles.ok && profiles.issues).toEqual([
      'task_specs[0].metadata.rank_by: expected a list of score, tests_passed, diff_size, duration, cost',
      'task_specs[0].metadata.candidates[1]: unknown agent "gpt-pilot"; expected one of shell, claude-code, codex, custom, or {"command": "..."}',
    ]);
    const ok = c.validateSpec(JSON.stringify({ task_specs: [{ id: 't', name: 't', instructions: 'x', metadata: { candidates: ['shell', 'codex'] } }] }));
    expect(ok.ok && ok.spec.run.tasks.map((t) => [t.spec.id, t.agent.kind])).toEqual([['t.c1', 'shell'], ['t.c2', 'codex']]);
  });
});
