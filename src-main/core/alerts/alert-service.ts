// The alerts subsystem of one core: the outbox, the rules tap on the event log, the delivery worker,
// and the scans for alerts no event announces (a task with no progress, an approval left waiting).
import type { FleetStore } from '../fleet/fleet-store';
import type { NewRun } from '../fleet/fleet-store';
import type { SecretCipher } from '../providers/secret-store';
import type { SettingsTable } from '../store/settings-table';
import type { Store } from '../store/open';
import type { FleetTaskSpec } from '../../../src-shared/protocol/fleet';
import { AlertSettingsStore, goneChannel } from './alert-settings';
import { AlertRules, effectivePolicy, taskDedupKey, type EffectivePolicy } from './alert-rules';
import { DeliveryWorker } from './delivery-worker';
import { AlertOutbox, type DeliveryRow } from './outbox';
import { sealChannel } from './sealed-channel';
import { shoalLink, type AlertMessage } from './senders/alert-message';
import { AlertChannelConfigSchema, issuesOf } from './alert-config';
import { ShoalError } from '../../../src-shared/contract/envelope';
import type { EventDraft } from '../fleet/event-log';
import type { RunStatusChange } from '../fleet/fleet-store';
import type { EventFrame } from '../../../src-shared/contract/frames';
import crypto from 'node:crypto';
import { HookRunner, type HookResult } from './hooks/hook-runner';
import { HookStore } from './hooks/hook-store';
import { HOOK_EVENTS, hookMatches, type HookConfig, type HookEventName } from './hooks/hook-config';
import { ATTEMPT_END_EVENTS, isIn, TASK_STATE_EVENTS } from '../../../src-shared/protocol/event-states';

export interface AlertServiceOptions {
  store: Store;
  fleet: FleetStore;
  dataDir: string;
  settings: SettingsTable;
  cipher: SecretCipher;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Told when deliveries change (the Alerts view refreshes). */
  changed?: () => void;
  /** Length of the "minute" in after_minutes_stale and approval_escalate_minutes (tests shorten it). */
  minuteMs?: number;
  scanMs?: number;
  delivery?: { timeoutMs?: number; baseBackoffMs?: number; maxBackoffMs?: number; pollMs?: number };
}

export class AlertService {
  readonly outbox: AlertOutbox;
  readonly settings: AlertSettingsStore;
  readonly rules: AlertRules;
  readonly worker: DeliveryWorker;
  readonly hookStore: HookStore;
  readonly hooks: HookRunner;
  /** Hooks as last read, refreshed every few seconds (another process may change them). */
  private hookCache: { at: number; hooks: HookConfig[] } = { at: 0, hooks: [] };
  private scanTimer: NodeJS.Timeout | null = null;
  private readonly minuteMs: number;
  private readonly s;

