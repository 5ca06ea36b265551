// Read models for the UI: runs and their tasks as the contract's view shapes.
import { ShoalError, type RunSummary, type RunUsage, type TaskRow } from '../../../src-shared/contract';
import type { Store } from '../store/open';

interface RunRecord {
  id: string; name: string; status: string; created_at: string; updated_at: string | null; completed_at: string | null;
  workspace: string | null; tasks_total: number; tasks_passed: number; tasks_failed: number; tasks_review: number;
  tasks_cancelled: number; labels: string;
}

interface UsageRecord {
  receipts: number; input_tokens: number | null; cached_input_tokens: number | null; output_tokens: number | null;
  total_tokens: number | null; cost_usd: number | null; cost_receipts: number;
}

export function toRunSummary(r: RunRecord): RunSummary {
  return {
    id: r.id, name: r.name, status: r.status as RunSummary['status'], createdAt: r.created_at, updatedAt: r.updated_at,
    completedAt: r.completed_at, workspace: r.workspace, total: r.tasks_total, passed: r.tasks_passed, failed: r.tasks_failed,
    review: r.tasks_review, cancelled: r.tasks_cancelled, labels: JSON.parse(r.labels) as Record<string, string>,
  };
}

export class RunsView {
  private readonly listFirst;
  private readonly listBefore;
  private readonly getOne;
  private readonly tasksOf;
  private readonly usageOf;

  constructor(store: Store) {
    // Keyset pagination on (created_at, id): pages stay O(limit) however many runs exist.
    this.listFirst = store.db.prepare<[number], RunRecord>('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?');
    this.listBefore = store.db.prepare<[string, string, string, number], RunRecord>(
      'SELECT * FROM runs WHERE created_at < ? OR (created_at = ? AND id < ?) ORDER BY created_at DESC, id DESC LIMIT ?');
    this.getOne = store.db.prepare<[string], RunRecord>('SELECT * FROM runs WHERE id = ?');
    this.tasksOf = store.db.prepare<[string], Record<string, unknown>>(`SELECT ${TASK_ROW_COLUMNS} FROM tasks WHERE run_id = ? ORDER BY ordinal`);
    // Summed by SQLite so the run page (refetched live) never parses its receipts. A receipt counts when its
    // usage has the token numbers the task view's receipt panel shows; a JSON null cost is SQL NULL, which
    // SUM and COUNT skip, so the cost is the sum of the known ones and costReceipts says how many there were.
    this.usageOf = store.db.prepare<[string], UsageRecord>(`SELECT COUNT(*) AS receipts,
      SUM(json_extract(body, '$.usage.input_tokens')) AS input_tokens,
      SUM(json_extract(body, '$.usage.cached_input_tokens')) AS cached_input_tokens,
      SUM(json_extract(body, '$.usage.output_tokens')) AS output_tokens,
      SUM(json_extract(body, '$.usage.total_tokens')) AS total_tokens,
      SUM(json_extract(body, '$.usage.cost_usd')) AS cost_usd,
      COUNT(json_extract(body, '$.usage.cost_usd')) AS cost_receipts
      FROM receipts WHERE run_id = ?
        AND json_type(body, '$.usage.input_tokens') IN ('integer', 'real')
        AND json_type(body, '$.usage.output_tokens') IN ('integer', 'real')`);
  }

  list(limit: number, before?: string): { items: RunSummary[]; next: string | null } {
    let rows: RunRecord[];
    if (before) {
      const [createdAt, id] = decodeCursor(before);
      rows = this.listBefore.all(createdAt, createdAt, id, limit + 1);
    } else {
      rows = this.listFirst.all(limit + 1);
    }
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(toRunSummary);
    const last = items[items.length - 1];
    return { items, next: more && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  get(runId: string): RunSummary | null {
    const row = this.getOne.get(runId);
    return row ? toRunSummary(row) : null;
  }

  tasks(runId: string): TaskRow[] {
    return this.tasksOf.all(runId).map(taskRowFromRecord);
  }

  /** What the run's agents spent across its receipts, or null when none reported usage (shell agents, older receipts). */
  usage(runId: string): RunUsage | null {
    const r = this.usageOf.get(runId);
    if (!r || r.receipts === 0) return null;
    return {
      receipts: r.receipts, input_tokens: r.input_tokens ?? 0, cached_input_tokens: r.cached_input_tokens ?? 0,
      output_tokens: r.output_tokens ?? 0, total_tokens: r.total_tokens ?? 0,
      cost_usd: r.cost_receipts > 0 ? r.cost_usd : null, costReceipts: r.cost_receipts,
    };
  }
}

/** What a task row needs. The scorer kind is read by SQLite from the stored spec, so listing a run
 *  of thousands of tasks (refetched live) never ships or parses the specs themselves. */
export const TASK_ROW_COLUMNS = `run_id, task_id, name, ordinal, priority, state, attempts, max_attempts, result, worker_id,
  started_at, finished_at, last_error, unplaceable, json_extract(spec, '$.scorer.kind') AS scorer_kind`;

export function taskRowFromRecord(r: Record<string, unknown>): TaskRow {
  return {
    runId: String(r.run_id), taskId: String(r.task_id), name: String(r.name), ordinal: Number(r.ordinal), priority: Number(r.priority),
    // The column is the truth: it holds the reference implementation's default when the spec has no retry_policy, and
    // "retry now" on a finished task raises it.
    state: r.state as TaskRow['state'], attempts: Number(r.attempts), maxAttempts: Number(r.max_attempts),
    result: (r.result as string | null) ?? null, workerId: (r.worker_id as string | null) ?? null,
    startedAt: (r.started_at as string | null) ?? null, finishedAt: (r.finished_at as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null, scorer: (r.scorer_kind as string | null) ?? 'exit_code',
    unplaceable: (r.unplaceable as string | null | undefined) ?? null,
  };
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through to the error below
  }
  throw new ShoalError('invalid_input', 'before: not a cursor returned by runs.list');
}
