// Best-of-N. A task with `metadata.candidates: N` (1–8), or a list of agent profiles
// (`[shell, claude-code, {command: "aider …"}]`), becomes N sibling tasks `<id>.c1` … `<id>.cN` at
// spec load, each its own attempt on its own worktree/branch, placed like any task: the engine needs
// no notion of candidates. Here they are ranked by evidence: passing before failing, then the
// measures the spec names in `metadata.rank_by` (default: score, tests_passed, diff_size); a person's
// pick overrides the ranking, and a tie at the top is left to a person. A measure a candidate has no
// value for (no test artifact, no cost reported) ranks it after every candidate that has one.
import { agentLabel, readAgentSpec } from '../fleet/agents/agent-spec';
import type { LoadedTask } from '../fleet/spec/loaded-task';
import { nowIso } from '../fleet/ids';
import type { Store } from '../store/open';
import { attemptCost } from './attempt-cost';
import { receiptDiffStat } from './diff-stat';
import { receiptTestCounts } from './test-counts';

export const MEASURES = ['score', 'tests_passed', 'diff_size', 'duration', 'cost'] as const;
export type Measure = (typeof MEASURES)[number];
const DEFAULT_MEASURES: Measure[] = ['score', 'tests_passed', 'diff_size'];
const MAX_CANDIDATES = 8;

/** Expands every task that asks for candidates; problems are reported against the task's spec path. */
export function expandCandidates(tasks: LoadedTask[], issues: string[]): LoadedTask[] {
  const ids = new Set(tasks.map((t) => t.spec.id));
  const out: LoadedTask[] = [];
  tasks.forEach((task, i) => {
    const meta = task.spec.metadata as Record<string, unknown>;
    const at = `task_specs[${i}].metadata`;
    const c = meta.candidates;
    if (c === undefined || c === null) return void out.push(task);
    let profiles: unknown[];
    if (typeof c === 'number' && Number.isInteger(c) && c >= 1 && c <= MAX_CANDIDATES) profiles = Array.from({ length: c }, () => meta.agent);
    else if (Array.isArray(c) && c.length >= 1 && c.length <= MAX_CANDIDATES) profiles = c;
    else {
      issues.push(`${at}.candidates: expected a whole number from 1 to ${MAX_CANDIDATES} or a list of 1–${MAX_CANDIDATES} agent profiles`);
      return void out.push(task);
    }
    const rankBy = meta.rank_by;
    if (rankBy !== undefined && (!Array.isArray(rankBy) || rankBy.some((m) => !(MEASURES as readonly unknown[]).includes(m)))) {
      issues.push(`${at}.rank_by: expected a list of ${MEASURES.join(', ')}`);
    }
    profiles.forEach((profile, k) => {
      const id = `${task.spec.id}.c${k + 1}`;
      if (ids.has(id)) issues.push(`${at}.candidates: candidate id "${id}" is already a task id`);
      const { candidates: _n, ...rest } = meta;
      const metadata: Record<string, unknown> = { ...rest, candidate_of: task.spec.id, candidate: k + 1 };
      if (profile === undefined) delete metadata.agent;
      else metadata.agent = profile;
      const agent = readAgentSpec(metadata);
      if (typeof agent === 'string') issues.push(`${at}.candidates[${k}]: ${agent}`);
      out.push({
        ...task, agent: typeof agent === 'string' ? task.agent : agent,
        spec: { ...task.spec, id, name: `${task.spec.name} (candidate ${k + 1})`, metadata: metadata as LoadedTask['spec']['metadata'] },
      });
    });
  });
  return out;
}

export interface CandidateView {
  taskId: string; agent: string; state: string; result: string | null; score: string | null; scoreValue: number | null;
  testsPassed: number | null; linesChanged: number; filesChanged: number; durationS: number | null;
  /** US dollars the agent reported for the attempt; null when unknown. */
  costUsd: number | null;
}
export interface CandidateRanking {
  group: string; measures: Measure[]; candidates: CandidateView[]; winner: string | null; pickedBy: string | null; tie: boolean;
}

