// Cost as a best-of-N measure: a real Claude Code candidate (against the scripted model) reports
// what it cost, a shell candidate reports nothing; ranked by cost, the known cost comes first and the
// unknown one after it. Among known costs the cheaper one wins.
import { describe, expect, it } from 'vitest';
import { agentTask, useAgentCli } from '../test-support/agent-cli';
import { initRepo } from '../test-support/git-repo';
import { launch } from '../test-support/temp-core';
import { compareCandidates, rankGroup, type CandidateView } from './candidates';
import { evidenceMarkdown } from './receipt';

const cli = useAgentCli();

const view = (taskId: string, costUsd: number | null): CandidateView => ({
  taskId, agent: 'x', state: 'passed', result: 'pass', score: '1/1', scoreValue: 1, testsPassed: null, linesChanged: 1, filesChanged: 1, durationS: 1, costUsd,
});

describe('best-of-N ranked by cost', () => {
  it('the cheaper known cost first, an unknown cost after every known one', () => {
    const list = [view('none', null), view('dear', 0.5), view('cheap', 0.01)];
    list.sort((a, b) => compareCandidates(a, b, ['cost']));
    expect(list.map((c) => c.taskId)).toEqual(['cheap', 'dear', 'none']);
  });

  it('reads the cost a real agent reported; a candidate that reported none ranks after it', async () => {
    cli.model.setScript(() => ({ text: 'Nothing needed changing.' }));
    const c = cli.core((m) => ({ ANTHROPIC_BASE_URL: m.origin, ANTHROPIC_API_KEY: 'sk-ant-shoal-test-key' }));
    const task = agentTask({}, 'fix', { instructions: 'true', metadata: { candidates: ['shell', 'claude-code'], rank_by: ['cost'] } });
    const runId = launch(c, { id: 'bon-cost', name: 'best of n by cost', task_specs: [task] }, initRepo());
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const ranking = rankGroup(c.store, runId, 'fix')!;
    expect(ranking.measures).toEqual(['cost']);
    expect(ranking.candidates.map((x) => [x.taskId, x.agent, x.result])).toEqual([['fix.c2', 'claude-code', 'pass'], ['fix.c1', 'shell', 'pass']]);
    expect(ranking.candidates[0]!.costUsd).toBeGreaterThan(0);
    expect(ranking.candidates[1]!.costUsd).toBeNull();
    expect(ranking.winner).toBe('fix.c2');
    expect(evidenceMarkdown(c.store, runId, 'fix.c2')).toMatch(/\| `fix\.c1` \| pass \|.*\| — \|$/m);
  });
});
