// The worker-event timeline. Seqs are allocated from runs.last_seq inside the caller's transaction,
// so they are strictly increasing per run without gaps even across processes and crashes: a
// rolled-back transaction gives its seqs back. Events are persisted before anyone is told.
import { BatchInsert } from '../store/batch-insert';
import type { Store } from '../store/open';
import type { EventBus } from '../bus';
import { nowIso } from './ids';

import type { EventPayload } from '../../../src-shared/protocol/event-states';

/** A payload as the reference implementation's FleetWorkerEventPayload serializes it: `{state, ...fields}`,
 *  its state one of the wire enum's (typed once, in src-shared/protocol/event-states.ts). */
export type { EventPayload };

export interface EventDraft {
  taskId: string;
  workerId: string;
  payload: EventPayload;
  attempt?: number;
  timestamp?: string;
}

/** Sees every batch of events as it is written, inside the writing transaction (alerts use it to
 *  write their outbox atomically with the event that caused them). A tap may append events itself. */
export type EventTap = (runId: string, drafts: readonly EventDraft[]) => void;

/** Sees every batch of events once the transaction that wrote it has committed, never a batch that
 *  was rolled back (hooks use it: a hook must not announce what the store does not hold). */
export type CommittedListener = (runId: string, drafts: readonly EventDraft[]) => void;

export class EventLog {
  private readonly taps: EventTap[] = [];
  private readonly bumpSeq;
  private readonly insert;
  private readonly pageAll;
  private readonly pageTask;
  private readonly lastSeqOf;
  private pendingPush = new Map<string, Record<string, unknown>[]>();
  private readonly committedListeners: CommittedListener[] = [];
  /** Batches written in the open transaction, for the committed listeners. */
  private pendingCommitted: Array<[string, readonly EventDraft[]]> = [];

  constructor(private readonly store: Store, private readonly bus: EventBus | null) {
    this.bumpSeq = store.db.prepare<[number, string], { last_seq: number }>('UPDATE runs SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq');
    this.insert = new BatchInsert(store.db, 'INSERT INTO worker_events (run_id, seq, task_id, worker_id, timestamp, state, attempt, body)', 8);
    this.pageAll = store.db.prepare<[string, number, number], EventRow>(
      'SELECT seq, task_id, worker_id, timestamp, state, body FROM worker_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.pageTask = store.db.prepare<[string, string, number, number], EventRow>(
      'SELECT seq, task_id, worker_id, timestamp, state, body FROM worker_events WHERE run_id = ? AND task_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.lastSeqOf = store.db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM runs WHERE id = ?');
  }

  private deferred: Map<string, EventDraft[]> | null = null;

  addTap(tap: EventTap): void {
    this.taps.push(tap);
  }

  /** Listens for batches after their transaction committed (see flush); never inside it. */
  onCommitted(listener: CommittedListener): void {
    this.committedListeners.push(listener);
  }

  /** Within a transaction, collect appends and write them at its end: one seq allocation per run
   *  per transaction instead of one per event (see FleetStore.tx). */
  beginDeferred(): void {
    this.deferred = new Map();
  }

  /** Writes the collected events (still inside the transaction) and stops deferring. */
  endDeferred(): void {
    const batches = this.deferred;
    this.deferred = null;
    if (batches) for (const [runId, drafts] of batches) this.write(runId, drafts);
  }

  /** Appends events to one run. Must be called inside a transaction that also makes the state change
   *  the events describe; the live push happens only after that transaction commits (see flush). */
  append(runId: string, drafts: readonly EventDraft[]): void {
    if (drafts.length === 0) return;
    if (this.deferred) {
      const list = this.deferred.get(runId);
      if (list) list.push(...drafts);
      else this.deferred.set(runId, [...drafts]);
      return;
    }
    this.write(runId, drafts);
  }

  private write(runId: string, drafts: readonly EventDraft[]): void {
    const row = this.bumpSeq.get(drafts.length, runId);
    if (!row) throw new Error(`run ${runId} does not exist`);
    let seq = row.last_seq - drafts.length;
    // Events for the live stream are built only while a window or socket listens (a headless
    // `shoal run` has none); the stored rows are all anyone else reads.
    const live = (this.bus?.size ?? 0) > 0;
    const written: Record<string, unknown>[] = [];
    const rows: unknown[] = [];
    for (const d of drafts) {
      seq += 1;
      const timestamp = d.timestamp ?? nowIso();
      const { state, ...fields } = d.payload;
      // A payload's own extra (a tool call's phase and approval details) keeps its keys beside attempt.
      if (d.attempt !== undefined) fields.extra = { ...(fields.extra as Record<string, unknown> | undefined), attempt: d.attempt };
      // The body is the event less the envelope its columns hold (a fifth of the bytes: fewer pages
      // written per commit). Native JSON: every value here is one Shoal made (no bigint, no float
      // literal); the reference implementation's exact spelling (`1.0` for an f32) is applied where events leave Shoal.
      rows.push(runId, seq, d.taskId, d.workerId, timestamp, state, d.attempt ?? null, JSON.stringify(fields));
      if (live) written.push({ seq, run_id: runId, worker_id: d.workerId, task_id: d.taskId, timestamp, state, ...fields });
    }
    this.insert.run(rows);
    for (const tap of this.taps) tap(runId, drafts);
    if (this.committedListeners.length > 0) this.pendingCommitted.push([runId, drafts]);
    if (written.length === 0) return;
    const list = this.pendingPush.get(runId);
    if (!list) this.pendingPush.set(runId, written);
    else for (const e of written) list.push(e);
  }

  /** Hands committed events to the live stream. Call after the transaction commits. */
  flush(): void {
    if (this.pendingCommitted.length > 0) {
      const batches = this.pendingCommitted;
      this.pendingCommitted = [];
      for (const [runId, drafts] of batches) for (const l of this.committedListeners) l(runId, drafts);
    }
    if (this.pendingPush.size === 0) return;
    if (this.bus) for (const [runId, events] of this.pendingPush) this.bus.workerEvents(runId, events);
    this.pendingPush.clear();
  }

  /** Forget events of a rolled-back transaction. */
  discard(): void {
    this.deferred = null;
    this.pendingPush.clear();
    this.pendingCommitted = [];
  }

  page(runId: string, afterSeq: number, limit: number, taskId?: string): Record<string, unknown>[] {
    const rows = taskId ? this.pageTask.all(runId, taskId, afterSeq, limit) : this.pageAll.all(runId, afterSeq, limit);
    return rows.map((r) => eventOf(runId, r));
  }

  lastSeq(runId: string): number {
    return this.lastSeqOf.get(runId)?.last_seq ?? 0;
  }
}

interface EventRow { seq: number; task_id: string; worker_id: string; timestamp: string; state: string; body: string }

/** The FleetWorkerEvent a row stores: its envelope columns, then the body's fields. */
function eventOf(runId: string, r: EventRow): Record<string, unknown> {
  const fields = JSON.parse(r.body) as Record<string, unknown>;
  // Rows written before bodies left out the envelope hold the whole event.
  if ('seq' in fields) return fields;
  return { seq: r.seq, run_id: runId, worker_id: r.worker_id, task_id: r.task_id, timestamp: r.timestamp, state: r.state, ...fields };
}