interface Row { task_id: string; state: string; spec: string; started_at: string | null; finished_at: string | null; body: string | null; attempt: number }

function measureOf(c: CandidateView, m: Measure): number | null {
  switch (m) {
    case 'score': return c.scoreValue;
    case 'tests_passed': return c.testsPassed;
    case 'diff_size': return c.result === null ? null : c.linesChanged;
    case 'duration': return c.durationS;
    case 'cost': return c.costUsd;
  }
}
/** Higher is better for score and tests; smaller is better for diff size, duration and cost. */
const HIGHER_IS_BETTER: Record<Measure, boolean> = { score: true, tests_passed: true, diff_size: false, duration: false, cost: false };

/** Orders two candidates: passing first, then each measure in turn (unknown after known). */
export function compareCandidates(a: CandidateView, b: CandidateView, measures: Measure[]): number {
  const pa = a.result === 'pass' ? 0 : 1;
  const pb = b.result === 'pass' ? 0 : 1;
  if (pa !== pb) return pa - pb;
  for (const m of measures) {
    const va = measureOf(a, m);
    const vb = measureOf(b, m);
    if (va === vb) continue;
    if (va === null) return 1; // unknown ranks below known
    if (vb === null) return -1;
    return HIGHER_IS_BETTER[m] ? vb - va : va - vb;
  }
  return 0;
}

