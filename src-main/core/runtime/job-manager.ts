// Background jobs: queued / running / paused / completed / failed /
// cancelled, progress clamped to 100, a failure schedules a retry with deterministic exponential
// backoff while attempts remain, a bounded history of every transition, and a persisted detail
// (schema_version'd JSON in the jobs table's `detail` column) that old or corrupt rows degrade from
// gracefully. Pure bookkeeping: running the work is job-runner.ts, the SQL is job-store.ts.
// Timestamps are whole seconds, as in the reference implementation.
import crypto from 'node:crypto';

export const JOB_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses the store's `status` column knows (the reference implementation's JobStateStatus): no paused. */
export type JobStateStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export const JOB_DETAIL_SCHEMA_VERSION = 1;
export const DEFAULT_JOB_MAX_ATTEMPTS = 3;
export const DEFAULT_JOB_BACKOFF_BASE_MS = 500;
export const MAX_JOB_HISTORY_ENTRIES = 64;

/** Retry state of a job that failed and may be retried (the reference implementation's wire names). */
export interface JobRetryMetadata {
  /** Current attempt number (0 = not yet retried). */
  attempt: number;
  max_attempts: number;
  backoff_base_ms: number;
  /** Delay until the next retry; 0 when none is scheduled. */
  next_backoff_ms: number;
  /** When the next retry is due (seconds since the epoch), or null. */
  next_retry_at: number | null;
}

export interface JobHistoryEntry {
  at: number;
  /** created, running, progress_updated, completed, failed, cancelled, paused, resumed, queued_after_resume. */
  phase: string;
  status: JobStatus;
  progress: number | null;
  detail: string | null;
  retry: JobRetryMetadata;
}

export interface JobRecord {
  id: string;
  name: string;
  status: JobStatus;
  progress: number | null;
  detail: string | null;
  retry: JobRetryMetadata;
  history: JobHistoryEntry[];
  created_at: number;
  updated_at: number;
}

export interface PersistedJobDetail {
  status: JobStatus;
  detail: string | null;
  retry: JobRetryMetadata;
  history: JobHistoryEntry[];
}

/** A row of the jobs table, as the reference implementation's JobStateRecord. */
export interface JobStateRecord {
  id: string;
  name: string;
  status: JobStateStatus;
  progress: number | null;
  detail: string | null;
  created_at: number;
  updated_at: number;
}

export function defaultRetry(): JobRetryMetadata {
  return { attempt: 0, max_attempts: DEFAULT_JOB_MAX_ATTEMPTS, backoff_base_ms: DEFAULT_JOB_BACKOFF_BASE_MS, next_backoff_ms: 0, next_retry_at: null };
}

function nowTs(): number {
  return Math.floor(Date.now() / 1000);
}

function clone(job: JobRecord): JobRecord {
  return { ...job, retry: { ...job.retry }, history: job.history.map((h) => ({ ...h, retry: { ...h.retry } })) };
}

/** 0 before the first retry, then base × 2^(attempt−1), the exponent capped at 20, saturating. */
export function deterministicBackoffMs(retry: JobRetryMetadata): number {
  if (retry.attempt === 0) return 0;
  const exponent = Math.min(Math.max(retry.attempt - 1, 0), 20);
  return Math.min(retry.backoff_base_ms * 2 ** exponent, Number.MAX_SAFE_INTEGER);
}

function clearRetrySchedule(retry: JobRetryMetadata): void {
  retry.next_backoff_ms = 0;
  retry.next_retry_at = null;
}

function pushHistory(job: JobRecord, phase: string): void {
  job.history.push({ at: job.updated_at, phase, status: job.status, progress: job.progress, detail: job.detail, retry: { ...job.retry } });
  if (job.history.length > MAX_JOB_HISTORY_ENTRIES) job.history.splice(0, job.history.length - MAX_JOB_HISTORY_ENTRIES);
}

