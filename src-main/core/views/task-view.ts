// Read model for the Task view: the task, its spec in words, and every attempt with its receipt and
// artifacts. The artifacts recorded for an attempt are also the only files artifacts.read may open.
import path from 'node:path';
import { AgentUsageSchema, type AgentUsage, type ArtifactRef, type AttemptDetail, type TaskDetail } from '../../../src-shared/contract';
import type { FleetScorerSpec } from '../../../src-shared/protocol/fleet';
import { describeScorer } from '../api/spec-preview';
import { agentLabel } from '../fleet/agents/agent-spec';
import { ArtifactRecords, type ArtifactRecord } from '../fleet/artifact-records';
import type { Store } from '../store/open';
import { whereOfHost } from '../hosts/worker-registry';
import { TASK_ROW_COLUMNS, taskRowFromRecord } from './runs-view';
import { isIn, LIVE_ATTEMPT_STATES } from '../../../src-shared/protocol/event-states';

interface AttemptRecord {
  attempt: number; worker_id: string; state: string; started_at: string; ended_at: string | null; exit_code: number | null;
  result: string | null; reason: string | null;
}


export class TaskView {
  private readonly taskStmt;
  private readonly runStmt;
  private readonly attemptsStmt;
  private readonly receiptsStmt;
  private readonly artifacts: ArtifactRecords;
  private readonly attemptStmt;
  private readonly workerStmt;

  constructor(store: Store) {
    const db = store.db;
    this.taskStmt = db.prepare<[string, string], Record<string, unknown>>(`SELECT ${TASK_ROW_COLUMNS}, spec FROM tasks WHERE run_id = ? AND task_id = ?`);
    this.runStmt = db.prepare<[string], { name: string; status: string }>('SELECT name, status FROM runs WHERE id = ?');
    this.attemptsStmt = db.prepare<[string, string], AttemptRecord>(
      'SELECT attempt, worker_id, state, started_at, ended_at, exit_code, result, reason FROM attempts WHERE run_id = ? AND task_id = ? ORDER BY attempt');
    this.attemptStmt = db.prepare<[string, string, number], AttemptRecord>(
      'SELECT attempt, worker_id, state, started_at, ended_at, exit_code, result, reason FROM attempts WHERE run_id = ? AND task_id = ? AND attempt = ?');
    this.receiptsStmt = db.prepare<[string, string], { attempt: number; body: string }>('SELECT attempt, body FROM receipts WHERE run_id = ? AND task_id = ?');
    this.artifacts = new ArtifactRecords(db);
    this.workerStmt = db.prepare<[string], { name: string; host: string }>('SELECT name, host FROM workers WHERE id = ?');
  }

  get(runId: string, taskId: string): TaskDetail | null {
    const row = this.taskStmt.get(runId, taskId);
    const run = this.runStmt.get(runId);
    if (!row || !run) return null;
    const spec = JSON.parse(String(row.spec)) as { description?: string | null; instructions: string; scorer?: FleetScorerSpec | null; timeout_seconds?: number | null; expected_artifacts?: string[]; metadata?: Record<string, unknown> };
    const receipts = new Map(this.receiptsStmt.all(runId, taskId).map((r) => [r.attempt, JSON.parse(r.body) as Record<string, unknown>]));
    const recorded = this.recordedArtifacts(runId, taskId);
    const attempts: AttemptDetail[] = this.attemptsStmt.all(runId, taskId).map((a) => ({
      attempt: a.attempt, workerId: a.worker_id, state: a.state, startedAt: a.started_at, endedAt: a.ended_at, exitCode: a.exit_code,
      result: a.result, reason: a.reason, live: isIn(LIVE_ATTEMPT_STATES, a.state), receipt: receipts.get(a.attempt) ?? null,
      usage: usageOf(receipts.get(a.attempt)),
      artifacts: [...(recorded.get(a.attempt)?.values() ?? [])],
    }));
    return {
      runName: run.name, runStatus: run.status, task: taskRowFromRecord(row),
      description: spec.description ?? null, instructions: spec.instructions,
      agent: agentLabel(spec.metadata ?? {}),
      scorer: describeScorer(spec.scorer), timeoutSeconds: spec.timeout_seconds === null || spec.timeout_seconds === undefined ? null : Number(spec.timeout_seconds),
      expectedArtifacts: (spec.expected_artifacts ?? []).map(String), attempts,
      worker: this.placeOf(attempts.at(-1)?.workerId ?? null),
    };
  }

  private placeOf(workerId: string | null): TaskDetail['worker'] {
    const w = workerId === null ? undefined : this.workerStmt.get(workerId);
    return w ? { name: w.name, where: whereOfHost(w.host) } : null;
  }

  /** The artifacts recorded for one attempt, by path. */
  artifactsOf(runId: string, taskId: string, attempt: number): Map<string, ArtifactRef> {
    return new Map(this.artifacts.ofAttempt(runId, taskId, attempt).map((a) => [a.path, toRef(a)]));
  }

  /** The task's latest attempt number (0 before its first), or null when there is no such task. */
  latestAttempt(runId: string, taskId: string): number | null {
    const row = this.taskStmt.get(runId, taskId);
    return row ? Number(row.attempts) : null;
  }

  /** Whether this attempt exists and, if so, whether its agent may still be running. */
  attemptState(runId: string, taskId: string, attempt: number): { live: boolean } | null {
    const a = this.attemptStmt.get(runId, taskId, attempt);
    return a ? { live: isIn(LIVE_ATTEMPT_STATES, a.state) } : null;
  }

  /** The artifacts table, attempt by attempt (see fleet/artifact-records.ts: the one place they are recorded). */
  private recordedArtifacts(runId: string, taskId: string): Map<number, Map<string, ArtifactRef>> {
    const out = new Map<number, Map<string, ArtifactRef>>();
    for (const a of this.artifacts.ofTask(runId, taskId)) {
      let list = out.get(a.attempt);
      if (!list) out.set(a.attempt, (list = new Map()));
      list.set(a.path, toRef(a));
    }
    return out;
  }
}

function toRef(a: ArtifactRecord): ArtifactRef {
  return { kind: a.kind, path: a.path, name: path.basename(a.path), checksum: a.checksum, mimeType: a.mimeType, sizeBytes: a.sizeBytes };
}

/** The receipt's token usage, when the agent reported it (older receipts and shell agents have none). */
function usageOf(receipt: Record<string, unknown> | undefined): AgentUsage | null {
  const parsed = AgentUsageSchema.safeParse(receipt?.usage);
  return parsed.success ? parsed.data : null;
}
