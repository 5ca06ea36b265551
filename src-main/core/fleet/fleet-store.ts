// Every durable state change of the fleet: runs, the queue, leases, attempts, receipts. Each public
// method is one SQLite transaction that also appends the worker events describing it, so the
// timeline and the state can never disagree, and a crash at any point leaves one or the other whole.
// Worker writes are fenced by (task, attempt, lease token): a late write from a lost lease throws
// LeaseLostError and changes nothing.
import { BatchInsert } from '../store/batch-insert';
import type { Store } from '../store/open';
import type { EventBus } from '../bus';
import type { FleetReceipt, FleetRetryPolicy, FleetTaskSpec } from '../../../src-shared/protocol/fleet';
import type { AgentUsage } from '../../../src-shared/contract/fleet-views';
import { stringifyWire } from '../../../src-shared/protocol/json-lossless';
import { ArtifactRecords, type WireArtifactRef } from './artifact-records';
import { EventLog, type EventDraft, type EventPayload } from './event-log';
import { nowIso, newLeaseToken, taskKey } from './ids';
import { LeaseLostError, type Lease } from './lease';
import { backoffMs, retryNumbers } from './retry';
import { specLeaseMs } from './spec/remote-work-fields';
import { serializeHostRef, type HostRef } from '../hosts/host-ref';
import { leaseHeldSql, storedHostRef } from './attempt-work';
import { ACTIVE_RUN_STATUSES_SQL, FINISHED_RUN_STATUSES, isIn, LIVE_ATTEMPT_STATES } from '../../../src-shared/protocol/event-states';
import { ENDED_TASK_STATES, type TaskState } from '../../../src-shared/contract/views';

export interface NewTask {
  spec: FleetTaskSpec;
  priority: number;
  requires: string[];
  /** null: any default worker; otherwise only workers of this pool (the run's own worker_specs). */
  pool: string | null;
  unplaceable: string | null;
}

export interface NewRun {
  id: string;
  name: string;
  labels: Record<string, string>;
  workerSpecs: unknown[];
  workspace: string | null;
  createdAt: string;
  tasks: NewTask[];
}

export interface WorkerIdentity {
  id: string;
  capabilities: ReadonlySet<string>;
  pool: string | null;
}

/** What the attempt adds to its receipt: the wire fields, plus the agent's token usage and cost
 *  (a Shoal field after the wire ones; readers of the wire format skip it). */
export type ReceiptBody = Omit<FleetReceipt, 'run_id' | 'task_id' | 'worker_id' | 'completed_at' | 'result'> & { usage?: AgentUsage };

export type AttemptOutcome = (
  | { kind: 'scored'; result: 'pass' | 'fail' | 'timeout'; exitCode: number | null; summary?: string; reason?: string; receipt: ReceiptBody }
  | { kind: 'review'; exitCode: number | null; summary?: string; receipt: ReceiptBody }
  | { kind: 'cancelled'; by: string; receipt: ReceiptBody }
  | { kind: 'interrupted'; signal: string }
  /** The worker's host could not be reached to start it: not the task's failure (see finishInTx). */
  | { kind: 'unreachable'; reason: string })
  & {
    /** Its host could not confirm the work ended (the connection dropped, a container not removed):
     *  the attempt keeps its reap marker, so Shoal keeps trying to end it, also after a restart. */
    workLeft?: boolean;
    /** What its host may run for it though it was never seen to start (HostExit.unconfirmed): kept as
     *  the attempt's ref, so the reap the marker owes knows where to look. Comes with workLeft. */
    leftOn?: HostRef;
  };

export interface OrphanedAttempt {
  runId: string; taskId: string; attempt: number; workerId: string; token: string;
  pid: number | null; pidStart: string | null;
  /** What the attempt's driver started; null when it never got that far. */
  hostRef: HostRef | null;
  /** Where it worked (on the host that ran it), once it got that far. */
  workdir: string | null;
}

/** An attempt whose lease is gone but whose work its host never confirmed ended: Shoal owes it a
 *  reap (see attempts.reap_pending). */
export interface OwedReap {
  runId: string; taskId: string; attempt: number; workerId: string;
  hostRef: HostRef;
}

/** Which attempt a reap marker belongs to. */
export type AttemptKey = Pick<OwedReap, 'runId' | 'taskId' | 'attempt'>;

type ActiveAttemptRow = { run_id: string; task_id: string; attempt: number; worker_id: string; pid: number | null; pid_start: string | null; host_ref: string | null };

/** A waiting task, read as an array: a batch reads one per free slot, and better-sqlite3 spends
 *  more on building a row object than on finding the row. */
type QueueCandidate = [rowid: number, runId: string, taskId: string, attempts: number];

/** SQL: the task waits in the queue for a lease (the terms of tasks_waiting_idx, so it is used). */
const WAITING = 'enqueued_at IS NOT NULL AND lease_token IS NULL';
/** SQL: the task's `requires` (a JSON list, or null) is covered by the capabilities bound here. */
const CAN_TAKE = `(requires IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(tasks.requires) r WHERE r.value NOT IN (SELECT value FROM json_each(?))))`;
/** SQL: the task is still this attempt's: (run, task, attempt count, lease token) bound in order. */
const FENCE = 'run_id = ? AND task_id = ? AND attempts = ? AND lease_token = ?';
interface TaskRecord { run_id: string; task_id: string; spec: string; state: string; attempts: number; max_attempts: number; worker_id: string | null }
/** Why a task whose worker stopped renewing its lease failed, on the task and its last event. */
const STALE_REASON = 'worker went stale (lease expired)';

/** After a failed attempt: retried once `readyAt` (ms) comes, or null when that was its last. */
interface RetryPlan { readyAt: number | null; runCancelled: boolean }

/** What a released lease leaves its task as: waiting in the queue again until `readyAt` (a retry, or
 *  a give-back that was not the task's fault), or out of it in its new state. */
type TaskAfter =
  | { readyAt: number; state: 'retry_wait' | 'queued'; lastError: string }
  | { readyAt: null; state: 'review' }
  | { readyAt: null; state: 'passed' | 'failed' | 'timeout' | 'cancelled'; result: string | null; finishedAt: string; lastError: string | null };

/** The task after a failed attempt (`reason` says why): per its retry plan, retried, cancelled with
 *  its run, or ended in `finalState`. */
function failureAfter(retry: RetryPlan, reason: string, finalState: 'failed' | 'timeout', now: string): TaskAfter {
  if (retry.runCancelled) return { readyAt: null, state: 'cancelled', result: null, finishedAt: now, lastError: reason };
  if (retry.readyAt !== null) return { readyAt: retry.readyAt, state: 'retry_wait', lastError: reason };
  return { readyAt: null, state: finalState, result: finalState === 'timeout' ? 'timeout' : 'fail', finishedAt: now, lastError: reason };
}

/** Why a scored attempt failed, as its event and its task say. */
function scoredFailure(outcome: { result: string; reason?: string }): string {
  return outcome.reason ?? (outcome.result === 'timeout' ? 'timed out' : 'failed');
}

/** The task after an attempt ended with `outcome` (`retry` is its plan when it failed). */
function taskAfter(outcome: Exclude<AttemptOutcome, { kind: 'unreachable' }>, retry: RetryPlan | null, now: string): TaskAfter {
  switch (outcome.kind) {
    case 'interrupted': return failureAfter(retry!, `interrupted by ${outcome.signal}`, 'failed', now);
    case 'cancelled': return { readyAt: null, state: 'cancelled', result: 'skip', finishedAt: now, lastError: null };
    case 'review': return { readyAt: null, state: 'review' };
    case 'scored':
      if (outcome.result === 'pass') return { readyAt: null, state: 'passed', result: 'pass', finishedAt: now, lastError: null };
      return failureAfter(retry!, scoredFailure(outcome), outcome.result === 'timeout' ? 'timeout' : 'failed', now);
  }
}

interface RunCounters { status: string; tasks_total: number; tasks_passed: number; tasks_failed: number; tasks_review: number; tasks_cancelled: number }

/** The attempt states of work that may still be running, as an SQL list. */
const LIVE_STATES_SQL = LIVE_ATTEMPT_STATES.map((s) => `'${s}'`).join(', ');

const TERMINAL: ReadonlySet<string> = new Set(ENDED_TASK_STATES);

