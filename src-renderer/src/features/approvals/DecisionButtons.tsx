// One button per decision the request offers, each showing its keyboard shortcut.
import type { ApprovalView } from '../../../../src-shared/contract/methods/approvals';
import { decisionOptions, type DecisionName } from './decisions';

export function DecisionButtons({ approval, busy, onDecide }: { approval: ApprovalView; busy: boolean; onDecide: (d: DecisionName) => void }) {
  const options = decisionOptions(approval);
  return (
    <>
      <div className="approval-decisions" role="group" aria-label="Decision">
        {options.map((o) => (
          <button key={o.name} type="button" disabled={busy} title={`${o.hint} (${o.key.toUpperCase()})`} aria-keyshortcuts={o.key.toUpperCase()}
            className={`button${o.tone === 'primary' ? ' button-primary' : o.tone === 'danger' ? ' button-danger' : ''}`}
            data-decision={o.name} onClick={() => onDecide(o.name)}>
            {o.label}<kbd className="approval-kbd">{o.key.toUpperCase()}</kbd>
          </button>
        ))}
      </div>
      {/* An "always allow" rule never outranks a deny rule: said where the choice is made. */}
      {options.some((o) => o.name === 'approved_execpolicy_amendment') && (
        <p className="setting-hint approval-amend-note" data-testid="amendment-note">
          “Always allow” never overrides a deny: what Shoal’s built-in rules or the run refuse (such as rm -rf /) stays refused.
        </p>
      )}
    </>
  );
}
