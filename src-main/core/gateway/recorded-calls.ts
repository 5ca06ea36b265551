// What a tool call's lifecycle already says in its attempt's timeline. A remote agent sends a
// judgment again, under the same call id, whenever the verdict did not reach it: its connection
// dropped, or the control plane was killed and restarted, after the call was judged (or while it
// waited for a person). The control plane must then answer that call as it was answered, without
// recording its precheck, its approval request or its verdict a second time, and without asking a
// person again: nothing happens twice for one call. Read from the store — the one source of truth —
// so it holds across a restart of the control plane, not only across a dropped connection.
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

export class RecordedCalls {
  private readonly phases;

  constructor(store: Store) {
    // The task's index narrows this to one task's events; a call is judged once per tool call, not per event.
    this.phases = store.db.prepare<[string, string, number, string], { body: string }>(
      `SELECT body FROM worker_events WHERE run_id = ? AND task_id = ? AND attempt = ? AND state = 'running_tool' AND json_extract(body, '$.call_id') = ? ORDER BY seq`);
  }

  of(runId: string, taskId: string, attempt: number, callId: string): RecordedCall {
    const call = { prechecked: false, requested: new Set<string>(), verdict: null as RecordedVerdict | null, dispatched: false };
    for (const row of this.phases.all(runId, taskId, attempt, callId)) {
      const extra = (JSON.parse(row.body) as { extra?: Extra }).extra ?? {};
      const step = `${extra.kind}:${extra.phase}`;
      if (step === 'tool:precheck') call.prechecked = true;
      else if (step === 'approval:requested' && extra.approval_id) call.requested.add(extra.approval_id);
      else if (step === 'approval:approved') call.verdict = { allowed: true, message: ALLOWED_MESSAGE, interrupt: false };
      else if (step === 'tool:dispatching') {
        call.verdict = { allowed: true, message: ALLOWED_MESSAGE, interrupt: false };
        call.dispatched = true;
      } else if (step === 'approval:denied') call.verdict = { allowed: false, message: refusalOf(extra), interrupt: extra.decision === 'abort' };
    }
    return call;
  }
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