export class FleetStore {
  readonly events: EventLog;
  /** Where an attempt's artifacts are recorded, with the event or receipt that names them. */
  readonly artifacts: ArtifactRecords;
  private readonly db;
  private readonly s;
  private readonly specCache = new Map<string, { spec: FleetTaskSpec; maxAttempts: number; policy: FleetRetryPolicy | undefined }>();
  /** Per run: whether any of its tasks sets its own lease length. Most runs have none, and then a
   *  lease needs no read of the task's spec (a row read and a JSON parse per lease otherwise). A
   *  task's spec never changes once stored, so neither does the answer. */
  private readonly leaseOverrides = new Map<string, boolean>();

  constructor(private readonly store: Store, private readonly bus: EventBus | null, private readonly ownerPid: number = process.pid) {
    this.db = store.db;
    this.events = new EventLog(store, bus);
    this.artifacts = new ArtifactRecords(this.db);
    const p = <P extends unknown[], R = unknown>(sql: string) => this.db.prepare<P, R>(sql);
    this.s = {
      insertRun: p<[string, string, string, string, string | null, string, number]>(
        `INSERT INTO runs (id, name, status, labels, worker_specs, workspace, created_at, tasks_total) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)`),
      insertTasks: new BatchInsert(this.db,
        'INSERT INTO tasks (run_id, task_id, ordinal, name, spec, priority, max_attempts, state, unplaceable, enqueued_at, requires, pool)', 12),
      setRunStatus: p<[string, string, string | null, string]>(`UPDATE runs SET status = ?, updated_at = ?, completed_at = COALESCE(?, completed_at) WHERE id = ?`),
      runStatusRow: p<[string], { status: string; completed_at: string | null }>('SELECT status, completed_at FROM runs WHERE id = ?'),
      runCounters: p<[string], RunCounters>(`SELECT status, tasks_total, tasks_passed, tasks_failed, tasks_review, tasks_cancelled FROM runs WHERE id = ?`),
      // Two statements rather than `pool IS ?`: SQLite plans the literal IS NULL far better.
      // Only tasks this worker can take (every capability the task requires is in the worker's JSON
      // list, the last parameter): filtering after the LIMIT would let a few tasks nobody can run
      // at the head of the queue starve everything behind them.
      candidatesDefault: p<[number, string, number], QueueCandidate>(
        `SELECT rowid, run_id, task_id, attempts FROM tasks WHERE pool IS NULL AND held = 0 AND ${WAITING} AND ready_at <= ? AND ${CAN_TAKE}
         ORDER BY priority DESC, enqueued_at, ordinal LIMIT ?`).raw(true),
      candidatesPool: p<[string, number, string, number], QueueCandidate>(
        `SELECT rowid, run_id, task_id, attempts FROM tasks WHERE pool = ? AND held = 0 AND ${WAITING} AND ready_at <= ? AND ${CAN_TAKE}
         ORDER BY priority DESC, enqueued_at, ordinal LIMIT ?`).raw(true),
      // The same for an engine that runs one run only (`shoal run`): that run's tasks, still read in
      // queue order from the waiting index (the run's own index would sort all its tasks per lease).
      candidatesDefaultOfRun: p<[number, string, string, number], QueueCandidate>(
        `SELECT rowid, run_id, task_id, attempts FROM tasks INDEXED BY tasks_waiting_idx WHERE pool IS NULL AND held = 0 AND ${WAITING} AND ready_at <= ? AND ${CAN_TAKE}
         AND run_id = ? ORDER BY priority DESC, enqueued_at, ordinal LIMIT ?`).raw(true),
      candidatesPoolOfRun: p<[string, number, string, string, number], QueueCandidate>(
        `SELECT rowid, run_id, task_id, attempts FROM tasks INDEXED BY tasks_waiting_idx WHERE pool = ? AND held = 0 AND ${WAITING} AND ready_at <= ? AND ${CAN_TAKE}
         AND run_id = ? ORDER BY priority DESC, enqueued_at, ordinal LIMIT ?`).raw(true),
      // No RETURNING (SQLite buffers its rows in a temporary table): the candidate row already says
      // which task it is, and the attempt count is checked rather than read back. The lease and the
      // task's new state are one write of one row, addressed by its rowid.
      // A leased task was placed after all (say on a remote agent the spec check did not count):
      // the note saying it could not be is cleared with its wait.
      takeLease: p<[string, number, string, string, number, number]>(
        `UPDATE tasks SET lease_token = ?, lease_deadline = ?, worker_id = ?, attempts = attempts + 1, state = 'leased', started_at = COALESCE(started_at, ?),
           last_error = NULL, unplaceable = NULL
         WHERE rowid = ? AND attempts = ? AND ${WAITING}`),
      insertAttempts: new BatchInsert(this.db, 'INSERT INTO attempts (run_id, task_id, attempt, worker_id, lease_token, state, owner_pid, started_at)', 8),
      setTaskState: p<[string, string, string]>(`UPDATE tasks SET state = ? WHERE run_id = ? AND task_id = ?`),
      // Every fenced statement addresses the lease's task and changes or finds it only while the
      // task is still this attempt's (attempt count and token).
      fence: p<[string, string, number, string], { one: number }>(`SELECT 1 AS one FROM tasks WHERE ${FENCE}`),
      renew: p<[number, string, string, number, string]>(`UPDATE tasks SET lease_deadline = ? WHERE ${FENCE}`),
      attemptStarted: p<[string | null, string | null, string, string, number]>(
        `UPDATE attempts SET state = 'starting', workdir = ?, branch = ? WHERE run_id = ? AND task_id = ? AND attempt = ?`),
      // Only where no ref was recorded: the work was never seen to start (AttemptOutcome.leftOn).
      attemptLeftOn: p<[string, string, string, number]>(`UPDATE attempts SET host_ref = ?, reap_pending = 1 WHERE run_id = ? AND task_id = ? AND attempt = ? AND host_ref IS NULL`),
      // The reap marker is set with the ref, in the same write: from here on a crash leaves the
      // obligation to end this work recorded.
      attemptPid: p<[number | null, string | null, string | null, number, string, string, number]>(
        `UPDATE attempts SET state = 'running', pid = ?, pid_start = ?, host_ref = ?, reap_pending = ? WHERE run_id = ? AND task_id = ? AND attempt = ?`),
      // `keep` 1 keeps the reap marker (the work was not seen to end), 0 clears it.
      attemptEnded: p<[state: string, endedAt: string, exitCode: number | null, result: string | null, reason: string | null, keep: 0 | 1, runId: string, taskId: string, attempt: number]>(
        `UPDATE attempts SET state = ?, ended_at = ?, exit_code = ?, result = ?, reason = ?, reap_pending = reap_pending * ? WHERE run_id = ? AND task_id = ? AND attempt = ?`),
      workEnded: p<[string, string, number]>(`UPDATE attempts SET reap_pending = 0 WHERE run_id = ? AND task_id = ? AND attempt = ? AND reap_pending = 1`),
      leaseOwner: p<[string, string, number], { owner_pid: number | null }>(
        `SELECT a.owner_pid FROM tasks i CROSS JOIN attempts a ON a.run_id = i.run_id AND a.task_id = i.task_id AND a.attempt = i.attempts
         WHERE i.run_id = ? AND i.task_id = ? AND i.attempts = ? AND i.lease_token = a.lease_token AND a.state IN (${LIVE_STATES_SQL})`),
      // Marked attempts whose lease is gone (their task finished, was reclaimed or moved on): the
      // ones still holding theirs are running, or are recovery's (orphanedAttempts).
      owedReaps: p<[], ActiveAttemptRow>(
        `SELECT a.run_id, a.task_id, a.attempt, a.worker_id, a.pid, a.pid_start, a.host_ref FROM attempts a
         WHERE a.reap_pending = 1 AND NOT ${leaseHeldSql('a')}`),
      // A try to end an owed reap failed: what the person who may take it over is shown. Only while
      // it is still owed (a try that fails after a forget, or after another try ended it, says nothing).
      reapFailed: p<[string, string, string, string, number]>(
        `UPDATE attempts SET reap_error = ?, reap_tried_at = ?, reap_tries = reap_tries + 1 WHERE run_id = ? AND task_id = ? AND attempt = ? AND reap_pending = 1`),
      reapMarker: p<[string, string, number], { reap_pending: number }>(`SELECT reap_pending FROM attempts WHERE run_id = ? AND task_id = ? AND attempt = ?`),
      // A person took the reap over: only an owed one (its lease gone), never a running attempt's.
      forgetReap: p<[string, string, number]>(
        `UPDATE attempts SET reap_pending = 0 WHERE run_id = ? AND task_id = ? AND attempt = ? AND reap_pending = 1
           AND NOT ${leaseHeldSql('attempts')}`),
      attemptLost: p<[string, string, string, string, number]>(
        `UPDATE attempts SET state = 'lost', ended_at = ?, reason = ? WHERE run_id = ? AND task_id = ? AND attempt = ? AND state IN (${LIVE_STATES_SQL})`),
      insertReceipts: new BatchInsert(this.db, 'INSERT INTO receipts (run_id, task_id, attempt, worker_id, completed_at, result, body)', 7),
      cancelTask: p<[string, string, string]>(
        `UPDATE tasks SET enqueued_at = NULL, state = 'cancelled', result = NULL, finished_at = ?, last_error = NULL WHERE run_id = ? AND task_id = ?`),
      // Releasing a lease is the fence of a finished attempt's writes: the task leaves the queue, or
      // waits in it again until ready_at.
      // Each also writes the task's new state, so a finish writes the task's row once.
      releaseDone: p<[TaskState, string | null, string, string | null, string, string, number, string]>(
        `UPDATE tasks SET lease_token = NULL, lease_deadline = NULL, enqueued_at = NULL, state = ?, result = ?, finished_at = ?, last_error = ? WHERE ${FENCE}`),
      releaseReview: p<[string, string, number, string]>(
        `UPDATE tasks SET lease_token = NULL, lease_deadline = NULL, enqueued_at = NULL, state = 'review' WHERE ${FENCE}`),
      releaseRetry: p<[number, TaskState, string, string, string, number, string]>(
        `UPDATE tasks SET lease_token = NULL, lease_deadline = NULL, ready_at = ?, state = ?, last_error = ? WHERE ${FENCE}`),
      taskFinished: p<[string, string | null, string, string | null, string, string]>(
        `UPDATE tasks SET state = ?, result = ?, finished_at = ?, last_error = ? WHERE run_id = ? AND task_id = ?`),
      bumpCounters: p<[number, number, number, number, string]>(
        `UPDATE runs SET tasks_passed = tasks_passed + ?, tasks_failed = tasks_failed + ?, tasks_review = tasks_review + ?, tasks_cancelled = tasks_cancelled + ? WHERE id = ?`),
      task: p<[string, string], TaskRecord>(`SELECT run_id, task_id, spec, state, attempts, max_attempts, worker_id FROM tasks WHERE run_id = ? AND task_id = ?`),
      tasksOfRun: p<[string], TaskRecord>(`SELECT run_id, task_id, spec, state, attempts, max_attempts, worker_id FROM tasks WHERE run_id = ?`),
      abortedBy: p<[string, string, number], { decided_by: string | null }>(
        `SELECT decided_by FROM approvals WHERE status = 'aborted' AND run_id = ? AND task_id = ? AND attempt = ? LIMIT 1`),
      leaseToken: p<[string, string], { lease_token: string | null }>(`SELECT lease_token FROM tasks WHERE run_id = ? AND task_id = ?`),
      leasesOfRun: p<[string], { task_id: string; lease_token: string; attempts: number }>(
        `SELECT task_id, lease_token, attempts FROM tasks WHERE run_id = ? AND lease_token IS NOT NULL`),
      holdRun: p<[number, string, number]>(`UPDATE tasks SET held = ? WHERE run_id = ? AND enqueued_at IS NOT NULL AND held != ?`),
      // The leased index is in token order, which is random: reclaimed in queue order (as the inbox
      // did), so a pass writes a run's timeline the same way every time. It sorts the few it finds
      // (`+rowid`: a plain rowid order would have SQLite walk every task in rowid order instead).
      expired: p<[number], { run_id: string; task_id: string; attempts: number; worker_id: string; lease_token: string }>(
        `SELECT run_id, task_id, attempts, worker_id, lease_token FROM tasks WHERE lease_token IS NOT NULL AND lease_deadline < ? ORDER BY +rowid`),
      // Active attempts are those holding a lease; CROSS JOIN keeps SQLite walking the (few) leased
      // tasks rather than every attempt ever made. In queue order, as the reaper's.
      activeAttempts: p<[], { run_id: string; task_id: string; attempt: number; worker_id: string; lease_token: string; pid: number | null; pid_start: string | null; host_ref: string | null; owner_pid: number | null; workdir: string | null }>(
        `SELECT a.run_id, a.task_id, a.attempt, a.worker_id, a.lease_token, a.pid, a.pid_start, a.host_ref, a.owner_pid, a.workdir
         FROM tasks i CROSS JOIN attempts a ON a.run_id = i.run_id AND a.task_id = i.task_id AND a.attempt = i.attempts
         WHERE i.lease_token IS NOT NULL AND a.state IN (${LIVE_STATES_SQL}) ORDER BY +i.rowid`),
      lastAttempt: p<[string, string], { attempt: number; worker_id: string }>(
        `SELECT attempt, worker_id FROM attempts WHERE run_id = ? AND task_id = ? ORDER BY attempt DESC LIMIT 1`),
      // Back in the queue, with one more attempt than its policy allows: the person asked for it.
      reenqueue: p<[string, number, string | null, string | null, string, string]>(
        `UPDATE tasks SET state = 'queued', max_attempts = attempts + 1, enqueued_at = ?, ready_at = 0, held = ?, pool = ?, requires = ?,
           lease_token = NULL, lease_deadline = NULL
         WHERE run_id = ? AND task_id = ?`),
      pendingReceipt: p<[string, string, string, number]>(`UPDATE attempts SET pending_receipt = ? WHERE run_id = ? AND task_id = ? AND attempt = ?`),
      getPendingReceipt: p<[string, string, number], { pending_receipt: string | null }>(`SELECT pending_receipt FROM attempts WHERE run_id = ? AND task_id = ? AND attempt = ?`),
      forgiveAttempt: p<[string, string]>(`UPDATE tasks SET max_attempts = max_attempts + 1 WHERE run_id = ? AND task_id = ?`),
      reopenRun: p<[string, string]>(`UPDATE runs SET status = 'running', updated_at = ?, completed_at = NULL WHERE id = ?`),
      waitingOfPool: p<[string | null], { run_id: string; task_id: string; requires: string | null; unplaceable: string | null }>(
        `SELECT run_id, task_id, requires, unplaceable FROM tasks WHERE pool IS ? AND ${WAITING}`),
      setUnplaceable: p<[string | null, string, string]>(`UPDATE tasks SET unplaceable = ? WHERE run_id = ? AND task_id = ?`),
      readyNow: p<[string, string]>(`UPDATE tasks SET ready_at = 0 WHERE run_id = ? AND task_id = ? AND ${WAITING}`),
      runPool: p<[string], { worker_specs: string }>(`SELECT worker_specs FROM runs WHERE id = ?`),
      // Whether any task of a run asks for its own lease length (asked once per run per process).
      runLeaseOverride: p<[string], { one: number }>(
        `SELECT 1 AS one FROM tasks WHERE run_id = ? AND json_extract(spec, '$.metadata.lease_seconds') IS NOT NULL LIMIT 1`),
      receiptsOf: p<[string], { body: string }>(`SELECT body FROM receipts WHERE run_id = ? ORDER BY completed_at, task_id, attempt`),
      receiptsOfTask: p<[string, string], { body: string }>(`SELECT body FROM receipts WHERE run_id = ? AND task_id = ? ORDER BY attempt`),
      activeRuns: p<[], { id: string }>(`SELECT id FROM runs WHERE status IN (${ACTIVE_RUN_STATUSES_SQL})`),
      nextReady: p<[], { ready_at: number }>(`SELECT MIN(ready_at) AS ready_at FROM tasks WHERE held = 0 AND ${WAITING}`),
    };
    this.immediateTx = this.db.transaction((fn: () => unknown) => {
      this.inTx = true;
      this.events.beginDeferred();
      try {
        const value = fn();
        this.s.insertReceipts.run(this.receiptRows);
        this.events.endDeferred();
        this.applyRunDeltas();
        return value;
      } finally {
        this.inTx = false;
        this.receiptRows.length = 0;
      }
    }).immediate;
  }