export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();

  /** Enqueues a new job and returns its record. */
  enqueue(name: string): JobRecord {
    const now = nowTs();
    const job: JobRecord = {
      id: `job-${crypto.randomUUID()}`, name, status: 'queued', progress: 0, detail: null, retry: defaultRetry(), history: [],
      created_at: now, updated_at: now,
    };
    pushHistory(job, 'created');
    this.jobs.set(job.id, job);
    return clone(job);
  }

  get(id: string): JobRecord | null {
    const job = this.jobs.get(id);
    return job ? clone(job) : null;
  }

  /** Transitions a job to running and clears its retry schedule. */
  setRunning(id: string): void {
    this.mutate(id, 'running', (job) => {
      job.status = 'running';
      clearRetrySchedule(job.retry);
    });
  }

  /** Updates a job's progress (clamped to 0..100) and its detail message (null clears it). */
  updateProgress(id: string, progress: number, detail: string | null): void {
    this.mutate(id, 'progress_updated', (job) => {
      job.progress = Math.min(100, Math.max(0, Math.floor(progress)));
      job.detail = detail;
    });
  }

  /** Marks a job completed with 100% progress and clears its retry schedule. */
  complete(id: string): void {
    this.mutate(id, 'completed', (job) => {
      job.status = 'completed';
      job.progress = 100;
      clearRetrySchedule(job.retry);
    });
  }

  /** Marks a job failed and schedules a retry if attempts remain. */
  fail(id: string, detail: string): void {
    this.mutate(id, 'failed', (job, now) => {
      job.status = 'failed';
      job.detail = detail;
      if (job.retry.attempt < job.retry.max_attempts) {
        job.retry.attempt += 1;
        job.retry.next_backoff_ms = deterministicBackoffMs(job.retry);
        job.retry.next_retry_at = now + Math.ceil(job.retry.next_backoff_ms / 1000);
      } else {
        clearRetrySchedule(job.retry);
      }
    });
  }

  /** Cancels a job and clears any pending retry schedule. */
  cancel(id: string): void {
    this.mutate(id, 'cancelled', (job) => {
      job.status = 'cancelled';
      clearRetrySchedule(job.retry);
    });
  }

  /** Pauses a job, updating its detail message when one is given. */
  pause(id: string, detail: string | null = null): void {
    this.mutate(id, 'paused', (job) => {
      job.status = 'paused';
      if (detail !== null) job.detail = detail;
    });
  }

  /** Resumes a paused or failed job back to running. */
  resume(id: string, detail: string | null = null): void {
    this.mutate(id, 'resumed', (job) => {
      job.status = 'running';
      if (detail !== null) job.detail = detail;
      clearRetrySchedule(job.retry);
    });
  }

  /** All jobs, most recently updated first. */
  list(): JobRecord[] {
    return [...this.jobs.values()].map(clone).sort((a, b) => b.updated_at - a.updated_at);
  }

  /** The history of a job, or [] for an unknown one. */
  history(id: string): JobHistoryEntry[] {
    return this.get(id)?.history ?? [];
  }

  /** Puts queued and running jobs (interrupted by a restart) back in the queue. */
  resumePending(): JobRecord[] {
    const resumed: JobRecord[] = [];
    for (const job of this.jobs.values()) {
      if (job.status === 'queued' || job.status === 'running') {
        job.status = 'queued';
        job.updated_at = nowTs();
        pushHistory(job, 'queued_after_resume');
        resumed.push(clone(job));
      }
    }
    return resumed;
  }

  /** Forgets a job (retention prunes old finished ones). */
  remove(id: string): void {
    this.jobs.delete(id);
  }

  /** Loads persisted rows, using the extended detail when it parses and the bare columns when not. */
  loadRows(rows: JobStateRecord[]): void {
    for (const row of rows) {
      const parsed = parsePersistedDetail(row.detail);
      this.jobs.set(row.id, {
        id: row.id,
        name: row.name,
        status: parsed?.status ?? jobStateStatusToRuntime(row.status),
        progress: row.progress,
        detail: parsed ? parsed.detail : row.detail,
        retry: parsed?.retry ?? defaultRetry(),
        history: parsed?.history ?? [],
        created_at: row.created_at,
        updated_at: row.updated_at,
      });
    }
  }

  /** The row to persist for a job, or null if it is unknown. */
  toRow(id: string): JobStateRecord | null {
    const job = this.jobs.get(id);
    if (!job) return null;
    return {
      id: job.id, name: job.name, status: runtimeStatusToJobState(job.status), progress: job.progress,
      detail: encodePersistedDetail(job), created_at: job.created_at, updated_at: job.updated_at,
    };
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  private mutate(id: string, phase: string, change: (job: JobRecord, now: number) => void): void {
    const job = this.jobs.get(id);
    if (!job) return;
    const now = nowTs();
    change(job, now);
    job.updated_at = now;
    pushHistory(job, phase);
  }
}

