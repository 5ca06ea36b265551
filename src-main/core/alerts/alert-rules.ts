// Which fleet events raise or resolve an alert, decided inside the transaction that writes them (an
// EventLog tap): the outbox rows and the `escalated` events they cause commit with the failure, or
// not at all. A task's own alert_policy overrides the default policy in Settings.
//   failed attempt, attempts >= after_attempts      → rule `attempts` (once per task)
//   the task failed for good (no attempts left)     → rule `failed`   (once per task)
//   no event for after_minutes_stale (scanned)      → rule `stale`    (once per attempt)
//   a task with a raised alert passes               → `resolve` on every channel that was triggered
import type { Store } from '../store/open';
import type { EventDraft, EventLog } from '../fleet/event-log';
import type { FleetTaskSpec } from '../../../src-shared/protocol/fleet';
import type { AlertSettings } from './alert-config';
import type { AlertOutbox, AlertSubject, DeliveryRow } from './outbox';

export interface EffectivePolicy {
  channels: Array<Record<string, unknown> & { kind: string }>;
  afterAttempts: number | null;
  afterMinutesStale: number | null;
  /** How long an approval of the task may wait before it escalates; null: never. */
  approvalEscalateMinutes: number | null;
}

/** The task's alert_policy when it has one, else the Settings default; null when there are no channels. */
export function effectivePolicy(spec: Pick<FleetTaskSpec, 'alert_policy'> | null, settings: AlertSettings): EffectivePolicy | null {
  const own = spec?.alert_policy;
  // A task's own time wins; without one the Settings time applies even to a task with its own channels.
  const approvalEscalateMinutes = num(own?.approval_escalate_minutes) ?? settings.approval_escalate_minutes;
  const policy: EffectivePolicy = own
    ? { channels: own.channels as EffectivePolicy['channels'], afterAttempts: num(own.after_attempts), afterMinutesStale: num(own.after_minutes_stale), approvalEscalateMinutes }
    : { channels: settings.channels as EffectivePolicy['channels'], afterAttempts: settings.after_attempts, afterMinutesStale: settings.after_minutes_stale, approvalEscalateMinutes };
  return policy.channels.length > 0 ? policy : null;
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

export interface RaiseInput extends AlertSubject {
  workerId?: string;
}

interface TaskRow { state: string; attempts: number; spec: string; last_error: string | null; worker_id: string | null }

export class AlertRules {
  private readonly taskStmt;
  /** Set when a transaction raised something: the delivery worker looks once it has committed. */
  onRaised: () => void = () => {};

  constructor(store: Store, private readonly outbox: AlertOutbox, private readonly events: EventLog, private readonly settings: () => AlertSettings) {
    this.taskStmt = store.db.prepare<[string, string], TaskRow>('SELECT state, attempts, spec, last_error, worker_id FROM tasks WHERE run_id = ? AND task_id = ?');
  }

  /** The EventLog tap. Runs inside the writing transaction, after the task rows were updated. */
  readonly tap = (runId: string, drafts: readonly EventDraft[]): void => {
    for (const d of drafts) {
      const state = d.payload.state;
      if (state === 'failed' || state === 'stale') this.afterFailure(runId, d);
      else if (state === 'completed') this.afterCompletion(runId, d);
    }
  };

  private afterFailure(runId: string, d: EventDraft): void {
    const t = this.taskStmt.get(runId, d.taskId);
    if (!t) return;
    const policy = effectivePolicy(JSON.parse(t.spec) as FleetTaskSpec, this.settings());
    if (!policy) return;
    const last = t.last_error ?? (typeof d.payload.reason === 'string' ? d.payload.reason : state(d));
    const base = { dedupKey: taskDedupKey(runId, d.taskId), action: 'trigger' as const, runId, taskId: d.taskId, attempt: d.attempt ?? t.attempts, workerId: d.workerId };
    if (t.state === 'failed' || t.state === 'timeout') {
      this.raise({ ...base, alertKey: `task:${runId}:${d.taskId}:failed`, rule: 'failed', reason: `failed for good after ${t.attempts} ${t.attempts === 1 ? 'attempt' : 'attempts'}: ${last}` }, policy.channels);
    } else if (policy.afterAttempts !== null && t.attempts >= policy.afterAttempts && t.state !== 'cancelled') {
      this.raise({ ...base, alertKey: `task:${runId}:${d.taskId}:attempts`, rule: 'attempts', reason: `${t.attempts} failed ${t.attempts === 1 ? 'attempt' : 'attempts'}; last: ${last}` }, policy.channels);
    }
  }

  private afterCompletion(runId: string, d: EventDraft): void {
    // Cheap first: most tasks that pass never raised anything.
    if (!this.outbox.hasTrigger(runId, d.taskId)) return;
    const t = this.taskStmt.get(runId, d.taskId);
    if (!t || t.state !== 'passed') return;
    const seen = new Set<number>();
    for (const trig of this.outbox.triggersOfTask(runId, d.taskId)) {
      if (seen.has(trig.channel_index)) continue;
      seen.add(trig.channel_index);
      this.resolve(trig, { alertKey: `task:${runId}:${d.taskId}:resolved`, rule: 'resolved', attempt: d.attempt ?? t.attempts, reason: 'the task passed' });
    }
  }

  /** Writes the resolve of a trigger: same channel (index and sealed config), same dedup_key. Call
   *  inside a transaction. Returns its id, or null when it was written before. */
  resolve(trig: DeliveryRow, what: Pick<AlertSubject, 'alertKey' | 'rule' | 'attempt' | 'reason'>): string | null {
    // A trigger that failed for good opened nothing, and its channel may be gone (removed from
    // Settings): there is nothing to resolve, and nowhere it should go.
    if (trig.state === 'failed') return null;
    return this.insert({ ...what, dedupKey: trig.dedup_key, action: 'resolve', runId: trig.run_id, taskId: trig.task_id },
      trig.channel_index, JSON.parse(trig.channel) as Record<string, unknown> & { kind: string });
  }

  /** Writes one delivery per channel and, for each new one about a task, its `escalated` event.
   *  Call inside a transaction. Returns the ids of deliveries that were new. */
  raise(input: RaiseInput, channels: EffectivePolicy['channels']): string[] {
    const ids: string[] = [];
    channels.forEach((channel, i) => {
      const id = this.insert(input, i, channel);
      if (!id) return;
      ids.push(id);
      if (input.runId && input.taskId && input.action === 'trigger') {
        this.events.append(input.runId, [{
          taskId: input.taskId, workerId: input.workerId ?? '', ...(input.attempt !== null ? { attempt: input.attempt } : {}),
          payload: { state: 'escalated', channel: channel.kind, alert_id: id },
        }]);
      }
    });
    return ids;
  }

  private insert(input: RaiseInput, channelIndex: number, channel: Record<string, unknown> & { kind: string }): string | null {
    const id = this.outbox.insert({ ...input, channelIndex, channel });
    if (id) this.onRaised();
    return id;
  }
}

export function taskDedupKey(runId: string, taskId: string): string {
  return `shoal:${runId}:${taskId}`;
}

function state(d: EventDraft): string {
  return d.payload.state;
}