  /** Runs fn in one IMMEDIATE transaction and publishes its events only once it has committed.
   *  Events and run counters touched by fn are written once per run at the end of the transaction,
   *  which is what lets a batch of leases or completions cost one row update per run. */
  tx<T>(fn: () => T): T {
    if (this.inTx) return fn();
    try {
      const result = this.immediateTx(fn) as T;
      this.events.flush();
      this.flushRunChanges();
      this.flushNotices();
      return result;
    } catch (error) {
      this.events.discard();
      this.runChanges.length = 0;
      this.notices.length = 0;
      this.runDeltas.clear();
      throw error;
    }
  }

  private inTx = false;
  /** The transaction body around every tx(fn), wrapped once: better-sqlite3 builds four wrapper
   *  functions for each db.transaction() call, which a commit per batch need not pay for. */
  private readonly immediateTx: (fn: () => unknown) => unknown;
  private readonly runListeners: RunStatusListener[] = [];
  /** Run status changes of the open transaction, told to the listeners once it has committed. */
  private readonly runChanges: RunStatusChange[] = [];

  /** Listens for run status changes (queued → running → completed, paused, cancelled, reopened),
   *  each told after its transaction committed; a rolled-back change is never told. */
  onRunStatus(listener: RunStatusListener): void {
    this.runListeners.push(listener);
  }