  constructor(private readonly o: AlertServiceOptions) {
    this.minuteMs = o.minuteMs ?? Number(o.env.SHOAL_ALERT_MINUTE_MS ?? 60_000);
    this.outbox = new AlertOutbox(o.store);
    this.settings = new AlertSettingsStore(o.settings, o.cipher, (gone) => {
      if (this.outbox.cancelChannels(gone, 'not sent: its channel was removed from Settings') > 0) o.changed?.();
    }, (write) => o.store.db.transaction(write)());
    this.rules = new AlertRules(o.store, this.outbox, o.fleet.events, () => this.settings.get());
    // Enqueued inside someone's transaction: look once the current turn (and the commit) is over.
    this.rules.onRaised = () => setImmediate(() => {
      this.worker.kick();
      o.changed?.();
    });
    o.fleet.events.addTap(this.rules.tap);
    this.hookStore = new HookStore(o.settings, o.cipher);
    this.hooks = new HookRunner({ dataDir: o.dataDir, cipher: o.cipher, env: o.env, hooks: () => this.currentHooks() });
    o.fleet.events.onCommitted(this.hookListener);
    o.fleet.onRunStatus(this.runListener);
    const db = o.store.db;
    this.s = {
      names: db.prepare<[string, string], { run_name: string | null; task_name: string | null }>(
        `SELECT r.name AS run_name, (SELECT t.name FROM tasks t WHERE t.run_id = r.id AND t.task_id = ?) AS task_name FROM runs r WHERE r.id = ?`),
      runName: db.prepare<[string], { name: string }>('SELECT name FROM runs WHERE id = ?'),
      taskSpec: db.prepare<[string, string], { spec: string }>('SELECT spec FROM tasks WHERE run_id = ? AND task_id = ?'),
      // Leased tasks are the few that can be stale; their newest event says when they last moved
      // (a heartbeat says the worker lives, not that the task moves). One already alerted for this
      // attempt is not looked at again (the outbox's alert_key index answers that).
      leased: db.prepare<[], { run_id: string; task_id: string; attempts: number; worker_id: string | null }>(
        `SELECT i.run_id, i.task_id, i.attempts, i.worker_id FROM tasks i WHERE i.lease_token IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_key = 'task:' || i.run_id || ':' || i.task_id || ':stale:' || i.attempts)
         ORDER BY +i.rowid`), // queue order, not the leased index's token order ("+": still read through that index)
      lastEventAt: db.prepare<[string, string], { timestamp: string }>("SELECT timestamp FROM worker_events WHERE run_id = ? AND task_id = ? AND state NOT IN ('heartbeat', 'escalated') ORDER BY seq DESC LIMIT 1"),
      // Waiting approvals not escalated yet, older than the shortest escalation time that can apply
      // (each one's own time, from its task's alert_policy or Settings, is checked per row).
      waitingApprovals: db.prepare<[string], { id: string; run_id: string | null; task_id: string | null; request: string; created_at: string }>(
        `SELECT a.id, a.run_id, a.task_id, a.request, a.created_at FROM approvals a WHERE a.status = 'pending' AND a.created_at <= ?
           AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_key = 'approval:' || a.id) ORDER BY a.created_at`),
      // Escalated approvals answered since (decided, timed out or expired, in any process) whose
      // trigger has no resolve yet on its channel: PagerDuty would keep the incident open forever. (A
      // trigger that failed for good opened nothing: see AlertRules.resolve.)
      // Answers older than a week are left alone (a store from before resolves existed would send a
      // burst of them for approvals long forgotten).
      answeredApprovals: db.prepare<[string], DeliveryRow & { approval_status: string; approval_decision: string | null; approval_by: string | null }>(
        `SELECT d.*, a.status AS approval_status, a.decision AS approval_decision, a.decided_by AS approval_by FROM alert_deliveries d
           JOIN approvals a ON a.id = substr(d.alert_key, 10)
           WHERE d.rule = 'approval' AND d.action = 'trigger' AND d.state != 'failed' AND d.alert_key LIKE 'approval:%' AND a.status != 'pending' AND a.decided_at >= ?
           AND NOT EXISTS (SELECT 1 FROM alert_deliveries r WHERE r.alert_key = d.alert_key || ':answered' AND r.channel_index = d.channel_index AND r.action = 'resolve')`),
    };
    this.worker = new DeliveryWorker({
      outbox: this.outbox, cipher: o.cipher, env: o.env, log: o.log, maxAttempts: () => this.settings.get().max_delivery_attempts,
      message: (row) => this.messageOf(row), onSettled: () => o.changed?.(),
      // The environment can shorten delivery timings for a whole process (the CLI under test).
      timeoutMs: envMs(o.env.SHOAL_ALERT_TIMEOUT_MS), baseBackoffMs: envMs(o.env.SHOAL_ALERT_BACKOFF_MS), ...o.delivery,
    });
  }

  start(): void {
    this.worker.start();
    const every = this.o.scanMs ?? Math.max(50, Math.min(15_000, Math.floor(this.minuteMs / 4)));
    this.scanTimer = setInterval(() => this.scan(), every);
    this.scanTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = null;
    await this.worker.stop();
    await this.hooks.settle();
  }

  /** Adds a hook (validated; URL and secret sealed); replaces one with its id only if asked to. */
  addHook(input: unknown, replace = false): HookConfig {
    const h = this.hookStore.add(input, replace);
    this.hookCache.at = 0;
    return h;
  }

