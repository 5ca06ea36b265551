// The job manager's contract: lifecycle transitions, backoff, history truncation, persistence
// encoding (old or corrupt rows degrade, never crash) and the helper functions.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_JOB_BACKOFF_BASE_MS, DEFAULT_JOB_MAX_ATTEMPTS, JOB_STATUSES, JobManager, MAX_JOB_HISTORY_ENTRIES, defaultRetry,
  deterministicBackoffMs, encodePersistedDetail, jobStateStatusToRuntime, jobStatusFromStr, jobStatusToStr, jsonOptionalString,
  parseHistoryEntry, parsePersistedDetail, parseRetryMetadata, runtimeStatusToJobState, type JobRecord,
} from './job-manager';

function find(jm: JobManager, id: string): JobRecord {
  const job = jm.list().find((j) => j.id === id);
  if (!job) throw new Error(`no job ${id}`);
  return job;
}

describe('JobManager: lifecycle', () => {
  it('enqueue creates a queued job with zero progress', () => {
    const jm = new JobManager();
    const job = jm.enqueue('build');
    expect(job.name).toBe('build');
    expect(job.status).toBe('queued');
    expect(job.progress).toBe(0);
    expect(job.detail).toBeNull();
    expect(job.history).toHaveLength(1);
    expect(job.history[0]!.phase).toBe('created');
  });

  it('set_running transitions from queued', () => {
    const jm = new JobManager();
    const id = jm.enqueue('deploy').id;
    jm.setRunning(id);
    const updated = find(jm, id);
    expect(updated.status).toBe('running');
    expect(updated.history.at(-1)!.phase).toBe('running');
  });

  it('update_progress clamps to 100', () => {
    const jm = new JobManager();
    const id = jm.enqueue('task').id;
    jm.updateProgress(id, 150, 'over');
    expect(find(jm, id).progress).toBe(100);
  });

  it('complete sets progress to 100', () => {
    const jm = new JobManager();
    const id = jm.enqueue('task').id;
    jm.setRunning(id);
    jm.complete(id);
    const updated = find(jm, id);
    expect(updated.status).toBe('completed');
    expect(updated.progress).toBe(100);
  });

  it('fail increments the attempt and sets a backoff', () => {
    const jm = new JobManager();
    const id = jm.enqueue('fragile').id;
    jm.setRunning(id);
    jm.fail(id, 'crashed');
    const updated = find(jm, id);
    expect(updated.status).toBe('failed');
    expect(updated.retry.attempt).toBe(1);
    expect(updated.retry.next_backoff_ms).toBeGreaterThan(0);
    expect(updated.retry.next_retry_at).not.toBeNull();
    expect(updated.detail).toBe('crashed');
  });

  it('fail clears the retry after max attempts', () => {
    const jm = new JobManager();
    const id = jm.enqueue('fragile').id;
    for (let i = 0; i <= DEFAULT_JOB_MAX_ATTEMPTS; i++) {
      jm.setRunning(id);
      jm.fail(id, 'boom');
    }
    const updated = find(jm, id);
    expect(updated.retry.attempt).toBe(DEFAULT_JOB_MAX_ATTEMPTS);
    expect(updated.retry.next_backoff_ms).toBe(0);
    expect(updated.retry.next_retry_at).toBeNull();
  });

  it('cancel sets the status and clears the retry', () => {
    const jm = new JobManager();
    const id = jm.enqueue('task').id;
    jm.cancel(id);
    const updated = find(jm, id);
    expect(updated.status).toBe('cancelled');
    expect(updated.retry.next_backoff_ms).toBe(0);
  });

  it('pause and resume round trip', () => {
    const jm = new JobManager();
    const id = jm.enqueue('task').id;
    jm.setRunning(id);
    jm.pause(id, 'waiting');
    const paused = find(jm, id);
    expect(paused.status).toBe('paused');
    expect(paused.detail).toBe('waiting');
    jm.resume(id, null);
    const resumed = find(jm, id);
    expect(resumed.status).toBe('running');
    expect(resumed.history.at(-1)!.phase).toBe('resumed');
  });

  it('list returns jobs sorted by updated_at, newest first', () => {
    const jm = new JobManager();
    jm.enqueue('first');
    jm.enqueue('second');
    jm.enqueue('third');
    const jobs = jm.list();
    expect(jobs).toHaveLength(3);
    for (let i = 0; i + 1 < jobs.length; i++) expect(jobs[i]!.updated_at).toBeGreaterThanOrEqual(jobs[i + 1]!.updated_at);
  });

  it('history returns the entries of an existing job', () => {
    const jm = new JobManager();
    const id = jm.enqueue('task').id;
    jm.setRunning(id);
    jm.complete(id);
    const history = jm.history(id);
    expect(history).toHaveLength(3); // created, running, completed
    expect(history.map((h) => h.phase)).toEqual(['created', 'running', 'completed']);
  });

  it('history returns [] for an unknown job', () => {
    expect(new JobManager().history('nonexistent')).toEqual([]);
  });

  it('resume_pending requeues running and queued jobs', () => {
    const jm = new JobManager();
    jm.enqueue('queued_task');
    const id2 = jm.enqueue('running_task').id;
    const id3 = jm.enqueue('completed_task').id;
    jm.setRunning(id2);
    jm.setRunning(id3);
    jm.complete(id3);
    const resumed = jm.resumePending();
    expect(resumed).toHaveLength(2);
    for (const job of resumed) expect(job.status).toBe('queued');
  });
});