  /** Every write of a run's status goes through here, so a listener hears each real change. */
  private setRunStatus(status: string, now: string, completedAt: string | null, runId: string, reopen = false): void {
    const before = this.runListeners.length > 0 ? this.s.runStatusRow.get(runId) : undefined;
    if (reopen) this.s.reopenRun.run(now, runId);
    else this.s.setRunStatus.run(status, now, completedAt, runId);
    if (!before) return;
    // A cancelled run with agents still stopping keeps its status and only gains completed_at later.
    const finished = !reopen && completedAt !== null && before.completed_at === null;
    if (before.status !== status || finished) this.runChanges.push({ runId, status, previous: before.status, finished });
  }

  private flushRunChanges(): void {
    if (this.runChanges.length === 0) return;
    const changes = this.runChanges.splice(0);
    for (const c of changes) {
      for (const l of this.runListeners) {
        // The transaction has committed: a listener that fails (its own write on a busy store) must
        // not make the caller take a durable change for a failed one.
        try {
          l(c);
        } catch (e) {
          console.error(`[shoal] after run ${c.runId} became ${c.status}: ${(e as Error).message}`);
        }
      }
    }
  }
  /** Receipts of this transaction, inserted together at its end (see writeReceipt). */
  private readonly receiptRows: unknown[] = [];
  /** What a person should hear about (a run ended, a task waits for review), told after the commit. */
  private readonly notices: Notice[] = [];
  private readonly runDeltas = new Map<string, { passed: number; failed: number; review: number; cancelled: number; refresh: boolean }>();

  private delta(runId: string, field: 'passed' | 'failed' | 'review' | 'cancelled', n: number): void {
    const d = this.runDeltas.get(runId) ?? { passed: 0, failed: 0, review: 0, cancelled: 0, refresh: false };
    d[field] += n;
    this.runDeltas.set(runId, d);
  }

  /** Marks a run whose status must be re-derived from its counters at the end of the transaction. */
  private refreshRun(runId: string): void {
    const d = this.runDeltas.get(runId) ?? { passed: 0, failed: 0, review: 0, cancelled: 0, refresh: false };
    d.refresh = true;
    this.runDeltas.set(runId, d);
  }

  /** A run's status, read once per transaction (a batch of completions asks for each item). */
  private runStatusInTx(runId: string): string | undefined {
    if (!this.statusCache.has(runId)) this.statusCache.set(runId, this.s.runCounters.get(runId)?.status);
    return this.statusCache.get(runId);
  }

  private readonly statusCache = new Map<string, string | undefined>();

  private applyRunDeltas(): void {
    this.statusCache.clear();
    const now = nowIso();
    for (const [runId, d] of this.runDeltas) {
      if (d.passed || d.failed || d.review || d.cancelled) this.s.bumpCounters.run(d.passed, d.failed, d.review, d.cancelled, runId);
      if (d.refresh) this.deriveRunStatus(runId, now);
    }
    this.runDeltas.clear();
  }

  // ── Runs ─────────────────────────────────────────────────────────────────────────────────────

  /** Creates a run and enqueues all its tasks: pending → queued in one transaction. */
  createRun(run: NewRun): void {
    this.tx(() => {
      const now = nowIso();
      this.s.insertRun.run(run.id, run.name, JSON.stringify(run.labels), JSON.stringify(run.workerSpecs), run.workspace, run.createdAt, run.tasks.length);
      const drafts: EventDraft[] = [];
      const tasks: unknown[] = [];
      run.tasks.forEach((t, i) => {
        tasks.push(run.id, t.spec.id, i, t.spec.name, stringifyWire(t.spec), t.priority, retryNumbers(t.spec.retry_policy ?? undefined).maxAttempts, 'queued', t.unplaceable,
          now, t.requires.length > 0 ? JSON.stringify(t.requires) : null, t.pool);
        drafts.push({ taskId: t.spec.id, workerId: '', payload: { state: 'queued' } });
      });
      this.s.insertTasks.run(tasks);
      this.events.append(run.id, drafts);
      this.setRunStatus(run.tasks.length > 0 ? 'queued' : 'completed', now, run.tasks.length > 0 ? null : now, run.id);
    });
    this.rememberLeaseOverrides(run.id, run.tasks.some((t) => specLeaseMs((t.spec.metadata ?? {}) as Record<string, unknown>) !== null));
  }

  pauseRun(runId: string): boolean {
    return this.tx(() => {
      const c = this.s.runCounters.get(runId);
      if (!c || !['queued', 'running', 'pending'].includes(c.status)) return false;
      this.s.holdRun.run(1, runId, 1);
      this.setRunStatus('paused', nowIso(), null, runId);
      return true;
    });
  }

  resumeRun(runId: string): boolean {
    return this.tx(() => {
      const c = this.s.runCounters.get(runId);
      if (!c || c.status !== 'paused') return false;
      this.s.holdRun.run(0, runId, 0);
      const anyLeased = this.s.leasesOfRun.all(runId).length > 0;
      const started = c.tasks_passed + c.tasks_failed + c.tasks_cancelled + c.tasks_review > 0;
      this.setRunStatus(anyLeased || started ? 'running' : 'queued', nowIso(), null, runId);
      return true;
    });
  }

  /** Cancels everything not yet running at once; returns the leases the caller must stop (their
   *  agents get SIGTERM then SIGKILL, and finish() records them as cancelled). */
  cancelRun(runId: string, by: string): Array<Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'token'>> {
    return this.tx(() => {
      const c = this.s.runCounters.get(runId);
      if (!c || isIn(FINISHED_RUN_STATUSES, c.status)) return [];
      const now = nowIso();
      const running: Array<Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'token'>> = [];
      const drafts: EventDraft[] = [];
      const leasedTasks = new Set<string>();
      for (const row of this.s.leasesOfRun.all(runId)) {
        running.push({ runId, taskId: row.task_id, attempt: row.attempts, token: row.lease_token });
        leasedTasks.add(row.task_id);
      }
      for (const t of this.s.tasksOfRun.all(runId)) {
        if (TERMINAL.has(t.state) || leasedTasks.has(t.task_id)) continue;
        drafts.push(this.cancelWaiting(runId, t, by, now));
      }
      this.events.append(runId, drafts);
      this.setRunStatus('cancelled', now, running.length === 0 ? now : null, runId);
      return running;
    });
  }

  /** Cancels one task that waits (queued, backing off before a retry, or in review): it leaves the
   *  queue and ends cancelled, and its run ends once nothing else is left. False when it has ended
   *  already or an attempt of it holds a lease — that attempt is stopped instead, and its end
   *  records the cancel. */
  cancelWaitingTask(runId: string, taskId: string, by: string): boolean {
    return this.tx(() => {
      const t = this.s.task.get(runId, taskId);
      if (!t || TERMINAL.has(t.state) || this.s.leaseToken.get(runId, taskId)?.lease_token) return false;
      this.events.append(runId, [this.cancelWaiting(runId, t, by, nowIso())]);
      this.refreshRun(runId);
      return true;
    });
  }

