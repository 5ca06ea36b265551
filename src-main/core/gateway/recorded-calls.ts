// What a tool call's lifecycle already says in its attempt's timeline. A remote agent sends a
// judgment again, under the same call id, whenever the verdict did not reach it: its connection
// dropped, or the control plane was killed and restarted, after the call was judged (or while it
// waited for a person). The control plane must then answer that call as it was answered, without
// recording its precheck, its approval request or its verdict a second time, and without asking a
// person again: nothing happens twice for one call. Read from the store — the one source of truth —
// so it holds across a restart of the control plane, not only across a dropped connection; read once
// per call and process, then kept up to date as this process records the call's steps (a long task's
// timeline is not scanned again for every step of every call).
import type { Store } from '../store/open';
import type { ToolLifecycleEvent } from '../tools/tool-gateway';

/** What an allowed call is told (the same words whether judged now or answered again). */
export const ALLOWED_MESSAGE = "allowed by Shoal's exec policy";

export interface RecordedVerdict { allowed: boolean; message: string; interrupt: boolean }

export interface RecordedCall {
  /** The call's precheck is in the timeline. */
  prechecked: boolean;
  /** Approval requests the timeline already shows as asked, by approval id. */
  requested: ReadonlySet<string>;
  /** The verdict recorded for the call: allowed (approved or dispatching) or refused (denied). */
  verdict: RecordedVerdict | null;
  /** An allowed call's `dispatching` is recorded too (its approval and dispatch are two writes). */
  dispatched: boolean;
}

interface Extra { kind?: string; phase?: string; approval_id?: string | null; reason?: string | null; decision?: string | null; matched_rule?: unknown }

type Known = { prechecked: boolean; requested: Set<string>; verdict: RecordedVerdict | null; dispatched: boolean };

export class RecordedCalls {
  private readonly phases;
  /** Calls this process has read or recorded, by attempt and call id. */
  private readonly known = new Map<string, Known>();

  constructor(store: Store) {
    // The task's index narrows this to one task's events; a call is judged once per tool call, not per event.
    this.phases = store.db.prepare<[string, string, number, string], { body: string }>(
      `SELECT body FROM worker_events WHERE run_id = ? AND task_id = ? AND attempt = ? AND state = 'running_tool' AND json_extract(body, '$.call_id') = ? ORDER BY seq`);
  }

  of(runId: string, taskId: string, attempt: number, callId: string): RecordedCall {
    const key = callKey(runId, taskId, attempt, callId);
    let call = this.known.get(key);
    if (!call) {
      call = { prechecked: false, requested: new Set<string>(), verdict: null, dispatched: false };
      for (const row of this.phases.all(runId, taskId, attempt, callId)) applyStep(call, (JSON.parse(row.body) as { extra?: Extra }).extra ?? {});
      this.known.set(key, call);
    }
    return call;
  }

  /** A step of a call this process follows was just recorded (its event's `extra`). */
  noted(runId: string, taskId: string, attempt: number, callId: string, extra: unknown): void {
    const call = this.known.get(callKey(runId, taskId, attempt, callId));
    if (call) applyStep(call, (extra ?? {}) as Extra);
  }

  /** The attempt is no longer bound here: its calls are read from the store again if asked. */
  forgetAttempt(runId: string, taskId: string, attempt: number): void {
    const prefix = callKey(runId, taskId, attempt, '');
    for (const key of this.known.keys()) if (key.startsWith(prefix)) this.known.delete(key);
  }
}

function callKey(runId: string, taskId: string, attempt: number, callId: string): string {
  return `${runId}\u0000${taskId}\u0000${attempt}\u0000${callId}`;
}

/** What one recorded step (its event's `extra`) says about the call. */
function applyStep(call: Known, extra: Extra): void {
  const step = `${extra.kind}:${extra.phase}`;
  if (step === 'tool:precheck') call.prechecked = true;
  else if (step === 'approval:requested' && extra.approval_id) call.requested.add(extra.approval_id);
  else if (step === 'approval:approved') call.verdict = { allowed: true, message: ALLOWED_MESSAGE, interrupt: false };
  else if (step === 'tool:dispatching') {
    call.verdict = { allowed: true, message: ALLOWED_MESSAGE, interrupt: false };
    call.dispatched = true;
  } else if (step === 'approval:denied') call.verdict = { allowed: false, message: refusalOf(extra), interrupt: extra.decision === 'abort' };
}

/** Whether `event` is a step the timeline already holds for this call (and must not get again):
 *  its precheck, the same approval request, a verdict (approved or denied), its dispatch. */
export function alreadyRecorded(call: RecordedCall, event: ToolLifecycleEvent): boolean {
  if (event.kind === 'tool') return (event.phase === 'precheck' && call.prechecked) || (event.phase === 'dispatching' && call.dispatched);
  if (event.phase === 'requested') return event.approvalId !== null && call.requested.has(event.approvalId);
  return call.verdict !== null;
}

/** The refusal the agent was given, from its `denied` event: a policy rule's (no approval, a matched
 *  rule) is the gateway's "Refused by …" sentence around the rule's reason; every other denied
 *  event's reason is the refusal itself (see ShoalToolGateway.authorize and applyDecision). */
function refusalOf(extra: Extra): string {
  const reason = extra.reason ?? 'refused';
  return !extra.approval_id && extra.matched_rule !== undefined ? `Refused by Shoal's exec policy: ${reason}` : reason;
}