describe('JobManager: backoff', () => {
  it('is zero on the first attempt', () => {
    expect(deterministicBackoffMs({ ...defaultRetry(), attempt: 0 })).toBe(0);
  });

  it('grows exponentially', () => {
    const base = DEFAULT_JOB_BACKOFF_BASE_MS;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const expected = base * 2 ** Math.min(attempt - 1, 20);
      expect(deterministicBackoffMs({ ...defaultRetry(), attempt, backoff_base_ms: base }), `attempt ${attempt}`).toBe(expected);
    }
  });

  it('saturates at a high exponent', () => {
    const ms = deterministicBackoffMs({ ...defaultRetry(), attempt: 63, backoff_base_ms: 1000 });
    expect(Number.isFinite(ms)).toBe(true);
    expect(ms).toBe(1000 * 2 ** 20);
  });
});

describe('JobManager: history truncation', () => {
  it('keeps at most MAX_JOB_HISTORY_ENTRIES entries', () => {
    const jm = new JobManager();
    const id = jm.enqueue('task').id;
    for (let i = 0; i < MAX_JOB_HISTORY_ENTRIES + 20; i++) jm.updateProgress(id, i % 100, `step ${i}`);
    expect(jm.history(id)).toHaveLength(MAX_JOB_HISTORY_ENTRIES);
  });
});

describe('JobManager: persistence encoding and parsing', () => {
  it('encodes and parses the persisted detail round trip', () => {
    const jm = new JobManager();
    const id = jm.enqueue('task').id;
    jm.setRunning(id);
    jm.fail(id, 'oops');
    const job = find(jm, id);
    const parsed = parsePersistedDetail(encodePersistedDetail(job))!;
    expect(parsed.status).toBe(job.status);
    expect(parsed.detail).toBe(job.detail);
    expect(parsed.retry.attempt).toBe(job.retry.attempt);
    expect(parsed.history).toHaveLength(job.history.length);
  });

  it('parse_persisted_detail returns null for no input', () => {
    expect(parsePersistedDetail(null)).toBeNull();
  });

  it('parse_persisted_detail returns null for invalid JSON', () => {
    expect(parsePersistedDetail('not json')).toBeNull();
  });
});

describe('helper functions', () => {
  it('job status round trips through its string', () => {
    for (const status of JOB_STATUSES) expect(jobStatusFromStr(jobStatusToStr(status)), status).toBe(status);
  });

  it('job_status_from_str returns null for unknown strings', () => {
    expect(jobStatusFromStr('unknown')).toBeNull();
    expect(jobStatusFromStr('')).toBeNull();
  });

  it('runtime_status_to_job_state maps correctly', () => {
    expect(runtimeStatusToJobState('queued')).toBe('queued');
    expect(runtimeStatusToJobState('running')).toBe('running');
    expect(runtimeStatusToJobState('paused')).toBe('running');
    expect(runtimeStatusToJobState('completed')).toBe('completed');
    expect(runtimeStatusToJobState('failed')).toBe('failed');
    expect(runtimeStatusToJobState('cancelled')).toBe('cancelled');
  });

  it('job_state_status_to_runtime maps correctly', () => {
    expect(jobStateStatusToRuntime('queued')).toBe('queued');
    expect(jobStateStatusToRuntime('running')).toBe('running');
    expect(jobStateStatusToRuntime('completed')).toBe('completed');
    expect(jobStateStatusToRuntime('failed')).toBe('failed');
    expect(jobStateStatusToRuntime('cancelled')).toBe('cancelled');
  });

  it('json_optional_string handles null', () => {
    expect(jsonOptionalString(null)).toBeNull();
  });

  it('json_optional_string handles a string', () => {
    expect(jsonOptionalString('hello')).toBe('hello');
  });

  it('json_optional_string handles a non-string', () => {
    expect(jsonOptionalString(42)).toBeNull();
  });

  it('parse_retry_metadata returns the default for nothing', () => {
    const retry = parseRetryMetadata(undefined);
    expect(retry.attempt).toBe(0);
    expect(retry.max_attempts).toBe(DEFAULT_JOB_MAX_ATTEMPTS);
    expect(retry.backoff_base_ms).toBe(DEFAULT_JOB_BACKOFF_BASE_MS);
  });

  it('parse_retry_metadata parses its fields', () => {
    const retry = parseRetryMetadata({ attempt: 2, max_attempts: 5, backoff_base_ms: 1000, next_backoff_ms: 2000, next_retry_at: 1234567890 });
    expect(retry).toEqual({ attempt: 2, max_attempts: 5, backoff_base_ms: 1000, next_backoff_ms: 2000, next_retry_at: 1234567890 });
  });

  it('parse_history_entry returns null without a status', () => {
    expect(parseHistoryEntry({ at: 1, phase: 'test' })).toBeNull();
  });

  it('parse_history_entry parses a valid entry', () => {
    const entry = parseHistoryEntry({ at: 100, phase: 'running', status: 'running', progress: 50, detail: 'working', retry: { attempt: 0, max_attempts: 3, backoff_base_ms: 500 } })!;
    expect(entry.at).toBe(100);
    expect(entry.phase).toBe('running');
    expect(entry.status).toBe('running');
    expect(entry.progress).toBe(50);
    expect(entry.detail).toBe('working');
  });
});