  /** A task no attempt of which holds a lease ends cancelled (in the caller's transaction); returns
   *  its `cancelled` event for the caller to append with its others. */
  private cancelWaiting(runId: string, t: TaskRecord, by: string, now: string): EventDraft {
    this.s.cancelTask.run(now, runId, t.task_id);
    if (t.state === 'review') this.delta(runId, 'review', -1);
    this.delta(runId, 'cancelled', 1);
    return { taskId: t.task_id, workerId: t.worker_id ?? '', payload: { state: 'cancelled', cancelled_by: by }, attempt: t.attempts || undefined };
  }

  // ── Leases ───────────────────────────────────────────────────────────────────────────────────

  /** Leases the best ready task this worker can take: higher priority first, then oldest. */
  lease(worker: WorkerIdentity, nowMs: number, leaseMs: number): Lease | null {
    return this.leaseMany(worker, nowMs, leaseMs, 1)[0] ?? null;
  }

  /** Leases up to `max` tasks in one transaction (a worker with several free slots fills them at
   *  once: one commit instead of one per task). Each lease is durable before the call returns.
   *  `onlyRun`: tasks of that run only. */
  leaseMany(worker: WorkerIdentity, nowMs: number, leaseMs: number, max: number, onlyRun: string | null = null): Lease[] {
    if (max <= 0) return [];
    return this.tx(() => {
      const leases: Lease[] = [];
      const capabilities = JSON.stringify([...worker.capabilities]);
      // Inside this IMMEDIATE transaction no other process can take them first.
      const candidates = this.candidates(worker.pool, nowMs, capabilities, max, onlyRun);
      const now = nowIso(nowMs);
      const touchedRuns = new Set<string>();
      const attempts: unknown[] = [];
      for (const [seq, runId, taskId, taken] of candidates) {
        if (leases.length >= max) break;
        const token = newLeaseToken();
        const deadline = nowMs + this.leaseMsOf(runId, taskId, leaseMs);
        if (this.s.takeLease.run(token, deadline, worker.id, now, seq, taken).changes !== 1) continue;
        const attempt = taken + 1;
        attempts.push(runId, taskId, attempt, worker.id, token, 'leased', this.ownerPid, now);
        this.events.append(runId, [{ taskId, workerId: worker.id, attempt, timestamp: now, payload: { state: 'leased', lease_expires_at: nowIso(deadline) } }]);
        touchedRuns.add(runId);
        leases.push({ runId, taskId, attempt, token, queueSeq: seq, workerId: worker.id, pool: worker.pool, deadline, grantedAt: nowMs });
      }
      this.s.insertAttempts.run(attempts);
      for (const runId of touchedRuns) {
        const counters = this.s.runCounters.get(runId);
        if (counters && counters.status === 'queued') this.setRunStatus('running', now, null, runId);
      }
      return leases;
    });
  }

  /** The waiting tasks a worker of `pool` with `capabilities` could take now, best first. */
  private candidates(pool: string | null, nowMs: number, capabilities: string, max: number, onlyRun: string | null): QueueCandidate[] {
    if (onlyRun !== null) {
      return pool === null ? this.s.candidatesDefaultOfRun.all(nowMs, capabilities, onlyRun, max) : this.s.candidatesPoolOfRun.all(pool, nowMs, capabilities, onlyRun, max);
    }
    return pool === null ? this.s.candidatesDefault.all(nowMs, capabilities, max) : this.s.candidatesPool.all(pool, nowMs, capabilities, max);
  }

  /** The task's own lease length (its spec's `metadata.lease_seconds`), else the caller's default. */
  private leaseMsOf(runId: string, taskId: string, fallbackMs: number): number {
    let any = this.leaseOverrides.get(runId);
    if (any === undefined) any = this.rememberLeaseOverrides(runId, this.s.runLeaseOverride.get(runId) !== undefined);
    if (!any) return fallbackMs;
    return specLeaseMs(this.specOf(runId, taskId).spec.metadata as Record<string, unknown>) ?? fallbackMs;
  }

  private rememberLeaseOverrides(runId: string, any: boolean): boolean {
    if (this.leaseOverrides.size > 10_000) this.leaseOverrides.clear();
    this.leaseOverrides.set(runId, any);
    return any;
  }

  renew(lease: Lease, nowMs: number, leaseMs: number): void {
    const deadline = nowMs + this.leaseMsOf(lease.runId, lease.taskId, leaseMs);
    const r = this.s.renew.run(deadline, lease.runId, lease.taskId, lease.attempt, lease.token);
    if (r.changes !== 1) throw new LeaseLostError(lease);
    lease.deadline = deadline;
  }

  isCurrent(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'token'>): boolean {
    return this.s.fence.get(lease.runId, lease.taskId, lease.attempt, lease.token) !== undefined;
  }

  private assertCurrent(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'token'>): void {
    if (!this.isCurrent(lease)) throw new LeaseLostError(lease);
  }

  markStarting(lease: Lease, workdir: string | null, branch: string | null): void {
    this.tx(() => {
      this.assertCurrent(lease);
      this.s.attemptStarted.run(workdir, branch, lease.runId, lease.taskId, lease.attempt);
      this.s.setTaskState.run('starting', lease.runId, lease.taskId);
      this.events.append(lease.runId, [{ taskId: lease.taskId, workerId: lease.workerId, attempt: lease.attempt, payload: { state: 'starting' } }]);
    });
  }

  /** The agent runs: what the host driver started is recorded with the attempt before anything
   *  else, so recovery can find it (hosts/host-ref.ts). */
  markRunningOn(lease: Lease, ref: HostRef): void {
    this.tx(() => {
      this.assertCurrent(lease);
      const local = ref.kind === 'local' ? ref : null;
      // A remote agent ends its own work when its lease is lost: nothing to reap from here.
      this.s.attemptPid.run(local?.pid ?? null, local?.startTime ?? null, serializeHostRef(ref), ref.kind === 'agent' ? 0 : 1, lease.runId, lease.taskId, lease.attempt);
      this.s.setTaskState.run('running', lease.runId, lease.taskId);
      this.events.append(lease.runId, [{ taskId: lease.taskId, workerId: lease.workerId, attempt: lease.attempt, payload: { state: 'running' } }]);
    });
  }

  /** Progress events from a running attempt (model_wait, running_tool, heartbeat, artifact, running). */
  progress(lease: Lease, payloads: EventPayload[]): void {
    if (payloads.length === 0) return;
    this.tx(() => {
      this.assertCurrent(lease);
      let state: string | null = null;
      for (const p of payloads) if (p.state === 'model_wait' || p.state === 'running_tool' || p.state === 'running') state = p.state;
      if (state) this.s.setTaskState.run(state, lease.runId, lease.taskId);
      const artifacts = payloads.filter((p) => p.state === 'artifact') as WireArtifactRef[];
      if (artifacts.length > 0) this.artifacts.record(lease.runId, lease.taskId, lease.attempt, artifacts, nowIso());
      this.events.append(lease.runId, payloads.map((payload) => ({ taskId: lease.taskId, workerId: lease.workerId, attempt: lease.attempt, payload })));
    });
  }

  /** Records the end of an attempt: receipt, retry or final state, run status. Fenced. */
  finish(lease: Lease, outcome: AttemptOutcome, nowMs: number = Date.now()): void {
    this.tx(() => {
      if (!this.finishInTx(lease, outcome, nowMs)) throw new LeaseLostError(lease);
    });
  }

  /** Group commit: records many finished attempts in one transaction. Each is fenced on its own:
   *  a lost lease is reported for that item (LeaseLostError) and the others still commit. Nothing is
   *  acknowledged before the commit. */
  finishMany(items: ReadonlyArray<{ lease: Lease; outcome: AttemptOutcome; nowMs?: number }>): Array<Error | null> {
    return this.tx(() => items.map(({ lease, outcome, nowMs }) =>
      // A lost lease is found by the item's first write, before it wrote anything: no savepoint needed.
      this.finishInTx(lease, outcome, nowMs ?? Date.now()) ? null : new LeaseLostError(lease)));
  }

