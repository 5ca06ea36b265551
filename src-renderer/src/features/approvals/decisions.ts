// The decisions a person can make on a request, in the order they are offered, with the key that
// makes each one. Only those a request's available_decisions lists are shown.
import type { ApprovalView } from '../../../../src-shared/contract/methods/approvals';

export type DecisionName = 'approved' | 'approved_for_session' | 'approved_execpolicy_amendment' | 'denied' | 'abort';

export interface DecisionOption {
  name: DecisionName;
  label: string;
  key: string;
  tone: 'primary' | 'plain' | 'danger';
  hint: string;
}

export function decisionOptions(a: ApprovalView): DecisionOption[] {
  const offered = new Set(a.request.available_decisions.map((d) => (typeof d === 'string' ? d : 'network_policy_amendment')));
  const prefix = a.request.proposed_execpolicy_amendment.join(' ');
  const scope = a.threadId ? 'thread' : 'task attempt';
  const all: DecisionOption[] = [
    { name: 'approved', label: 'Approve', key: 'a', tone: 'primary', hint: 'Run it this once.' },
    { name: 'approved_for_session', label: 'Approve for session', key: 's', tone: 'plain', hint: `Allow this same command for the rest of this ${scope}.` },
    { name: 'approved_execpolicy_amendment', label: `Always allow “${prefix}”`, key: 'p', tone: 'plain', hint: `Add a rule that allows commands starting with “${prefix}”. It never overrides a deny: commands Shoal’s built-in rules or the run refuse (such as rm -rf /) stay refused.` },
    { name: 'denied', label: 'Deny', key: 'd', tone: 'plain', hint: 'Refuse; the agent is told and carries on without it.' },
    { name: 'abort', label: a.threadId ? 'Abort turn' : 'Abort task', key: 'x', tone: 'danger', hint: a.threadId ? 'Refuse and end the turn.' : 'Refuse and cancel the task.' },
  ];
  return all.filter((o) => offered.has(o.name));
}

export const DECISION_WORDS: Record<string, string> = {
  approved: 'Approved', approved_for_session: 'Approved for session', approved_execpolicy_amendment: 'Always allowed', denied: 'Denied', abort: 'Aborted',
};