  removeHook(id: string): boolean {
    const ok = this.hookStore.remove(id);
    this.hookCache.at = 0;
    return ok;
  }

  /** Runs one hook now with a sample event (`shoal hooks test`, *Test* in Settings): `event`, else
   *  the first event the hook names. Resolves with how it went; the hook log has it too. */
  async testHook(id: string, event?: string): Promise<HookResult> {
    const hook = this.hookStore.list().find((h) => h.id === id);
    if (!hook) throw new ShoalError('not_found', `id: no hook "${id}"`);
    if (event !== undefined && !(HOOK_EVENTS as readonly string[]).includes(event)) {
      throw new ShoalError('invalid_input', `event: unknown hook event "${event}"; expected one of ${HOOK_EVENTS.join(', ')}`, [`event: unknown hook event "${event}"`]);
    }
    const type = (event ?? hook.events.find((e) => (HOOK_EVENTS as readonly string[]).includes(e)) ?? 'attempt.finished') as HookEventName;
    return this.hooks.runNow(hook, {
      id: `hk_test_${crypto.randomUUID().replace(/-/g, '').slice(0, 8)}`, type, at: new Date().toISOString(),
      data: { sample: true, run_id: 'sample-run', task_id: 'sample-task', attempt: 1, state: 'completed' },
    });
  }

  private currentHooks(): HookConfig[] {
    // Events written in a process's last turn are handed to hooks after it; by then a CLI command
    // may have closed the store, and those events have no hooks to read any more.
    if (!this.o.store.db.open) return [];
    if (Date.now() - this.hookCache.at > 2_000) this.hookCache = { at: Date.now(), hooks: this.hookStore.list() };
    return this.hookCache.hooks;
  }

  /** Lifecycle events for hooks, taken from the timeline once the transaction that wrote them has
   *  committed (a rolled-back one is never announced), and fired after the committing turn: a hook
   *  never holds a write. */
  private readonly hookListener = (runId: string, drafts: readonly EventDraft[]): void => {
    if (this.currentHooks().length === 0) return;
    const fire: Array<[HookEventName, Record<string, unknown>]> = [];
    for (const d of drafts) {
      const state = d.payload.state;
      const data = { run_id: runId, task_id: d.taskId, worker_id: d.workerId, attempt: d.attempt ?? null, ...d.payload };
      if (state === 'escalated') fire.push(['alert.fired', data]);
      if (isIn(TASK_STATE_EVENTS, state)) fire.push(['task.state', data]);
      if (state === 'starting') fire.push(['attempt.started', data]);
      if (isIn(ATTEMPT_END_EVENTS, state) && d.attempt !== undefined) fire.push(['attempt.finished', data]);
    }
    this.fireLater(fire);
  };

  /** Run status changes, told after their transaction committed. */
  private readonly runListener = (c: RunStatusChange): void => {
    if (this.currentHooks().length === 0) return;
    const data = { run_id: c.runId, run_name: this.s.runName.get(c.runId)?.name ?? null, state: c.status, previous: c.previous };
    const fire: Array<[HookEventName, Record<string, unknown>]> = [['run.state', data]];
    if (c.status === 'running' && (c.previous === 'queued' || c.previous === 'pending')) fire.push(['run.started', data]);
    if (c.finished) fire.push(['run.finished', data]);
    this.fireLater(fire);
  };

  /** A thread's frames (nothing stored: they are announced as they stream). A reply streams
   *  hundreds of deltas, so a frame no hook subscribes to costs nothing past this check. */
  threadFrame(threadId: string, frame: EventFrame): void {
    const type = THREAD_HOOK_EVENTS[frame.event as keyof typeof THREAD_HOOK_EVENTS];
    if (!type || !this.currentHooks().some((h) => hookMatches(h, type))) return;
    const { event: _event, ...fields } = frame;
    this.fireLater([[type, { thread_id: threadId, ...fields }]]);
  }

  private fireLater(fire: Array<[HookEventName, Record<string, unknown>]>): void {
    if (fire.length > 0) setImmediate(() => {
      for (const [type, data] of fire) this.hooks.emit(type, data);
    });
  }