  /** Records a finished attempt. Its first write releases the lease, fenced by (task, attempt,
   *  token): false means the lease was lost and nothing was written. */
  private finishInTx(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'workerId' | 'token'>, outcome: AttemptOutcome, nowMs: number): boolean {
    const { runId, taskId, attempt, workerId } = lease;
    const now = nowIso(nowMs);
    const ev = (payload: EventPayload): EventDraft => ({ taskId, workerId, attempt, timestamp: now, payload });
    const drafts: EventDraft[] = [];
    const runCancelled = this.runStatusInTx(runId) === 'cancelled';
    if (outcome.kind === 'unreachable') {
      if (runCancelled) outcome = { kind: 'interrupted', signal: 'host-unreachable', ...workLeftOf(outcome) };
      else return this.giveBackUnreachable(lease, outcome.reason, nowMs, outcome.leftOn ?? null);
    }
    // A person aborted one of this attempt's tool calls, which cancels the task: however the attempt
    // then ended (stopped, failed, or cut short by a crash before the cancel was made), it is not retried.
    if (outcome.kind === 'interrupted' || (outcome.kind === 'scored' && outcome.result !== 'pass')) {
      const aborted = this.s.abortedBy.get(runId, taskId, attempt);
      if (aborted) outcome = { kind: 'cancelled', by: aborted.decided_by ?? 'you', receipt: { artifacts: [], score: null }, ...workLeftOf(outcome) };
    }
    const failed = outcome.kind === 'interrupted' || (outcome.kind === 'scored' && outcome.result !== 'pass');
    // The spec (retry policy) is read only for a failure: a pass costs no extra read.
    const retry = failed ? this.retryPlan(lease, runCancelled, nowMs) : null;
    if (!this.releaseLease(lease, taskAfter(outcome, retry, now))) return false;
    // The attempt's own end: its work ended with it, unless its host could not say so.
    const keep = outcome.workLeft ? 1 : 0;
    if (outcome.leftOn) this.workLeftOn(lease, outcome.leftOn);

    if (outcome.kind === 'interrupted') {
      this.s.attemptEnded.run('interrupted', now, null, null, `interrupted by ${outcome.signal}`, keep, runId, taskId, attempt);
      drafts.push(ev({ state: 'interrupted', signal: outcome.signal }));
      this.closeWithoutResult(lease, retry!, `interrupted by ${outcome.signal}`, drafts, now);
      this.afterFailure(lease, retry!, drafts, now);
    } else {
      const result = outcome.kind === 'scored' ? outcome.result : outcome.kind === 'cancelled' ? 'skip' : null;
      this.s.attemptEnded.run(outcome.kind === 'review' ? 'review' : 'ended', now, outcome.kind === 'cancelled' ? null : outcome.exitCode, result, outcome.kind === 'scored' ? (outcome.reason ?? null) : null, keep, runId, taskId, attempt);
      if (outcome.kind === 'cancelled') {
        this.writeReceipt(runId, taskId, attempt, workerId, now, 'skip', outcome.receipt);
        drafts.push(ev({ state: 'cancelled', cancelled_by: outcome.by }));
        this.delta(runId, 'cancelled', 1);
      } else if (outcome.kind === 'review') {
        drafts.push(ev(completedPayload(outcome.exitCode, outcome.summary ?? 'waiting for review')));
        this.notices.push({ kind: 'review', runId, taskId });
        this.delta(runId, 'review', 1);
        // The receipt is written when a person decides; keep its artifacts with the attempt meanwhile.
        this.s.pendingReceipt.run(stringifyWire(outcome.receipt), runId, taskId, attempt);
        this.artifacts.record(runId, taskId, attempt, outcome.receipt.artifacts ?? [], now);
      } else if (outcome.result === 'pass') {
        this.writeReceipt(runId, taskId, attempt, workerId, now, 'pass', outcome.receipt);
        drafts.push(ev(completedPayload(outcome.exitCode, outcome.summary)));
        this.delta(runId, 'passed', 1);
      } else {
        this.writeReceipt(runId, taskId, attempt, workerId, now, outcome.result, outcome.receipt);
        drafts.push(ev({ state: 'failed', reason: scoredFailure(outcome), recoverable: retry!.readyAt !== null }));
        this.afterFailure(lease, retry!, drafts, now);
      }
    }
    this.events.append(runId, drafts);
    this.refreshRun(runId);
    return true;
  }

  /** An attempt whose host could not be reached never ran: it does not count against the task's
   *  retries, and the task goes back to wait for a worker at once (the worker's own re-probe paces
   *  it, not a retry backoff). Fenced like every finish. */
  private giveBackUnreachable(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'workerId' | 'token'>, reason: string, nowMs: number,
    leftOn: HostRef | null): boolean {
    const { runId, taskId, attempt, workerId } = lease;
    if (!this.releaseLease(lease, { readyAt: nowMs, state: 'queued', lastError: reason })) return false;
    const now = nowIso(nowMs);
    this.s.forgiveAttempt.run(runId, taskId);
    this.specCache.delete(taskKey(runId, taskId));
    // It was never seen to start; what it may have started all the same (leftOn) keeps its reap marker.
    if (leftOn) this.workLeftOn(lease, leftOn);
    this.s.attemptEnded.run('lost', now, null, null, reason, leftOn ? 1 : 0, runId, taskId, attempt);
    this.events.append(runId, [{ taskId, workerId, attempt, timestamp: now, payload: { state: 'interrupted', signal: 'host-unreachable', reason } }]);
    this.refreshRun(runId);
    return true;
  }

  /** After a failed attempt: back into the queue after a backoff while attempts remain (and the run
   *  is not cancelled), else final. `readyAt` null means final. */
  private retryPlan(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt'>, runCancelled: boolean, nowMs: number): RetryPlan {
    const info = this.specOf(lease.runId, lease.taskId);
    if (runCancelled || lease.attempt >= info.maxAttempts) return { readyAt: null, runCancelled };
    return { readyAt: nowMs + backoffMs(retryNumbers(info.policy), lease.attempt), runCancelled };
  }

  /** Gives the lease back and leaves the task as `after` says: out of the queue in its new state, or
   *  waiting in it again until readyAt. Fenced: false when the lease is no longer this attempt's. */
  private releaseLease(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'token'>, after: TaskAfter): boolean {
    const fence = [lease.runId, lease.taskId, lease.attempt, lease.token] as const;
    const r = after.readyAt !== null ? this.s.releaseRetry.run(after.readyAt, after.state, after.lastError, ...fence)
      : after.state === 'review' ? this.s.releaseReview.run(...fence)
        : this.s.releaseDone.run(after.state, after.result, after.finishedAt, after.lastError, ...fence);
    return r.changes === 1;
  }

  /** The run's side of a failed attempt whose task was released per `retry` (see failureAfter). */
  private afterFailure(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'workerId'>, retry: RetryPlan, drafts: EventDraft[], now: string): void {
    const { runId, taskId, attempt, workerId } = lease;
    if (retry.runCancelled) this.delta(runId, 'cancelled', 1);
    else if (retry.readyAt !== null) drafts.push({ taskId, workerId, attempt, timestamp: now, payload: { state: 'restarted', restart_count: attempt } });
    else this.delta(runId, 'failed', 1);
  }

  /** An attempt that ended without a result of its own (interrupted, its worker gone stale): when it
   *  was the task's last, the task still gets its receipt and its final event. (In a cancelled run
   *  the task ends as the cancel records it.) */
  private closeWithoutResult(lease: Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'workerId'>, retry: RetryPlan,
    reason: string, drafts: EventDraft[], now: string): void {
    if (retry.readyAt !== null || retry.runCancelled) return;
    const { runId, taskId, attempt, workerId } = lease;
    this.writeReceipt(runId, taskId, attempt, workerId, now, 'fail', { artifacts: [], score: null });
    drafts.push({ taskId, workerId, attempt, timestamp: now, payload: { state: 'failed', reason, recoverable: false } });
  }

  private writeReceipt(runId: string, taskId: string, attempt: number, workerId: string, completedAt: string, result: FleetReceipt['result'],
    rest: ReceiptBody): void {
    const receipt = { run_id: runId, task_id: taskId, worker_id: workerId, completed_at: completedAt, result, artifacts: rest.artifacts ?? [], score: rest.score ?? null, ...(rest.usage ? { usage: rest.usage } : {}) };
    // Inserted at the end of the transaction, with its others. The primary key (run, task, attempt)
    // turns a duplicate into an error that rolls back the whole transaction: a task never gets two
    // receipts for one attempt.
    this.receiptRows.push(runId, taskId, attempt, workerId, completedAt, result, JSON.stringify(receipt));
    this.artifacts.record(runId, taskId, attempt, receipt.artifacts, completedAt);
  }

