// Comes forward over any view while a request waits: the oldest pending one, with exactly the
// decisions it offers and a key for each (A, S, P, D, X; Esc decides later). Mounted once in App.
// The Approvals view lists the same requests, so the dialog stays out of the way there.
import { useMemo, useState } from 'react';
import type { ApprovalView } from '../../../../src-shared/contract/methods/approvals';
import { chordPending } from '../../app/key-chord';
import { hrefFor, useRoute } from '../../app/use-route';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { Dialog } from '../../ui/Dialog';
import { isTyping } from '../../ui/is-typing';
import { useToast } from '../../ui/Toaster';
import { ApprovalCard } from './ApprovalCard';
import { DecisionButtons } from './DecisionButtons';
import { DECISION_WORDS, decisionOptions, type DecisionName } from './decisions';
import '../../ui/ui-extra.css';
import './approvals.css';

export function ApprovalDialogHost() {
  const route = useRoute();
  // Live through the 'approvals' invalidations; the interval catches requests made by another
  // process (a `shoal run` in a terminal) that this host's bus never hears about.
  const list = useShoalQuery('approvals.list', {}, { refetchInterval: 10_000 });
  const [later, setLater] = useState<ReadonlySet<string>>(() => new Set());
  const items = list.data?.items ?? [];
  const current = items.find((a) => !later.has(a.id));
  if (!current || route.section === 'approvals') return null;
  return <ApprovalDialog key={current.id} approval={current} waiting={items.length} onLater={() => setLater((s) => new Set(s).add(current.id))} />;
}

function ApprovalDialog({ approval, waiting, onLater }: { approval: ApprovalView; waiting: number; onLater: () => void }) {
  const decide = useShoalMutation('approvals.decide');
  const toast = useToast();
  const [error, setError] = useState<string | null>(null);
  const options = useMemo(() => decisionOptions(approval), [approval]);

  const choose = (name: DecisionName) => {
    if (decide.isPending) return;
    setError(null);
    decide.mutate({ id: approval.id, decision: name }, {
      onSuccess: () => toast(`${DECISION_WORDS[name] ?? name}: ${approval.request.command.slice(0, 80)}`),
      onError: (e) => setError(e.message),
    });
  };
  // Decision keys act only when focus is inside the dialog (React's bubbling handler on it, never a
  // window-wide capture listener), with no modifier held, no text being typed and no "g" chord
  // awaiting its second key — so `g a`, `g s`, Ctrl+S, … never decide a request.
  const onKey = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target) || chordPending()) return;
    const option = options.find((o) => o.key === e.key.toLowerCase());
    if (!option) return;
    e.preventDefault();
    e.stopPropagation();
    choose(option.name);
  };

  return (
    <Dialog title="Approval needed" onClose={onLater} testId="approval-dialog" initialFocus="[data-decision]" onKey={onKey}
        headerExtra={<span className="approval-count muted">{waiting === 1 ? '1 request waiting' : <>{waiting} waiting · <a href={hrefFor('approvals')} onClick={onLater}>open the inbox</a></>}</span>}
        footer={(
          <>
            <DecisionButtons approval={approval} busy={decide.isPending} onDecide={choose} />
            <button type="button" className="button approval-later" onClick={onLater} title="Decide later (Esc)">Later<kbd className="approval-kbd">Esc</kbd></button>
          </>
        )}>
        <ApprovalCard approval={approval} />
        {error && <p className="approval-error" role="alert">{error}</p>}
    </Dialog>
  );
}
