// The scheduler's floor: the rows a scheduler round records (task rows and their `queued` events at
// launch; per batch of slots, the leases on the task rows, the attempt rows and `leased` events, then
// the released tasks, the ended attempts, the receipts and `completed` events), written by the
// plainest code that can write them: prepared statements on Shoal's own schema and pragmas, multi-row
// INSERTs, one transaction per batch, no fencing reads, no run counters, no engine. No scheduler that
// keeps these records can be faster on this machine, so `scheduler_vs_sql_floor` says how much of a
// round is Shoal's own doing, and `sql_floor_vs_plainjob` what the records alone allow against plainjob.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { openStore } from '../../core/store/open';
import { BatchInsert } from '../../core/store/batch-insert';

/** One round of `n` tasks through `slots` slots; `inspect` sees the database before it is removed. */
export async function sqlFloorTasksPerSecond(n: number, slots: number, inspect?: (db: Database.Database) => void): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-floor-'));
  const store = openStore(path.join(dir, 's.db'), { backgroundCheckpoints: true });
  try {
    const w = new FloorWriter(store.db, 'floor');
    const t0 = performance.now();
    w.launch(n);
    let leased = w.batch([], slots);
    while (leased.length > 0) leased = w.batch(leased, slots);
    const perSecond = n / ((performance.now() - t0) / 1000);
    inspect?.(store.db);
    return perSecond;
  } finally {
    store.close();
    await store.whenClosed();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Held { taskId: string; attempt: number; token: string }

class FloorWriter {
  private readonly insertTasks: BatchInsert;
  private readonly insertEvents: BatchInsert;
  private readonly insertAttempts: BatchInsert;
  private readonly insertReceipts: BatchInsert;
  private readonly nextSeqs: Database.Statement<[number, string], { last_seq: number }>;
  private readonly candidates: Database.Statement<[number]>;
  private readonly take: Database.Statement<[string, number, string, number]>;
  private readonly release: Database.Statement<[string, string, string]>;
  private readonly endAttempt: Database.Statement<[string, string, string, number]>;
  private readonly inBatch: Database.Transaction<(done: readonly Held[], slots: number) => Held[]>;

  constructor(private readonly db: Database.Database, private readonly runId: string) {
    this.insertTasks = new BatchInsert(db, 'INSERT INTO tasks (run_id, task_id, ordinal, name, spec, state, enqueued_at)', 7);
    this.insertEvents = new BatchInsert(db, 'INSERT INTO worker_events (run_id, seq, task_id, worker_id, timestamp, state, attempt, body)', 8);
    this.insertAttempts = new BatchInsert(db, 'INSERT INTO attempts (run_id, task_id, attempt, worker_id, lease_token, state, owner_pid, started_at)', 8);
    this.insertReceipts = new BatchInsert(db, 'INSERT INTO receipts (run_id, task_id, attempt, worker_id, completed_at, result, body)', 7);
    this.nextSeqs = db.prepare('UPDATE runs SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq');
    this.candidates = db.prepare(`SELECT rowid, task_id, attempts FROM tasks INDEXED BY tasks_waiting_idx
      WHERE pool IS NULL AND held = 0 AND enqueued_at IS NOT NULL AND lease_token IS NULL ORDER BY priority DESC, enqueued_at, ordinal LIMIT ?`).raw(true);
    this.take = db.prepare(`UPDATE tasks SET lease_token = ?, lease_deadline = ?, worker_id = 'local', attempts = attempts + 1, state = 'leased', started_at = ? WHERE rowid = ?`);
    this.release = db.prepare(`UPDATE tasks SET lease_token = NULL, lease_deadline = NULL, enqueued_at = NULL, state = 'passed', result = 'pass', finished_at = ?
      WHERE run_id = ? AND task_id = ?`);
    this.endAttempt = db.prepare(`UPDATE attempts SET state = 'ended', ended_at = ?, exit_code = 0, result = 'pass' WHERE run_id = ? AND task_id = ? AND attempt = ?`);
    this.inBatch = db.transaction((done: readonly Held[], slots: number) => this.finishAndLease(done, slots));
  }

  launch(n: number): void {
    this.db.transaction(() => {
      const now = new Date().toISOString();
      this.db.prepare(`INSERT INTO runs (id, name, labels, worker_specs, status, created_at, updated_at, tasks_total) VALUES (?, ?, '{}', '[]', 'queued', ?, ?, ?)`)
        .run(this.runId, this.runId, now, now, n);
      const tasks: unknown[] = [];
      const events: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const id = `t${i}`;
        tasks.push(this.runId, id, i, id, JSON.stringify({ id, name: id, instructions: 'true', expected_artifacts: [], timeout_seconds: null, metadata: {} }), 'queued', now);
        events.push(id, '', now, 'queued', null, '{}');
      }
      this.insertTasks.run(tasks);
      this.events(events);
    }).immediate();
  }

  /** Records `done` as passed and leases up to `slots` more, in one transaction (the group commit). */
  batch(done: readonly Held[], slots: number): Held[] {
    return this.inBatch.immediate(done, slots);
  }

  private finishAndLease(done: readonly Held[], slots: number): Held[] {
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const events: unknown[] = [];
    const receipts: unknown[] = [];
    for (const h of done) {
      this.release.run(now, this.runId, h.taskId);
      this.endAttempt.run(now, this.runId, h.taskId, h.attempt);
      receipts.push(this.runId, h.taskId, h.attempt, 'local', now, 'pass',
        JSON.stringify({ run_id: this.runId, task_id: h.taskId, worker_id: 'local', completed_at: now, result: 'pass', artifacts: [], score: null }));
      events.push(h.taskId, 'local', now, 'completed', h.attempt, '{"exit_code":0}');
    }
    this.insertReceipts.run(receipts);
    const attempts: unknown[] = [];
    const held: Held[] = [];
    const deadline = nowMs + 30_000;
    for (const [rowid, taskId, taken] of this.candidates.all(slots) as Array<[number, string, number]>) {
      const token = Math.random().toString(36).slice(2);
      this.take.run(token, deadline, now, rowid);
      attempts.push(this.runId, taskId, taken + 1, 'local', token, 'leased', process.pid, now);
      events.push(taskId, 'local', now, 'leased', taken + 1, JSON.stringify({ lease_expires_at: new Date(deadline).toISOString() }));
      held.push({ taskId, attempt: taken + 1, token });
    }
    this.insertAttempts.run(attempts);
    this.events(events);
    return held;
  }

  /** Appends events given as (task, worker, time, state, attempt, body) sixes, numbered from the run's seq. */
  private events(sixes: unknown[]): void {
    const count = sixes.length / 6;
    if (count === 0) return;
    let seq = this.nextSeqs.get(count, this.runId)!.last_seq - count;
    const rows: unknown[] = [];
    for (let i = 0; i < sixes.length; i += 6) rows.push(this.runId, ++seq, ...sixes.slice(i, i + 6));
    this.insertEvents.run(rows);
  }
}