  /** Seals the secret fields of every task's alert channels before the run is written: a spec in
   *  the store never holds a webhook URL, secret or routing key in the clear. */
  sealRun = (run: NewRun): NewRun => ({
    ...run,
    tasks: run.tasks.map((t) => {
      const policy = t.spec.alert_policy;
      if (!policy || policy.channels.length === 0) return t;
      const channels = policy.channels.map((c) => sealChannel(this.o.cipher, c as Record<string, unknown>)) as typeof policy.channels;
      return { ...t, spec: { ...t.spec, alert_policy: { ...policy, channels } } };
    }),
  });

  /** Waits (bounded) until no delivery of this run (or just the one `deliveryId`) is pending or
   *  retrying, telling `onWait` what it waits for whenever that changes. Resolves with what is still
   *  unsettled at the deadline. */
  async drain(runId: string | undefined, timeoutMs: number, onWait?: (rows: DeliveryRow[]) => void, deliveryId?: string): Promise<DeliveryRow[]> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const rows = this.outbox.unsettled(runId).filter((r) => deliveryId === undefined || r.id === deliveryId);
      if (rows.length === 0 || Date.now() >= deadline) return rows;
      const sig = rows.map((r) => `${r.id}:${r.attempts}:${r.state}`).join(',');
      if (sig !== last) onWait?.(rows);
      last = sig;
      this.worker.kick();
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(1, deadline - Date.now()))));
    }
  }

  /** *Retry* on a delivery: sent again now, same id. */
  retry(id: string): boolean {
    const ok = this.outbox.requeue(id);
    if (ok) {
      this.worker.kick();
      this.o.changed?.();
    }
    return ok;
  }

  /** *Send test*: a test alert through a Settings channel (by id, from a window; by index, from the
   *  CLI's `--channel N`) or a channel given here. */
  sendTest(channel: { index: number } | { id: string } | { config: unknown }): string {
    let sealed: Record<string, unknown> & { kind: string };
    if ('id' in channel) {
      const c = this.settings.channel(channel.id);
      if (!c) throw new ShoalError('not_found', goneChannel('sent'));
      sealed = c;
    } else if ('index' in channel) {
      const c = this.settings.get().channels[channel.index];
      if (!c) throw new ShoalError('not_found', `channel: no alert channel #${channel.index} in Settings`);
      sealed = c;
    } else {
      const parsed = AlertChannelConfigSchema.safeParse(channel.config);
      if (!parsed.success) {
        const issues = issuesOf(parsed.error, 'channel');
        throw new ShoalError('invalid_input', issues[0] ?? 'invalid channel', issues);
      }
      sealed = sealChannel(this.o.cipher, parsed.data);
    }
    const key = `test:${Date.now()}:${Math.random().toString(36).slice(2, 8)}`;
    const id = this.o.fleet.tx(() => this.rules.raise({ alertKey: key, dedupKey: `shoal:${key}`, action: 'test', rule: 'test', runId: null, taskId: null, attempt: null, reason: 'a test alert sent from Shoal' }, [sealed]))[0]!;
    return id;
  }

  /** Alerts no event announces: a leased task with no event for after_minutes_stale, and an approval
   *  waiting longer than approval_escalate_minutes (its task's alert_policy, else Settings). Each
   *  raises once (the outbox's unique key), and rows already alerted are not read again. The
   *  approval deadline is not here: the approval's own timeout settles it (one home for it). */
  scan(nowMs = Date.now()): void {
    if (!this.o.store.db.open) return;
    try {
      const settings = this.settings.get();
      for (const l of this.s.leased.all()) {
        const spec = this.specOf(l.run_id, l.task_id);
        const policy = spec && effectivePolicy(spec, settings);
        if (!policy || policy.afterMinutesStale === null) continue;
        const last = this.s.lastEventAt.get(l.run_id, l.task_id)?.timestamp;
        if (!last || nowMs - Date.parse(last) < policy.afterMinutesStale * this.minuteMs) continue;
        this.o.fleet.tx(() => this.rules.raise({
          alertKey: `task:${l.run_id}:${l.task_id}:stale:${l.attempts}`, dedupKey: taskDedupKey(l.run_id, l.task_id), action: 'trigger', rule: 'stale',
          runId: l.run_id, taskId: l.task_id, attempt: l.attempts, workerId: l.worker_id ?? '', reason: `no progress for ${policy.afterMinutesStale} min (last event ${last})`,
        }, policy.channels));
      }
      // A task's time (at least a minute) can be shorter than Settings', so the query's cutoff is the
      // shortest time that can apply; each approval is then held to its own.
      const cutoff = new Date(nowMs - Math.min(1, settings.approval_escalate_minutes ?? 1) * this.minuteMs).toISOString();
      for (const a of this.s.waitingApprovals.all(cutoff)) {
        const spec = a.run_id && a.task_id ? this.specOf(a.run_id, a.task_id) : null;
        const policy = effectivePolicy(spec, settings);
        if (!policy || policy.approvalEscalateMinutes === null) continue;
        if (nowMs - Date.parse(a.created_at) < policy.approvalEscalateMinutes * this.minuteMs) continue;
        this.escalateApproval(a, policy);
      }
      for (const trig of this.s.answeredApprovals.all(new Date(nowMs - 7 * 86_400_000).toISOString())) {
        const how = [trig.approval_status.replace(/_/g, ' '), trig.approval_decision && trig.approval_status !== trig.approval_decision ? `(${trig.approval_decision})` : '', trig.approval_by ? `by ${trig.approval_by}` : ''].filter(Boolean).join(' ');
        this.o.fleet.tx(() => this.rules.resolve(trig, { alertKey: `${trig.alert_key}:answered`, rule: 'approval_answered', attempt: trig.attempt, reason: `approval ${trig.alert_key.slice('approval:'.length)} was answered: ${how}` }));
      }
    } catch (error) {
      this.o.log(`alerts: scan: ${String(error)}`);
    }
  }

  private escalateApproval(a: { id: string; run_id: string | null; task_id: string | null; request: string; created_at: string }, policy: EffectivePolicy): void {
    const minutes = policy.approvalEscalateMinutes;
    let command = 'a tool call';
    try {
      const req = JSON.parse(a.request) as { command?: unknown };
      if (Array.isArray(req.command)) command = `"${req.command.join(' ')}"`;
      else if (typeof req.command === 'string') command = `"${req.command}"`;
    } catch { /* keep the generic words */ }
    this.o.fleet.tx(() => this.rules.raise({
      alertKey: `approval:${a.id}`, dedupKey: `shoal:approval:${a.id}`, action: 'trigger', rule: 'approval', runId: a.run_id, taskId: a.task_id, attempt: null,
      reason: `approval ${a.id} for ${command} has waited more than ${minutes} min (since ${a.created_at})`,
    }, policy.channels));
  }

  private specOf(runId: string, taskId: string): FleetTaskSpec | null {
    const row = this.s.taskSpec.get(runId, taskId);
    return row ? (JSON.parse(row.spec) as FleetTaskSpec) : null;
  }

  private messageOf(row: DeliveryRow): AlertMessage {
    const names = row.run_id ? this.s.names.get(row.task_id ?? '', row.run_id) : undefined;
    return {
      id: row.id, action: row.action, rule: row.rule, runId: row.run_id, runName: names?.run_name ?? null, taskId: row.task_id, taskName: names?.task_name ?? null,
      attempt: row.attempt, reason: row.reason, createdAt: row.created_at, dedupKey: row.dedup_key, link: shoalLink(row.run_id, row.task_id),
    };
  }
}

function envMs(v: string | undefined): number | undefined {
  const n = Number(v);
  return v && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Thread frames hooks can subscribe to, by the hook event name they go out as. */
const THREAD_HOOK_EVENTS = {
  response_start: 'response.start', response_delta: 'response.delta', response_end: 'response.end', tool_call_start: 'tool.start', tool_call_result: 'tool.finish',
} as const satisfies Partial<Record<EventFrame['event'], HookEventName>>;
