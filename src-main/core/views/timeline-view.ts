// The run timeline as bars: one per task attempt, on the lane of the worker that leased it, from
// the lease to the attempt's end, with the states it spent its time in; plus how many tasks waited
// for a worker over time. Computed here from the worker events so a run of 100,000 events reaches
// the renderer as a few thousand bars.
//
// Folding is incremental: each run's fold is kept (a few runs, least recently used dropped) with
// the last seq it has seen, and a request only reads the events after it. Seqs are gap-free per run
// (event-log.ts), so a fold built by this process also sees what another process (the CLI) wrote.
import { BAR_STATES, type BarOutcome, type BarState, type Timeline, type TimelineBar } from '../../../src-shared/contract';
import type { Store } from '../store/open';
import { ATTEMPT_END_EVENTS, isIn } from '../../../src-shared/protocol/event-states';

interface EventRow { seq: number; task_id: string; worker_id: string; timestamp: string; state: string; attempt: number | null; body: string | null }
interface Bar extends TimelineBar { seq: number }
interface QueuePoint { t: number; depth: number; seq: number }

const STATE_INDEX = new Map<BarState, number>(BAR_STATES.map((s, i) => [s, i]));
/** Worker event states that change what an attempt is doing; `starting` is still the lease's setup. */
const ACTIVE: Record<string, BarState> = { leased: 'leased', starting: 'leased', running: 'running', model_wait: 'model_wait', running_tool: 'running_tool' };
/** An agent that flips between model and tool thousands of times keeps its first segments only. */
const MAX_SEG_PAIRS = 1000;
const BATCH = 20_000;
const CACHED_RUNS = 6;

class RunFold {
  lastSeq = 0;
  readonly bars = new Map<string, Bar>();
  readonly open = new Map<string, Bar>();
  readonly waiting = new Set<string>();
  readonly queue: QueuePoint[] = [];
  private depth = 0;

  apply(e: EventRow): void {
    this.lastSeq = e.seq;
    const t = Date.parse(e.timestamp);
    const active = ACTIVE[e.state];
    if (e.state === 'queued' || e.state === 'restarted') {
      this.wait(e.task_id, t, e.seq);
    } else if (e.state === 'leased') {
      this.unwait(e.task_id, t, e.seq);
      const previous = this.open.get(e.task_id);
      if (previous) this.close(previous, t, 'failed', 'superseded by a new lease', e.seq);
      const attempt = e.attempt ?? (previous ? previous.attempt + 1 : 1);
      const bar: Bar = { taskId: e.task_id, attempt, workerId: e.worker_id, start: t, end: null, outcome: null, detail: null, segs: [t, STATE_INDEX.get('leased')!], seq: e.seq };
      this.bars.set(key(e.task_id, attempt), bar);
      this.open.set(e.task_id, bar);
    } else if (active) {
      const bar = this.open.get(e.task_id);
      if (!bar) return;
      const code = STATE_INDEX.get(active)!;
      if (bar.segs[bar.segs.length - 1] !== code && bar.segs.length < MAX_SEG_PAIRS * 2) bar.segs.push(t, code);
      bar.seq = e.seq;
    } else if (isIn(ATTEMPT_END_EVENTS, e.state)) {
      this.terminal(e, t);
    }
  }

  private terminal(e: EventRow, t: number): void {
    const open = this.open.get(e.task_id);
    if (!open && this.waiting.has(e.task_id)) {
      // A task cancelled (or failed) while it waited for a worker leaves the queue; its last bar
      // (if it had one) keeps the outcome it ended with.
      this.unwait(e.task_id, t, e.seq);
      return;
    }
    const body = e.body ? (JSON.parse(e.body) as Record<string, unknown>) : {};
    const bar = open && (e.attempt === null || open.attempt === e.attempt) ? open : e.attempt !== null ? this.bars.get(key(e.task_id, e.attempt)) : undefined;
    let outcome: BarOutcome;
    let detail: string | null;
    switch (e.state) {
      case 'completed':
        outcome = 'passed';
        detail = typeof body.summary === 'string' ? body.summary : null;
        break;
      case 'failed': {
        const reason = typeof body.reason === 'string' ? body.reason : 'failed';
        outcome = reason.startsWith('timed out') ? 'timeout' : 'failed';
        detail = reason;
        break;
      }
      case 'cancelled':
        outcome = 'cancelled';
        detail = typeof body.cancelled_by === 'string' ? `cancelled by ${body.cancelled_by}` : 'cancelled';
        break;
      case 'interrupted':
        outcome = 'failed';
        detail = `interrupted${typeof body.signal === 'string' ? ` by ${body.signal}` : ''}`;
        break;
      default:
        outcome = 'failed';
        detail = 'the worker went stale (its lease expired)';
    }
    if (!bar) return;
    if (bar.end === null) this.close(bar, t, outcome, detail, e.seq);
    else {
      // A later verdict on an attempt that already ended: a person's review decision.
      bar.outcome = outcome;
      bar.detail = detail;
      bar.seq = e.seq;
    }
  }

