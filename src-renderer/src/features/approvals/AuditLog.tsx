// The audit log: what was decided (or requested, expired, changed in the policy), for which task,
// under which rule, by whom and when. Newest first.
import type { AuditEntry } from '../../../../src-shared/contract/methods/approvals';
import { formatAbsolute, formatRelative } from '../../ui/format';
import { StatusPill, type Tone } from '../../ui/StatusPill';
import { useNow } from '../../ui/use-now';
import { DECISION_WORDS } from './decisions';

const ACTION_WORDS: Record<string, string> = {
  'approval.requested': 'Requested', 'approval.decided': 'Decided', 'approval.timed_out': 'Timed out', 'approval.expired': 'Expired',
  'policy.rule_added': 'Rule added', 'policy.rule_updated': 'Rule changed', 'policy.rule_deleted': 'Rule deleted', 'policy.options': 'Options changed',
  // Work left on a host that a person took over from Shoal (Workers → Still to stop on hosts → Forget).
  'reap.forgotten': 'Taken over',
};

function outcome(e: AuditEntry): string {
  const d = e.detail ?? {};
  if (e.action === 'approval.decided') return DECISION_WORDS[String(d.decision)] ?? String(d.decision);
  if (e.action === 'approval.timed_out') return timedOutApproved(e) ? 'Approved (no decision in time)' : 'Denied (no decision in time)';
  return ACTION_WORDS[e.action] ?? e.action;
}

/** A timeout is settled by the timeout decision: approved when the person (or the run) chose
 *  approve, denied otherwise, and entries written before that choice existed were all denials. */
function timedOutApproved(e: AuditEntry): boolean {
  return e.detail?.decision === 'approved';
}

function toneOf(e: AuditEntry): Tone {
  const d = String(e.detail?.decision ?? '');
  if (e.action === 'approval.decided') return d === 'denied' || d === 'abort' ? 'failed' : 'passed';
  if (e.action === 'approval.timed_out') return timedOutApproved(e) ? 'passed' : 'failed';
  if (e.action === 'approval.requested') return 'review';
  return 'cancelled';
}

function what(e: AuditEntry): string {
  const d = e.detail ?? {};
  if (e.action.startsWith('policy.rule')) return `${String(d.action ?? '')} ${String(d.tool ?? '')}${d.prefix ? ` “${String(d.prefix)}”` : ''}${d.path ? ` ${String(d.path)}` : ''}`.trim();
  if (e.action === 'policy.options') return `mode ${String(d.mode)}, wait ${String(d.timeoutSeconds)} s, then ${String(d.timeoutDecision ?? 'deny')}`;
  if (e.action === 'reap.forgotten') return `stop ${String(d.work ?? '')} on ${String(d.worker ?? '')}`;
  return String(d.command ?? '');
}

export function AuditLog({ entries, error }: { entries: AuditEntry[]; error: Error | null }) {
  const now = useNow(15_000);
  return (
    <section className="approvals-audit" aria-labelledby="audit-title" data-testid="audit-log">
      <PageHeading />
      {error && <p className="approval-error" role="alert">Could not load the audit log: {error.message}</p>}
      {entries.length === 0 ? <p className="muted pad">No decisions yet.</p> : (
        <table className="table audit-table">
          <thead>
            <tr><th>When</th><th>Outcome</th><th className="col-title">What</th><th>Task</th><th>Rule</th><th>By</th></tr>
          </thead>
          <tbody>
            {entries.map((e) => {
              const d = e.detail ?? {};
              return (
                <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                  <td title={formatAbsolute(e.at)}>{formatRelative(e.at, now)}</td>
                  <td><StatusPill tone={toneOf(e)} label={outcome(e)} /></td>
                  <td className="cell-title"><span className="mono audit-what">{what(e)}</span></td>
                  <td>{d.taskId ? `${String(d.taskId)}${d.attempt ? ` #${String(d.attempt)}` : ''}` : d.threadId ? String(d.threadId) : '—'}</td>
                  <td>{d.matchedRule ? <code className="approval-rule-chip">{String(d.matchedRule)}</code> : '—'}</td>
                  <td>{e.actor}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PageHeading() {
  return <h2 id="audit-title" className="approvals-title approvals-audit-title">Audit log</h2>;
}
