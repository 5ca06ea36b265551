// The evidence of one task: what ran, every attempt, the scorer's verdict, tests, files
// touched, approvals granted, best-of-N candidates considered and how it landed. Gathered from the
// store (one source of truth) and exported as Markdown by `shoal receipt TASK --markdown` and as the
// body of a pull request.
import { AgentUsageSchema, type AgentUsage } from '../../../src-shared/contract/fleet-views';
import type { Store } from '../store/open';
import { rankGroup, type CandidateRanking } from './candidates';
import { receiptDiffStat, type DiffStat } from './diff-stat';
import { receiptTestCounts, type TestCounts } from './test-counts';

export interface Evidence {
  runId: string; runName: string; taskId: string; name: string; state: string; instructions: string; agent: string; scorer: string;
  attempts: Array<{ attempt: number; worker: string; state: string; result: string | null; exitCode: number | null; startedAt: string; endedAt: string | null; reason: string | null }>;
  verdict: { result: string; score: string | null; notes: string | null } | null;
  /** What the agent reported spending on the receipt's attempt. */
  usage: AgentUsage | null;
  tests: TestCounts | null;
  diff: DiffStat;
  approvals: Array<{ command: string; status: string; decision: string | null; by: string | null }>;
  candidates: CandidateRanking | null;
  landing: { into: string; state: string; commit: string | null; reason: string | null } | null;
}

export function gatherEvidence(store: Store, runId: string, taskId: string): Evidence | null {
  const db = store.db;
  const task = db.prepare<[string, string], { name: string; state: string; spec: string; run_name: string }>(
    `SELECT t.name, t.state, t.spec, r.name AS run_name FROM tasks t JOIN runs r ON r.id = t.run_id WHERE t.run_id = ? AND t.task_id = ?`).get(runId, taskId);
  if (!task) return null;
  const spec = JSON.parse(task.spec) as { instructions?: string; scorer?: { kind?: string } | null; metadata?: Record<string, unknown> };
  const attempts = db.prepare<[string, string], { attempt: number; worker_id: string; state: string; result: string | null; exit_code: number | null; started_at: string; ended_at: string | null; reason: string | null }>(
    `SELECT attempt, worker_id, state, result, exit_code, started_at, ended_at, reason FROM attempts WHERE run_id = ? AND task_id = ? ORDER BY attempt`).all(runId, taskId);
  const receipt = db.prepare<[string, string], { body: string }>(`SELECT body FROM receipts WHERE run_id = ? AND task_id = ? ORDER BY attempt DESC LIMIT 1`).get(runId, taskId);
  const body = receipt ? (JSON.parse(receipt.body) as { result: string; score: { value: number; max?: number; notes?: string } | null; artifacts: Array<Record<string, unknown>>; usage?: unknown }) : null;
  const approvals = db.prepare<[string, string], { request: string; status: string; decision: string | null; decided_by: string | null }>(
    `SELECT request, status, decision, decided_by FROM approvals WHERE run_id = ? AND task_id = ? ORDER BY created_at`).all(runId, taskId);
  const landing = db.prepare<[string, string], { into_branch: string; state: string; commit: string | null; reason: string | null }>(
    `SELECT l.into_branch, i.state, i."commit", i.reason FROM landing_items i JOIN landings l ON l.id = i.landing_id
     WHERE l.run_id = ? AND i.task_id = ?
     -- How it landed: a later landing that found it already there ("empty") does not hide the one that landed it.
     ORDER BY CASE i.state WHEN 'landed' THEN 0 WHEN 'empty' THEN 2 ELSE 1 END, l.created_at DESC, l.rowid DESC LIMIT 1`).get(runId, taskId);
  const group = typeof spec.metadata?.candidate_of === 'string' ? spec.metadata.candidate_of : null;
  const agent = spec.metadata?.agent;
  return {
    runId, runName: task.run_name, taskId, name: task.name, state: task.state, instructions: spec.instructions ?? '',
    agent: typeof agent === 'string' ? agent : agent ? JSON.stringify(agent) : 'shell', scorer: spec.scorer?.kind ?? 'exit_code',
    attempts: attempts.map((a) => ({ attempt: a.attempt, worker: a.worker_id, state: a.state, result: a.result, exitCode: a.exit_code, startedAt: a.started_at, endedAt: a.ended_at, reason: a.reason })),
    verdict: body ? { result: body.result, score: body.score ? `${body.score.value}${body.score.max !== undefined ? `/${body.score.max}` : ''}` : null, notes: body.score?.notes ?? null } : null,
    usage: AgentUsageSchema.safeParse(body?.usage).data ?? null,
    tests: body ? receiptTestCounts(body.artifacts) : null,
    diff: body ? receiptDiffStat(body.artifacts) : { files: [], added: 0, removed: 0 },
    approvals: approvals.map((a) => ({ command: String((JSON.parse(a.request) as { command?: unknown }).command ?? ''), status: a.status, decision: a.decision, by: a.decided_by })),
    candidates: group ? rankGroup(store, runId, group) : null,
    landing: landing ? { into: landing.into_branch, state: landing.state, commit: landing.commit, reason: landing.reason } : null,
  };
}

