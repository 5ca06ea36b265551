// Settings › Exec policy: the approval mode, how long an agent waits for a person and what the
// request becomes when nobody answers (deny unless the person chooses approve), the person's own
// rules (view, add, edit, delete — they come before a run's rules and the built-in defaults), the
// defaults themselves, and a tester that shows which rule decides a command.
import { useEffect, useState } from 'react';
import { APPROVAL_MODE_LABELS, APPROVAL_MODES, TIMEOUT_DECISIONS, type ApprovalMode, type PolicyRule, type TimeoutDecision } from '../../../../src-shared/contract/methods/policy';
import type { MethodInput } from '../../../../src-shared/contract';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { PolicyRuleForm } from './PolicyRuleForm';
import { PolicyTester } from './PolicyTester';
import { RuleAction, ruleMatch } from './policy-rule-text';
import '../../ui/ui-extra.css';
import './policy-settings.css';

const TIMEOUT_DECISION_LABELS: Record<TimeoutDecision, string> = { deny: 'Deny', approve: 'Approve' };

const MODE_HINTS: Record<ApprovalMode, string> = {
  untrusted: 'Only what a rule allows runs on its own; everything else asks.',
  'on-request': 'Runs what no rule stops; asks where a rule says ask.',
  never: 'Never asks: what a rule says to ask about is refused.',
  reject: 'Refuses anything a rule does not allow.',
};

export function PolicySettings() {
  const policy = useShoalQuery('approvals.rules.list', {});
  const [editing, setEditing] = useState<PolicyRule | 'new' | null>(null);
  return (
    <section className="panel" aria-labelledby="settings-policy" data-testid="policy-settings">
      <h2 id="settings-policy" className="panel-title policy-title">
        Exec policy
        {editing === null && <button type="button" className="button button-small" onClick={() => setEditing('new')}>Add rule</button>}
      </h2>
      {policy.isPending && <Loading label="Loading the policy…" />}
      {policy.isError && <ErrorNotice title="Could not load the policy" error={policy.error} onRetry={() => void policy.refetch()} />}
      {policy.data && (
        <>
          <ModeSetting mode={policy.data.options.mode} />
          <TimeoutSetting seconds={policy.data.options.timeoutSeconds} decision={policy.data.options.timeoutDecision} />
          <TimeoutDecisionSetting decision={policy.data.options.timeoutDecision} />
          <div className="policy-rules" data-testid="policy-rules">
            <h3 className="policy-subtitle">Your rules <span className="muted">· checked first; deny beats ask beats allow</span></h3>
            {policy.data.rules.length === 0 && editing !== 'new' && <p className="setting-hint policy-empty">No rules of your own yet. Add one, or choose “Always allow” on a request.</p>}
            {policy.data.rules.map((r) => (editing !== 'new' && editing?.id === r.id
              ? <PolicyRuleForm key={r.id} rule={r} onDone={() => setEditing(null)} />
              : <RuleRow key={r.id} rule={r} onEdit={() => setEditing(r)} />))}
            {editing === 'new' && <PolicyRuleForm rule={null} onDone={() => setEditing(null)} />}
          </div>
          <details className="policy-defaults">
            <summary>Built-in defaults ({policy.data.defaults.length}) <span className="muted">· checked last</span></summary>
            {policy.data.defaults.map((r) => <RuleRow key={r.id} rule={r} />)}
          </details>
          <PolicyTester />
        </>
      )}
    </section>
  );
}

function RuleRow({ rule, onEdit }: { rule: PolicyRule; onEdit?: () => void }) {
  const remove = useShoalMutation('approvals.rules.delete');
  return (
    <div className="policy-rule" data-testid="policy-rule" data-rule-id={rule.id}>
      <RuleAction action={rule.action} />
      <div className="policy-rule-text">
        <span className="mono">{ruleMatch(rule)}</span>
        <span className="setting-hint">{rule.id}{rule.note ? ` — ${rule.note}` : ''}</span>
        {remove.error && <span className="setting-error" role="alert">{remove.error.message}</span>}
      </div>
      {onEdit && (
        <div className="policy-rule-actions">
          <button type="button" className="button button-small" onClick={onEdit} aria-label={`Edit rule ${rule.id}`}>Edit</button>
          <button type="button" className="button button-small button-danger" aria-label={`Delete rule ${rule.id}`} disabled={remove.isPending}
            onClick={() => remove.mutate({ id: rule.id })}>Delete</button>
        </div>
      )}
    </div>
  );
}