  /** A person's verdict on a task waiting in review. */
  decideReview(runId: string, taskId: string, pass: boolean, notes: string | undefined, by: string): boolean {
    return this.tx(() => {
      const t = this.s.task.get(runId, taskId);
      if (!t || t.state !== 'review') return false;
      const last = this.s.lastAttempt.get(runId, taskId);
      if (!last) return false;
      const now = nowIso();
      const pending = this.s.getPendingReceipt.get(runId, taskId, last.attempt)?.pending_receipt;
      const held = pending ? (JSON.parse(pending) as { artifacts?: unknown[]; usage?: AgentUsage }) : {};
      const score = { value: pass ? 1 : 0, max: 1, ...(notes ? { notes } : {}) };
      this.writeReceipt(runId, taskId, last.attempt, last.worker_id, now, pass ? 'pass' : 'fail', { artifacts: (held.artifacts ?? []) as FleetReceipt['artifacts'], score, ...(held.usage ? { usage: held.usage } : {}) });
      // A person's verdict says nothing about the host: a marker left by the attempt stays.
      this.s.attemptEnded.run('ended', now, null, pass ? 'pass' : 'fail', `reviewed by ${by}`, 1, runId, taskId, last.attempt);
      this.s.taskFinished.run(pass ? 'passed' : 'failed', pass ? 'pass' : 'fail', now, pass ? null : (notes ?? 'failed in review'), runId, taskId);
      this.delta(runId, 'review', -1);
      this.delta(runId, pass ? 'passed' : 'failed', 1);
      const payload: EventPayload = pass ? { state: 'completed', summary: `passed in review by ${by}` } : { state: 'failed', reason: notes ?? `failed in review by ${by}`, recoverable: false };
      this.events.append(runId, [{ taskId, workerId: last.worker_id, attempt: last.attempt, timestamp: now, payload }]);
      this.refreshRun(runId);
      return true;
    });
  }

  /** "Retry now": skip the backoff of a waiting task, or give a finished failed task one more attempt. */
  retryTask(runId: string, taskId: string): boolean {
    return this.tx(() => {
      const t = this.s.task.get(runId, taskId);
      if (!t) return false;
      if (t.state === 'retry_wait') return this.s.readyNow.run(runId, taskId).changes === 1;
      if (t.state !== 'failed' && t.state !== 'timeout' && t.state !== 'cancelled') return false;
      const pool = this.poolOf(runId);
      // In a paused run it waits with the others, held until the run is resumed.
      const paused = this.s.runCounters.get(runId)?.status === 'paused';
      // The task still needs what its spec requires (validated as a list of names when it was loaded).
      const requires = (this.specOf(runId, taskId).spec.metadata as { requires?: unknown } | undefined)?.requires;
      const now = nowIso();
      this.s.reenqueue.run(now, paused ? 1 : 0, pool, Array.isArray(requires) && requires.length > 0 ? JSON.stringify(requires) : null, runId, taskId);
      this.delta(runId, t.state === 'cancelled' ? 'cancelled' : 'failed', -1);
      this.specCache.delete(taskKey(runId, taskId));
      this.events.append(runId, [{ taskId, workerId: '', payload: { state: 'queued' } }]);
      if (!paused) this.setRunStatus('running', now, null, runId, true);
      return true;
    });
  }

  private poolOf(runId: string): string | null {
    const row = this.s.runPool.get(runId);
    const specs = row ? (JSON.parse(row.worker_specs) as unknown[]) : [];
    return specs.length > 0 ? runId : null;
  }

  // ── Stale leases and crash recovery ──────────────────────────────────────────────────────────

  /** Revokes leases whose deadline passed (their worker stopped renewing): a `stale` event, the
   *  attempt counted, the task retried per its policy. Returns what was revoked. */
  reapExpired(nowMs: number, lastHeartbeat: (workerId: string) => string | undefined): Array<{ runId: string; taskId: string; attempt: number; workerId: string }> {
    return this.tx(() => {
      const revoked = [];
      for (const row of this.s.expired.all(nowMs)) {
        const lease = { runId: row.run_id, taskId: row.task_id, attempt: row.attempts, workerId: row.worker_id, token: row.lease_token };
        const now = nowIso(nowMs);
        const retry = this.retryPlan(lease, this.s.runCounters.get(row.run_id)?.status === 'cancelled', nowMs);
        if (!this.releaseLease(lease, failureAfter(retry, STALE_REASON, 'failed', now))) continue;
        // Its work was not seen to end: the task is reclaimed, and the reap marker stays with the
        // attempt until a reap confirms it (the task is not held for a host that does not answer).
        this.s.attemptEnded.run('lost', now, null, null, 'lease expired: worker stopped renewing', 1, row.run_id, row.task_id, row.attempts);
        const hb = lastHeartbeat(row.worker_id);
        const drafts: EventDraft[] = [{ taskId: row.task_id, workerId: row.worker_id, attempt: row.attempts, timestamp: now, payload: hb ? { state: 'stale', last_heartbeat_at: hb } : { state: 'stale' } }];
        this.closeWithoutResult(lease, retry, STALE_REASON, drafts, now);
        this.afterFailure(lease, retry, drafts, now);
        this.events.append(row.run_id, drafts);
        this.refreshRun(row.run_id);
        revoked.push({ runId: lease.runId, taskId: lease.taskId, attempt: lease.attempt, workerId: lease.workerId });
      }
      return revoked;
    });
  }

  /** Shows the kept partial work of a lost attempt on its task: an `artifact` event naming the
   *  branch, recorded with the attempt's artifacts. Not fenced: the attempt's lease is already gone,
   *  and this records what happened to it, not work done under it. */
  recordPartial(a: { runId: string; taskId: string; attempt: number; workerId: string }, ref: WireArtifactRef & EventPayload): void {
    this.tx(() => {
      const now = nowIso();
      this.artifacts.record(a.runId, a.taskId, a.attempt, [ref], now);
      this.events.append(a.runId, [{ taskId: a.taskId, workerId: a.workerId, attempt: a.attempt, timestamp: now, payload: ref }]);
    });
  }

  /** Rewrites why the waiting tasks of a pool (null: the shared workers') cannot be placed now.
   *  `judge` gets a task's required capabilities and answers the note (null: placeable), or
   *  undefined to leave it as it is (no worker of the pool could ever take it: the spec said so).
   *  A new note is also a timeline event, so the wait shows where the task's history is read. */
  noteWaiting(pool: string | null, judge: (requires: string[]) => string | null | undefined): string[] {
    return this.tx(() => {
      const runs = new Set<string>();
      for (const row of this.s.waitingOfPool.all(pool)) {
        const note = judge(row.requires ? (JSON.parse(row.requires) as string[]) : []);
        if (note === undefined || note === row.unplaceable) continue;
        this.s.setUnplaceable.run(note, row.run_id, row.task_id);
        if (note !== null) this.events.append(row.run_id, [{ taskId: row.task_id, workerId: '', payload: { state: 'queued', unplaceable: note } }]);
        runs.add(row.run_id);
      }
      return [...runs];
    });
  }

  /** Attempts that were active when their owning process died. */
  orphanedAttempts(isAlive: (pid: number) => boolean): OrphanedAttempt[] {
    return this.s.activeAttempts.all()
      .filter((a) => a.owner_pid === null || (a.owner_pid !== this.ownerPid && !isAlive(a.owner_pid)))
      .map((a) => ({
        runId: a.run_id, taskId: a.task_id, attempt: a.attempt, workerId: a.worker_id, token: a.lease_token, pid: a.pid, pidStart: a.pid_start, workdir: a.workdir,
        hostRef: storedHostRef(a),
      }));
  }

  /** Whether the attempt holds its lease in another process on this store that is still alive (a
   *  second Shoal on the same data dir): its work is that process's, whatever this one knows. */
  heldElsewhere(a: AttemptKey, isAlive: (pid: number) => boolean): boolean {
    const owner = this.s.leaseOwner.get(a.runId, a.taskId, a.attempt)?.owner_pid ?? null;
    return owner !== null && owner !== this.ownerPid && isAlive(owner);
  }

