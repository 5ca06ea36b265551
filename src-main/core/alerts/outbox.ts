// The durable alert outbox (table alert_deliveries). Rows are inserted inside the transaction of the
// fleet event that caused them (see alert-rules.ts), claimed by a delivery worker before each send
// and settled after it. A claim is a lease on the row (next_attempt_at moved past the send's timeout):
// if the process dies mid-send, the row comes due again and is re-sent with the same delivery id, so
// delivery is at least once and a receiver can drop the duplicate by X-Shoal-Delivery.
import crypto from 'node:crypto';
import type { Store } from '../store/open';

export const DELIVERY_STATES = ['pending', 'retrying', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type AlertAction = 'trigger' | 'resolve' | 'test';
export type AlertRule = 'attempts' | 'stale' | 'failed' | 'approval' | 'resolved' | 'approval_answered' | 'test';

/** What an alert is about: the same for the rule that raises it and every delivery it becomes. */
export interface AlertSubject {
  alertKey: string;
  dedupKey: string;
  action: AlertAction;
  rule: AlertRule;
  runId: string | null;
  taskId: string | null;
  attempt: number | null;
  reason: string;
}

export interface NewDelivery extends AlertSubject {
  channelIndex: number;
  /** The channel config with its secret fields sealed. */
  channel: Record<string, unknown> & { kind: string };
}

export interface DeliveryRow {
  id: string;
  alert_key: string;
  dedup_key: string;
  action: AlertAction;
  rule: AlertRule;
  run_id: string | null;
  task_id: string | null;
  attempt: number | null;
  reason: string;
  channel_index: number;
  channel_kind: string;
  channel: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

/** A resolve waits while its channel's trigger of the same alert is still to be sent: sent first, it
 *  would close nothing, and the trigger arriving after it would open an incident nobody resolves. */
const NOT_BEHIND_TRIGGER = `NOT (d.action = 'resolve' AND EXISTS (SELECT 1 FROM alert_deliveries t WHERE t.run_id = d.run_id AND t.task_id = d.task_id
  AND t.action = 'trigger' AND t.dedup_key = d.dedup_key AND t.channel_index = d.channel_index AND t.state IN ('pending', 'retrying')))`;

const COLUMNS = 'id, alert_key, dedup_key, action, rule, run_id, task_id, attempt, reason, channel_index, channel_kind, channel, state, attempts, next_attempt_at, last_error, created_at, updated_at, delivered_at';

export class AlertOutbox {
  private readonly s;

  constructor(store: Store) {
    const p = <P extends unknown[], R = unknown>(sql: string) => store.db.prepare<P, R>(sql);
    this.s = {
      // OR IGNORE on (alert_key, channel_index, action): an alert fires once, however often its
      // condition is seen again (each retry of a failing task).
      insert: p<[string, string, string, string, string, string | null, string | null, number | null, string, number, string, string, number, string, string]>(
        `INSERT OR IGNORE INTO alert_deliveries (id, alert_key, dedup_key, action, rule, run_id, task_id, attempt, reason, channel_index, channel_kind, channel, state, attempts, next_attempt_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`),
      due: p<[number, number], DeliveryRow>(`SELECT ${COLUMNS} FROM alert_deliveries d WHERE state IN ('pending', 'retrying') AND next_attempt_at <= ? AND ${NOT_BEHIND_TRIGGER} ORDER BY next_attempt_at, id LIMIT ?`),
      nextDue: p<[], { at: number | null }>(`SELECT MIN(next_attempt_at) AS at FROM alert_deliveries d WHERE state IN ('pending', 'retrying') AND ${NOT_BEHIND_TRIGGER}`),
      claim: p<[number, string, string, number]>(
        `UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ? WHERE id = ? AND next_attempt_at = ? AND state IN ('pending', 'retrying')`),
      delivered: p<[string, string, string]>(`UPDATE alert_deliveries SET state = 'delivered', delivered_at = ?, updated_at = ?, last_error = NULL WHERE id = ?`),
      // A send that fails settles only a row still unsettled: one cancelled meanwhile (its channel was
      // removed) stays cancelled, and a delivered one is the truth whatever happened meanwhile.
      retry: p<[number, string, string, string]>(`UPDATE alert_deliveries SET state = 'retrying', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND state IN ('pending', 'retrying')`),
      failed: p<[string, string, string]>(`UPDATE alert_deliveries SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ? AND state IN ('pending', 'retrying')`),
      again: p<[number, string, string]>(`UPDATE alert_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state IN ('failed', 'delivered', 'retrying', 'pending')`),
      get: p<[string], DeliveryRow>(`SELECT ${COLUMNS} FROM alert_deliveries WHERE id = ?`),
      list: p<[number], DeliveryRow>(`SELECT ${COLUMNS} FROM alert_deliveries ORDER BY created_at DESC, id LIMIT ?`),
      listRun: p<[string, number], DeliveryRow>(`SELECT ${COLUMNS} FROM alert_deliveries WHERE run_id = ? ORDER BY created_at DESC, id LIMIT ?`),
      listTask: p<[string, string, number], DeliveryRow>(`SELECT ${COLUMNS} FROM alert_deliveries WHERE run_id = ? AND task_id = ? ORDER BY created_at DESC, id LIMIT ?`),
      triggersOfTask: p<[string, string], DeliveryRow>(`SELECT ${COLUMNS} FROM alert_deliveries WHERE run_id = ? AND task_id = ? AND action = 'trigger' ORDER BY channel_index`),
      anyTrigger: p<[string, string], { one: number }>(`SELECT 1 AS one FROM alert_deliveries WHERE run_id = ? AND task_id = ? AND action = 'trigger' LIMIT 1`),
      unsettled: p<[], DeliveryRow>(`SELECT ${COLUMNS} FROM alert_deliveries WHERE state IN ('pending', 'retrying') ORDER BY next_attempt_at`),
      unsettledRun: p<[string], DeliveryRow>(`SELECT ${COLUMNS} FROM alert_deliveries WHERE run_id = ? AND state IN ('pending', 'retrying') ORDER BY next_attempt_at`),
    };
  }

  /** Inserts a delivery (inside the caller's transaction). Returns its id, or null when this alert
   *  was already raised on this channel. */
  insert(d: NewDelivery, nowMs = Date.now()): string | null {
    const id = `al_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;
    const now = new Date(nowMs).toISOString();
    const r = this.s.insert.run(id, d.alertKey, d.dedupKey, d.action, d.rule, d.runId, d.taskId, d.attempt, d.reason, d.channelIndex, d.channel.kind, JSON.stringify(d.channel), nowMs, now, now);
    return r.changes === 1 ? id : null;
  }

  due(nowMs: number, limit: number): DeliveryRow[] {
    return this.s.due.all(nowMs, limit);
  }

  nextDueAt(): number | null {
    return this.s.nextDue.get()?.at ?? null;
  }

  /** Takes a due row for one send until `leaseUntil`; false when another process took it first. */
  claim(row: DeliveryRow, leaseUntil: number): boolean {
    return this.s.claim.run(leaseUntil, new Date().toISOString(), row.id, row.next_attempt_at).changes === 1;
  }

  markDelivered(id: string): void {
    const now = new Date().toISOString();
    this.s.delivered.run(now, now, id);
  }

  markRetry(id: string, nextAt: number, error: string): void {
    this.s.retry.run(nextAt, error, new Date().toISOString(), id);
  }

  markFailed(id: string, error: string): void {
    this.s.failed.run(error, new Date().toISOString(), id);
  }

  /** Marks failed, with `reason`, every delivery still to be sent through one of `channels` (as stored,
   *  sealed): the channel was removed, and its alerts must not keep going to it. Returns how many. */
  cancelChannels(channels: ReadonlyArray<Record<string, unknown>>, reason: string): number {
    let n = 0;
    for (const row of this.unsettled()) {
      const channel = JSON.parse(row.channel) as Record<string, unknown>;
      if (channels.some((c) => sameChannel(c, channel))) n += this.s.failed.run(reason, new Date().toISOString(), row.id).changes;
    }
    return n;
  }

  /** A person's *Retry*: the delivery is sent again now, with the same id. */
  requeue(id: string): boolean {
    return this.s.again.run(Date.now(), new Date().toISOString(), id).changes === 1;
  }

  get(id: string): DeliveryRow | undefined {
    return this.s.get.get(id);
  }

  list(filter: { runId?: string; taskId?: string; limit?: number } = {}): DeliveryRow[] {
    const limit = filter.limit ?? 500;
    if (filter.runId && filter.taskId) return this.s.listTask.all(filter.runId, filter.taskId, limit);
    if (filter.runId) return this.s.listRun.all(filter.runId, limit);
    return this.s.list.all(limit);
  }

  triggersOfTask(runId: string, taskId: string): DeliveryRow[] {
    return this.s.triggersOfTask.all(runId, taskId);
  }

  hasTrigger(runId: string, taskId: string): boolean {
    return this.s.anyTrigger.get(runId, taskId) !== undefined;
  }

  /** Deliveries still to be sent or retried (of one run, or all). */
  unsettled(runId?: string): DeliveryRow[] {
    return runId ? this.s.unsettledRun.all(runId) : this.s.unsettled.all();
  }
}

/** The same stored channel: the same fields with the same (sealed) values. Sealing is randomised, so a
 *  task's own channel never equals a Settings channel, even with the same URL. */
export function sameChannel(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => a[k] !== undefined || b[k] !== undefined));
  return [...keys].every((k) => a[k] === b[k]);
}
