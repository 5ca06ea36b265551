// Worker-event states, and the groups of states that code branches on, in one place. The states
// themselves are the wire enum's tags (FleetWorkerEventPayload in fleet.ts), so a writer that
// misspells one, or a reader that tests for one that does not exist, fails the typecheck instead of
// silently never matching. The groups are here rather than beside each reader because the writers
// (fleet store, supervisor, gateway, alerts) and the readers (views, alerts, landing, CLI, renderer)
// must agree on them.
import type { FleetRunStatus, FleetWorkerEventState } from './fleet';

export type EventState = FleetWorkerEventState;

/** Every state, for validating input at runtime (a remote agent's events). */
export const EVENT_STATES = [
  'queued', 'leased', 'starting', 'running', 'model_wait', 'running_tool', 'heartbeat', 'artifact',
  'completed', 'failed', 'cancelled', 'interrupted', 'stale', 'restarted', 'escalated',
] as const satisfies readonly EventState[];
// The list above misses no state of the wire enum (this line fails to typecheck if it does).
const everyState: Exclude<EventState, (typeof EVENT_STATES)[number]> extends never ? true : never = true;
void everyState;

/** A payload as stored in worker_events: `{state, ...fields}` plus Shoal's own `extra` and any
 *  field a newer writer added; the state is always one of the wire enum's. */
export type EventPayload = { state: EventState } & Record<string, unknown>;

/** States an attempt ends with (one of them closes every attempt's segment of the timeline). */
export const ATTEMPT_END_EVENTS = ['completed', 'failed', 'cancelled', 'interrupted', 'stale'] as const satisfies readonly EventState[];

/** States that move the task itself (hooks' task.state); heartbeats, tool calls and artifacts do not. */
export const TASK_STATE_EVENTS = ['queued', 'leased', 'starting', 'running', 'restarted', ...ATTEMPT_END_EVENTS] as const satisfies readonly EventState[];

/** An attempt row (attempts.state) still holding its lease: its agent may be running. */
export const LIVE_ATTEMPT_STATES = ['leased', 'starting', 'running'] as const;

/** A run that will change no more on its own. */
export const FINISHED_RUN_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly FleetRunStatus[];

/** A run whose tasks may still run (or be resumed): its own workers stay in the engine. */
export const ACTIVE_RUN_STATUSES = ['pending', 'queued', 'running', 'paused'] as const satisfies readonly FleetRunStatus[];

/** The same, as an SQL list for `status IN (…)`. */
export const ACTIVE_RUN_STATUSES_SQL = ACTIVE_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/** Membership test for the groups above that accepts any string (rows read from SQLite). */
export function isIn<T extends string>(group: readonly T[], value: string): value is T {
  return (group as readonly string[]).includes(value);
}