const cell = (v: unknown): string => String(v ?? '—').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderEvidence(e: Evidence): string {
  const out: string[] = [];
  out.push(`# ${e.name} (\`${e.taskId}\`)`, '', `Run **${e.runName}** (\`${e.runId}\`) · state **${e.state}** · agent \`${e.agent}\` · scorer \`${e.scorer}\``, '');
  out.push('## What ran', '', '```', e.instructions.trim(), '```', '');
  out.push('## Verdict', '');
  out.push(e.verdict ? `**${e.verdict.result}**${e.verdict.score ? ` · score ${e.verdict.score}` : ''}${e.verdict.notes ? ` · ${e.verdict.notes}` : ''}` : 'No receipt yet.', '');
  if (e.usage) out.push(`Tokens: ${e.usage.input_tokens} in (${e.usage.cached_input_tokens} cached), ${e.usage.output_tokens} out${e.usage.cost_usd !== null ? ` · cost $${e.usage.cost_usd.toFixed(4)}` : ''}`, '');
  out.push('## Tests', '', e.tests ? `${e.tests.passed} passed, ${e.tests.failed} failed, ${e.tests.skipped} skipped` : 'No test results among the artifacts.', '');
  out.push('## Files touched', '');
  if (e.diff.files.length === 0) out.push('None.');
  else {
    out.push(`${e.diff.files.length} file${e.diff.files.length === 1 ? '' : 's'} changed, +${e.diff.added} −${e.diff.removed}`, '', '| file | + | − |', '| --- | --- | --- |');
    for (const f of e.diff.files) out.push(`| ${cell(f.file)} | ${f.added} | ${f.removed} |`);
  }
  out.push('', '## Attempts', '', '| # | worker | state | result | exit | started | ended | reason |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const a of e.attempts) out.push(`| ${a.attempt} | ${cell(a.worker)} | ${cell(a.state)} | ${cell(a.result)} | ${cell(a.exitCode)} | ${cell(a.startedAt)} | ${cell(a.endedAt)} | ${cell(a.reason)} |`);
  out.push('', '## Approvals', '');
  if (e.approvals.length === 0) out.push('No command needed a person\'s approval.');
  else {
    out.push('| command | status | decision | by |', '| --- | --- | --- | --- |');
    for (const a of e.approvals) out.push(`| \`${cell(a.command)}\` | ${cell(a.status)} | ${cell(a.decision)} | ${cell(a.by)} |`);
  }
  if (e.candidates) {
    out.push('', '## Candidates', '', `Ranked by: passing first, then ${e.candidates.measures.join(', ')}. Winner: ${e.candidates.winner ? `\`${e.candidates.winner}\`${e.candidates.pickedBy ? ` (picked by ${e.candidates.pickedBy})` : ''}` : 'none yet (a tie or nothing passed: a person decides)'}.`, '');
    out.push('| candidate | result | score | tests passed | lines changed | duration s | cost USD |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const c of e.candidates.candidates) out.push(`| \`${c.taskId}\`${c.taskId === e.candidates.winner ? ' **winner**' : ''} | ${cell(c.result)} | ${cell(c.score)} | ${cell(c.testsPassed)} | ${c.linesChanged} | ${cell(c.durationS)} | ${cell(c.costUsd)} |`);
  }
  if (e.landing) out.push('', '## Landing', '', `Into \`${e.landing.into}\`: **${e.landing.state}**${e.landing.commit ? ` as ${e.landing.commit.slice(0, 12)}` : ''}${e.landing.reason ? ` — ${e.landing.reason}` : ''}`);
  return out.join('\n') + '\n';
}

export function evidenceMarkdown(store: Store, runId: string, taskId: string): string {
  const e = gatherEvidence(store, runId, taskId);
  return e ? renderEvidence(e) : `No task ${taskId} in run ${runId}.\n`;
}