// ── persistence encoding ───────────────────────────────────────────────────────────────────────

export function encodePersistedDetail(job: JobRecord): string {
  return JSON.stringify({
    schema_version: JOB_DETAIL_SCHEMA_VERSION,
    status: jobStatusToStr(job.status),
    detail: job.detail,
    retry: jobRetryToValue(job.retry),
    history: job.history.map(jobHistoryToValue),
  });
}

/** null when there is nothing, it is not JSON, or it has no readable status (a pre-schema row). */
export function parsePersistedDetail(raw: string | null | undefined): PersistedJobDetail | null {
  if (raw === null || raw === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObject(parsed)) return null;
  const status = typeof parsed.status === 'string' ? jobStatusFromStr(parsed.status) : null;
  if (!status) return null;
  const history = Array.isArray(parsed.history) ? parsed.history.map(parseHistoryEntry).filter((e): e is JobHistoryEntry => e !== null) : [];
  return { status, detail: jsonOptionalString(parsed.detail), retry: parseRetryMetadata(parsed.retry), history };
}

export function jobRetryToValue(retry: JobRetryMetadata): JobRetryMetadata {
  return {
    attempt: retry.attempt, max_attempts: retry.max_attempts, backoff_base_ms: retry.backoff_base_ms,
    next_backoff_ms: retry.next_backoff_ms, next_retry_at: retry.next_retry_at,
  };
}

export function jobHistoryToValue(entry: JobHistoryEntry): JobHistoryEntry {
  return { at: entry.at, phase: entry.phase, status: entry.status, progress: entry.progress, detail: entry.detail, retry: jobRetryToValue(entry.retry) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unsignedInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

export function jsonOptionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function parseRetryMetadata(value: unknown): JobRetryMetadata {
  if (!isObject(value)) return defaultRetry();
  const at = value.next_retry_at;
  return {
    attempt: unsignedInt(value.attempt) ?? 0,
    max_attempts: unsignedInt(value.max_attempts) ?? DEFAULT_JOB_MAX_ATTEMPTS,
    backoff_base_ms: unsignedInt(value.backoff_base_ms) ?? DEFAULT_JOB_BACKOFF_BASE_MS,
    next_backoff_ms: unsignedInt(value.next_backoff_ms) ?? 0,
    next_retry_at: typeof at === 'number' && Number.isInteger(at) ? at : null,
  };
}

export function parseHistoryEntry(value: unknown): JobHistoryEntry | null {
  if (!isObject(value)) return null;
  const status = typeof value.status === 'string' ? jobStatusFromStr(value.status) : null;
  if (!status) return null;
  const progress = unsignedInt(value.progress);
  return {
    at: typeof value.at === 'number' && Number.isInteger(value.at) ? value.at : 0,
    phase: typeof value.phase === 'string' ? value.phase : 'unknown',
    status,
    progress: progress === null ? null : Math.min(progress, 255),
    detail: jsonOptionalString(value.detail),
    retry: parseRetryMetadata(value.retry),
  };
}

export function jobStatusToStr(status: JobStatus): string {
  return status;
}

export function jobStatusFromStr(value: string): JobStatus | null {
  return (JOB_STATUSES as readonly string[]).includes(value) ? (value as JobStatus) : null;
}

/** The store has no paused: a paused job's row says running, its detail says paused. */
export function runtimeStatusToJobState(status: JobStatus): JobStateStatus {
  return status === 'paused' ? 'running' : status;
}

export function jobStateStatusToRuntime(status: JobStateStatus): JobStatus {
  return status;
}