  private close(bar: Bar, t: number, outcome: BarOutcome, detail: string | null, seq: number): void {
    bar.end = Math.max(t, bar.start);
    bar.outcome = outcome;
    bar.detail = detail;
    bar.seq = seq;
    if (this.open.get(bar.taskId) === bar) this.open.delete(bar.taskId);
  }

  private wait(taskId: string, t: number, seq: number): void {
    if (this.waiting.has(taskId)) return;
    this.waiting.add(taskId);
    this.point(t, this.depth + 1, seq);
  }

  private unwait(taskId: string, t: number, seq: number): void {
    if (!this.waiting.delete(taskId)) return;
    this.point(t, this.depth - 1, seq);
  }

  /** Every change is kept, even several in one millisecond, so the peak is never lost; the
   *  canvas collapses steps narrower than a pixel. */
  private point(t: number, depth: number, seq: number): void {
    this.depth = depth;
    this.queue.push({ t, depth, seq });
  }
}

function key(taskId: string, attempt: number): string {
  return `${taskId}\u0000${attempt}`;
}

export class TimelineView {
  private readonly folds = new Map<string, RunFold>();
  private readonly eventsAfter;
  private readonly reviewTasks;
  private readonly workerNames;

  constructor(store: Store) {
    // Bodies are read only for the few events whose details a bar shows (reason, summary).
    this.eventsAfter = store.db.prepare<[string, number, number], EventRow>(
      `SELECT seq, task_id, worker_id, timestamp, state, attempt,
              CASE WHEN state IN (${ATTEMPT_END_EVENTS.map((s) => `'${s}'`).join(', ')}) THEN body END AS body
       FROM worker_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`);
    this.reviewTasks = store.db.prepare<[string], { task_id: string; attempts: number }>(`SELECT task_id, attempts FROM tasks WHERE run_id = ? AND state = 'review'`);
    this.workerNames = store.db.prepare<[], { id: string; name: string }>('SELECT id, name FROM workers');
  }

  /** The whole timeline (afterSeq 0) or what changed after afterSeq. */
  timeline(runId: string, afterSeq = 0): Timeline {
    const fold = this.fold(runId);
    const full = afterSeq <= 0;
    const review = new Set(this.reviewTasks.all(runId).map((r) => key(r.task_id, r.attempts)));
    const bars: TimelineBar[] = [];
    const laneIds = new Set<string>();
    for (const [k, bar] of fold.bars) {
      laneIds.add(bar.workerId);
      if (!full && bar.seq <= afterSeq) continue;
      const { seq: _seq, ...out } = bar;
      // A manual-review attempt ends like a pass; the task row says it is waiting for a person.
      bars.push(review.has(k) && bar.end !== null ? { ...out, outcome: 'review', detail: 'waiting for review' } : out);
    }
    bars.sort((a, b) => a.start - b.start);
    const queue: number[] = [];
    for (const p of fold.queue) if (full || p.seq > afterSeq) queue.push(p.t, p.depth);
    const names = new Map(this.workerNames.all().map((w) => [w.id, w.name]));
    return {
      runId, lastSeq: fold.lastSeq, full,
      lanes: [...laneIds].map((id) => ({ id, name: names.get(id) ?? id })),
      bars, queue, now: Date.now(),
    };
  }

  private fold(runId: string): RunFold {
    let fold = this.folds.get(runId);
    if (fold) this.folds.delete(runId); // re-inserted below: the map's order is recency
    else fold = new RunFold();
    for (;;) {
      const rows = this.eventsAfter.all(runId, fold.lastSeq, BATCH);
      for (const row of rows) fold.apply(row);
      if (rows.length < BATCH) break;
    }
    this.folds.set(runId, fold);
    if (this.folds.size > CACHED_RUNS) this.folds.delete(this.folds.keys().next().value!);
    return fold;
  }
}