  /** Attempts whose lease is gone while their work was never seen to end: the reaps Shoal owes.
   *  (Those still holding a lease are running, or recovery's when their owner died.) A ref this
   *  version cannot read is left for one that can. */
  owedReaps(): OwedReap[] {
    const owed: OwedReap[] = [];
    for (const a of this.s.owedReaps.all()) {
      const hostRef = storedHostRef(a);
      if (hostRef) owed.push({ runId: a.run_id, taskId: a.task_id, attempt: a.attempt, workerId: a.worker_id, hostRef });
    }
    return owed;
  }

  /** The attempt's work was seen to end (its exit, or a reap that ended it or found it gone):
   *  nothing is owed for it any more. Not fenced: it records a fact about the host, not work done
   *  under the lease, and holds also for an attempt whose lease was lost meanwhile. */
  workEnded(a: AttemptKey): void {
    this.s.workEnded.run(a.runId, a.taskId, a.attempt);
  }

  /** What the host may run for an attempt never seen to start (AttemptOutcome.leftOn), with its reap
   *  owed: within the outcome's transaction, or on its own when no outcome was recorded (its lease
   *  was lost meanwhile: the outcome's write was fenced off). Not fenced, as workEnded: it records a
   *  fact about the host. */
  workLeftOn(a: AttemptKey, ref: HostRef): void {
    this.s.attemptLeftOn.run(serializeHostRef(ref), a.runId, a.taskId, a.attempt);
  }

  /** A try to end the attempt's owed work failed (`error` names the host and the cause). */
  reapFailed(a: AttemptKey, error: string, nowMs = Date.now()): void {
    this.s.reapFailed.run(error, nowIso(nowMs), a.runId, a.taskId, a.attempt);
  }

  /** Whether Shoal still has to end the attempt's work (its marker is set). */
  reapPending(a: AttemptKey): boolean {
    return this.s.reapMarker.get(a.runId, a.taskId, a.attempt)?.reap_pending === 1;
  }

  /** A person takes an owed reap over: Shoal stops trying to end that work. False when it was not
   *  owed (already ended or forgotten, or the attempt still holds its lease). */
  forgetReap(a: AttemptKey): boolean {
    return this.s.forgetReap.run(a.runId, a.taskId, a.attempt).changes === 1;
  }

  /** Puts an orphaned attempt's task back after its agent was ended. Shoal's own crash is not the
   *  task's failure: the attempt does not count against its retry budget, and it is re-run now. */
  recoverAttempt(a: Pick<Lease, 'runId' | 'taskId' | 'attempt' | 'workerId' | 'token'>): void {
    this.tx(() => {
      this.s.workEnded.run(a.runId, a.taskId, a.attempt); // called only once its work is ended
      if (this.isCurrent(a)) {
        this.s.forgiveAttempt.run(a.runId, a.taskId);
        this.specCache.delete(taskKey(a.runId, a.taskId));
      }
      if (this.finishInTx(a, { kind: 'interrupted', signal: 'SIGKILL' }, Date.now())) {
        this.s.readyNow.run(a.runId, a.taskId); // no backoff: nothing was wrong with the task
        return;
      }
      // The task already moved on (finished, re-leased, or reclaimed when its lease ran out while
      // its host could not be reached): close the attempt record unless that already did.
      this.s.attemptLost.run(nowIso(), 'owner process died', a.runId, a.taskId, a.attempt);
    });
  }

  // ── Reads ────────────────────────────────────────────────────────────────────────────────────

  receipts(runId: string, taskId?: string): Record<string, unknown>[] {
    const rows = taskId ? this.s.receiptsOfTask.all(runId, taskId) : this.s.receiptsOf.all(runId);
    return rows.map((r) => JSON.parse(r.body) as Record<string, unknown>);
  }

  activeRunIds(): string[] {
    return this.s.activeRuns.all().map((r) => r.id);
  }

  runStatus(runId: string): string | null {
    return this.s.runCounters.get(runId)?.status ?? null;
  }

  /** Earliest time (ms) a waiting task becomes ready, for the scheduler's timer. */
  nextReadyAt(): number | null {
    return this.s.nextReady.get()?.ready_at ?? null;
  }

  taskSpec(runId: string, taskId: string): FleetTaskSpec {
    return this.specOf(runId, taskId).spec;
  }

  private specOf(runId: string, taskId: string): { spec: FleetTaskSpec; maxAttempts: number; policy: FleetRetryPolicy | undefined } {
    const key = taskKey(runId, taskId);
    let hit = this.specCache.get(key);
    if (!hit) {
      const t = this.s.task.get(runId, taskId);
      if (!t) throw new Error(`no task ${runId}/${taskId}`);
      const spec = JSON.parse(t.spec) as FleetTaskSpec;
      hit = { spec, policy: spec.retry_policy ?? undefined, maxAttempts: t.max_attempts };
      if (this.specCache.size > 10_000) this.specCache.clear();
      this.specCache.set(key, hit);
    }
    return hit;
  }

  /** Desktop notifications (Electron shows them; the headless UI uses the browser's). */
  private flushNotices(): void {
    if (this.notices.length === 0) return;
    const notices = this.notices.splice(0);
    if (!this.bus) return;
    const runOf = this.db.prepare<[string], { name: string; tasks_total: number; tasks_passed: number; tasks_failed: number }>('SELECT name, tasks_total, tasks_passed, tasks_failed FROM runs WHERE id = ?');
    const taskName = this.db.prepare<[string, string], { name: string }>('SELECT name FROM tasks WHERE run_id = ? AND task_id = ?');
    for (const n of notices) {
      const run = runOf.get(n.runId);
      if (!run) continue;
      const tasks = (k: number) => `${k} ${k === 1 ? 'task' : 'tasks'}`;
      if (n.kind === 'review') {
        const task = taskName.get(n.runId, n.taskId!)?.name ?? n.taskId!;
        this.bus.notify({ type: 'notify', title: 'Waiting for your review', body: `"${task}" in ${run.name} is done and needs you to pass or fail it.`, runId: n.runId, taskId: n.taskId });
      } else if (n.kind === 'completed') {
        this.bus.notify({ type: 'notify', title: `Run completed: ${run.name}`, body: `${tasks(run.tasks_passed)} passed.`, runId: n.runId });
      } else {
        this.bus.notify({ type: 'notify', title: `Run failed: ${run.name}`, body: `${run.tasks_failed} of ${tasks(run.tasks_total)} failed; ${run.tasks_passed} passed.`, runId: n.runId });
      }
    }
  }

  private deriveRunStatus(runId: string, now: string): void {
    const c = this.s.runCounters.get(runId);
    if (!c) return;
    const done = c.tasks_passed + c.tasks_failed + c.tasks_cancelled;
    if (c.status === 'cancelled') {
      if (done >= c.tasks_total) this.setRunStatus('cancelled', now, now, runId);
      return;
    }
    if (done >= c.tasks_total) {
      // Every task cancelled one by one is a cancelled run, as cancelling the run itself would be:
      // nothing in it completed.
      const allCancelled = c.tasks_total > 0 && c.tasks_cancelled >= c.tasks_total;
      if (allCancelled) {
        this.setRunStatus('cancelled', now, now, runId);
        return;
      }
      const status = c.tasks_failed > 0 ? 'failed' : 'completed';
      this.setRunStatus(status, now, now, runId);
      if (c.status !== status) this.notices.push({ kind: status, runId });
    } else if (c.status === 'queued') {
      this.setRunStatus('running', now, null, runId);
    }
  }
}

/** One change of a run's status; `finished` when the run reached its end (all its tasks settled). */
export interface RunStatusChange { runId: string; status: string; previous: string; finished: boolean }
export type RunStatusListener = (change: RunStatusChange) => void;

interface Notice { kind: 'completed' | 'failed' | 'review'; runId: string; taskId?: string }


/** What an outcome says about work its host may still run, carried over when finishInTx rewrites it. */
function workLeftOf(o: AttemptOutcome): Pick<AttemptOutcome, 'workLeft' | 'leftOn'> {
  return { ...(o.workLeft ? { workLeft: true } : {}), ...(o.leftOn ? { leftOn: o.leftOn } : {}) };
}

function completedPayload(exitCode: number | null, summary: string | undefined): EventPayload {
  const p: EventPayload = { state: 'completed' };
  if (exitCode !== null) p.exit_code = exitCode;
  if (summary) p.summary = summary;
  return p;
}