function ModeSetting({ mode }: { mode: ApprovalMode }) {
  return (
    <ChoiceSetting id="policy-mode" label="Approval mode" choices={APPROVAL_MODES} labels={APPROVAL_MODE_LABELS} saved={mode}
      hint={(m) => `${MODE_HINTS[m]} A run may set its own.`} patch={(m) => ({ mode: m })} />
  );
}

const MAX_WAIT_MINUTES = 7 * 24 * 60;

function TimeoutSetting({ seconds, decision }: { seconds: number; decision: TimeoutDecision }) {
  const save = useShoalMutation('approvals.rules.options');
  const [text, setText] = useState(String(Math.round(seconds / 60 * 10) / 10));
  // What is wrong with the text as typed: kept in the box and said, not silently put back (or
  // rounded to a few seconds, after which every request would time out before anyone saw it).
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setText(String(Math.round(seconds / 60 * 10) / 10)), [seconds]);
  const commit = () => {
    const minutes = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
    if (!(minutes >= 1 && minutes <= MAX_WAIT_MINUTES)) {
      setProblem(`Give a number of minutes from 1 to ${MAX_WAIT_MINUTES} (7 days); "${text.trim()}" is not one.`);
      return;
    }
    setProblem(null);
    const next = Math.round(minutes * 60);
    if (next !== seconds) save.mutate({ timeoutSeconds: next });
  };
  return (
    <div className="setting">
      <div className="setting-text">
        <label className="setting-label" htmlFor="policy-timeout">Wait for a decision</label>
        <span className="setting-hint">After this long without a decision a request is {decision === 'approve' ? 'approved' : 'denied'} (below), and the agent carries on. A run may set its own.</span>
        {(problem ?? save.error) && <span className="setting-error" role="alert">{problem ?? save.error?.message}</span>}
      </div>
      <span className="policy-timeout">
        <input id="policy-timeout" className="input" inputMode="decimal" value={text} aria-invalid={problem !== null || undefined} onChange={(e) => setText(e.target.value)} onBlur={commit}
          onKeyDown={(e) => e.key === 'Enter' && commit()} /> min
      </span>
    </div>
  );
}

function TimeoutDecisionSetting({ decision }: { decision: TimeoutDecision }) {
  return (
    <ChoiceSetting id="policy-timeout-decision" label="When nobody decides in time" choices={TIMEOUT_DECISIONS} labels={TIMEOUT_DECISION_LABELS} saved={decision}
      hint={(d) => `${d === 'approve'
        ? 'The request is approved by the timeout and the command runs. Only for work you would approve anyway.'
        : 'The request is denied; nobody answering is not consent.'} Either way the audit log records it.`}
      patch={(d) => ({ timeoutDecision: d })} />
  );
}

/** One of the policy options as a segmented choice: the picked value shows at once and is saved;
 *  a failed save falls back to the stored one. */
function ChoiceSetting<T extends string>({ id, label, choices, labels, saved, hint, patch }: {
  id: string; label: string; choices: readonly T[]; labels: Record<T, string>; saved: T;
  hint: (value: T) => string; patch: (value: T) => MethodInput<'approvals.rules.options'>;
}) {
  const save = useShoalMutation('approvals.rules.options');
  const [draft, setDraft] = useState<T | null>(null);
  const value = draft ?? saved;
  useEffect(() => {
    if (draft === saved) setDraft(null);
  }, [draft, saved]);
  return (
    <div className="setting">
      <div className="setting-text">
        <span className="setting-label" id={`${id}-label`}>{label}</span>
        <span className="setting-hint">{hint(value)}</span>
        {save.error && <span className="setting-error" role="alert">{save.error.message}</span>}
      </div>
      <div className="segmented" role="radiogroup" aria-labelledby={`${id}-label`}>
        {choices.map((c) => (
          <label key={c} className="segmented-option">
            <input type="radio" name={id} value={c} checked={value === c} onChange={() => {
              setDraft(c);
              save.mutate(patch(c), { onError: () => setDraft(null) });
            }} />
            <span>{labels[c]}</span>
          </label>
        ))}
      </div>
    </div>
  );
}