/** The group's candidates, best first, with its winner (null: nothing passed, or a tie at the top). */
export function rankGroup(store: Store, runId: string, group: string): CandidateRanking | null {
  const rows = store.db.prepare<[string, string, string], Row>(
    `SELECT t.task_id, t.state, t.spec, t.started_at, t.finished_at,
       COALESCE((SELECT body FROM receipts r WHERE r.run_id = ? AND r.task_id = t.task_id ORDER BY attempt DESC LIMIT 1),
         (SELECT a.pending_receipt FROM attempts a WHERE a.run_id = t.run_id AND a.task_id = t.task_id AND a.attempt = t.attempts)) AS body,
       t.attempts AS attempt
     FROM tasks t WHERE t.run_id = ? AND json_extract(t.spec, '$.metadata.candidate_of') = ? ORDER BY t.ordinal`).all(runId, runId, group);
  if (rows.length === 0) return null;
  const firstMeta = (JSON.parse(rows[0]!.spec) as { metadata?: Record<string, unknown> }).metadata ?? {};
  const measures = Array.isArray(firstMeta.rank_by) ? (firstMeta.rank_by as Measure[]) : DEFAULT_MEASURES;
  const candidates = rows.map((r): CandidateView => {
    const spec = JSON.parse(r.spec) as { metadata?: Record<string, unknown> };
    // A candidate waiting for review has no receipt yet: its pending one (no result) gives its changes and tests.
    const body = r.body ? (JSON.parse(r.body) as { result?: string; score: { value: number; max?: number } | null; artifacts: Array<Record<string, unknown>> }) : null;
    const stat = body ? receiptDiffStat(body.artifacts) : { files: [], added: 0, removed: 0 };
    return {
      taskId: r.task_id, agent: agentLabel(spec.metadata ?? {}), state: r.state, result: body?.result ?? null,
      score: body?.score ? `${body.score.value}${body.score.max !== undefined ? `/${body.score.max}` : ''}` : null, scoreValue: body?.score?.value ?? null,
      testsPassed: body ? (receiptTestCounts(body.artifacts)?.passed ?? null) : null, linesChanged: stat.added + stat.removed, filesChanged: stat.files.length,
      durationS: r.started_at && r.finished_at ? Math.round((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 100) / 10 : null,
      costUsd: attemptCost(store, runId, r.task_id, r.attempt, body as Record<string, unknown> | null),
    };
  });
  candidates.sort((a, b) => compareCandidates(a, b, measures));
  const pick = store.db.prepare<[string, string], { task_id: string; picked_by: string }>(`SELECT task_id, picked_by FROM candidate_picks WHERE run_id = ? AND group_id = ?`).get(runId, group);
  const top = candidates[0]!;
  const tie = candidates.length > 1 && top.result === 'pass' && compareCandidates(top, candidates[1]!, measures) === 0;
  let winner: string | null = top.result === 'pass' && !tie ? top.taskId : null;
  if (pick && candidates.some((c) => c.taskId === pick.task_id && c.result === 'pass')) winner = pick.task_id;
  return { group, measures, candidates, winner, pickedBy: pick && winner === pick.task_id ? pick.picked_by : null, tie };
}

/** The groups of a run that have candidates. */
export function candidateGroups(store: Store, runId: string): string[] {
  return store.db.prepare<[string], { g: string }>(
    `SELECT DISTINCT json_extract(spec, '$.metadata.candidate_of') AS g FROM tasks WHERE run_id = ? AND g IS NOT NULL ORDER BY ordinal`).all(runId).map((r) => r.g);
}

/** Every candidate group of the run, ranked (each ranking reads the candidates' patches and logs). */
export function rankGroups(store: Store, runId: string): CandidateRanking[] {
  return candidateGroups(store, runId).map((g) => rankGroup(store, runId, g)).filter((g) => g !== null);
}

/** Group → winning task, for every group that has one; from rankings already made, when given. */
export function winnersOf(store: Store, runId: string, ranked: CandidateRanking[] = rankGroups(store, runId)): Map<string, string> {
  return new Map(ranked.flatMap((g) => (g.winner ? [[g.group, g.winner] as const] : [])));
}

export class PickError extends Error {}

/** How a pick settles candidates still waiting for a person's review (the engine's review verdicts). */
export interface ReviewVerdicts {
  /** Runs `fn` as one transaction: the verdicts and the pick are written together or not at all. */
  tx<T>(fn: () => T): T;
  decide(taskId: string, pass: boolean, notes: string): boolean;
}

/** A person's "Pick this one": only a candidate that passed can win. A manual-review candidate is
 *  picked as the reviewed winner: it passes review, the other candidates waiting for review fail it
 *  ("not picked"), and the pick is recorded, all at once. */
export function pickCandidate(store: Store, runId: string, taskId: string, by: string, review?: ReviewVerdicts): CandidateRanking {
  const row = store.db.prepare<[string, string], { spec: string; state: string }>(`SELECT spec, state FROM tasks WHERE run_id = ? AND task_id = ?`).get(runId, taskId);
  if (!row) throw new PickError(`no task "${taskId}" in run "${runId}"`);
  const group = (JSON.parse(row.spec) as { metadata?: Record<string, unknown> }).metadata?.candidate_of;
  if (typeof group !== 'string') throw new PickError(`task "${taskId}" is not a candidate of a best-of-N task`);
  const record = () => store.db.prepare(`INSERT INTO candidate_picks (run_id, group_id, task_id, picked_by, picked_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (run_id, group_id) DO UPDATE SET task_id = excluded.task_id, picked_by = excluded.picked_by, picked_at = excluded.picked_at`).run(runId, group, taskId, by, nowIso());
  if (row.state === 'review' && review) {
    const waiting = store.db.prepare<[string, string, string], { task_id: string }>(
      `SELECT task_id FROM tasks WHERE run_id = ? AND state = 'review' AND json_extract(spec, '$.metadata.candidate_of') = ? AND task_id != ? ORDER BY ordinal`)
      .all(runId, group, taskId).map((r) => r.task_id);
    review.tx(() => {
      if (!review.decide(taskId, true, `picked in review by ${by} as the winner of ${group}`)) throw new PickError(`candidate "${taskId}" is no longer waiting for review`);
      for (const other of waiting) review.decide(other, false, `not picked: ${taskId} was chosen in review by ${by}`);
      record();
    });
    return rankGroup(store, runId, group)!;
  }
  if (row.state !== 'passed') throw new PickError(`candidate "${taskId}" has not passed (it is ${row.state}); only a passing candidate can be picked`);
  record();
  return rankGroup(store, runId, group)!;
}
