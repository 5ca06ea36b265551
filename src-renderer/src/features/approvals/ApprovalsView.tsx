// The approvals inbox: every pending request across all runs, workers and threads, oldest first,
// with batch approve / deny; a request opens to its full detail and every decision it offers.
// Below, the audit log of past decisions.
import { useState } from 'react';
import type { ApprovalView } from '../../../../src-shared/contract/methods/approvals';
import { hrefFor } from '../../app/use-route';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { EmptyState } from '../../ui/EmptyState';
import { ApprovalsIcon } from '../../ui/icons';
import { PageToolbar } from '../../ui/PageToolbar';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { formatAbsolute, formatRelative } from '../../ui/format';
import { useToast } from '../../ui/Toaster';
import { useNow } from '../../ui/use-now';
import { ApprovalCard } from './ApprovalCard';
import { AuditLog } from './AuditLog';
import { DecisionButtons } from './DecisionButtons';
import { DECISION_WORDS, type DecisionName } from './decisions';
import '../../ui/ui-extra.css';
import './approvals.css';

export function ApprovalsView() {
  const list = useShoalQuery('approvals.list', {}, { refetchInterval: 10_000 });
  const audit = useShoalQuery('approvals.audit', { limit: 100 });
  if (list.isPending || audit.isPending) return <Loading label="Loading approvals…" />;
  if (list.isError) return <ErrorNotice title="Could not load approvals" error={list.error} onRetry={() => void list.refetch()} />;
  const items = list.data.items;
  const history = audit.data?.items ?? [];
  if (items.length === 0 && history.length === 0) {
    return (
      <EmptyState testId="approvals-empty" icon={<ApprovalsIcon size={22} />} title="Nothing waiting for you">
        <p>
          When an agent wants to run a command that its exec policy does not allow on its own, it stops and asks here.
          You will see the command, where it would run and why — approve it once, or deny it.
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="approvals">
      <Inbox items={items} />
      <AuditLog entries={history} error={audit.error} />
    </div>
  );
}

function Inbox({ items }: { items: ApprovalView[] }) {
  const now = useNow(5000);
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [open, setOpen] = useState<string | null>(null);
  const batch = useShoalMutation('approvals.decideMany');
  const decide = useShoalMutation('approvals.decide');
  const toast = useToast();
  const live = new Set(items.map((a) => a.id));
  const chosen = [...selected].filter((id) => live.has(id));
  const allChosen = items.length > 0 && chosen.length === items.length;

  const toggle = (id: string) => setSelected((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  });
  const runBatch = (decision: 'approved' | 'denied') => batch.mutate({ ids: chosen, decision }, {
    onSuccess: ({ results }) => {
      const done = results.filter((r) => r.changed).length;
      toast(`${decision === 'approved' ? 'Approved' : 'Denied'} ${done} request${done === 1 ? '' : 's'}${done < results.length ? ` (${results.length - done} already decided)` : ''}`);
      setSelected(new Set());
    },
    onError: (e) => toast(e.message, 'failed'),
  });
  const decideOne = (a: ApprovalView, d: DecisionName) => decide.mutate({ id: a.id, decision: d }, {
    onSuccess: () => toast(`${DECISION_WORDS[d] ?? d}: ${a.request.command.slice(0, 80)}`),
    onError: (e) => toast(e.message, 'failed'),
  });

  return (
    <section aria-labelledby="inbox-title" data-testid="approvals-inbox">
      <PageToolbar actions={items.length > 0 && (
        <>
          <button type="button" className="button button-primary" disabled={chosen.length === 0 || batch.isPending} onClick={() => runBatch('approved')} data-testid="batch-approve">
            Approve {chosen.length > 0 ? chosen.length : ''} selected
          </button>
          <button type="button" className="button" disabled={chosen.length === 0 || batch.isPending} onClick={() => runBatch('denied')} data-testid="batch-deny">
            Deny {chosen.length > 0 ? chosen.length : ''} selected
          </button>
        </>
      )}>
        <h2 id="inbox-title" className="approvals-title">{items.length === 0 ? 'Nothing waiting for you' : `${items.length} waiting for you`}</h2>
      </PageToolbar>
      {items.length > 0 && (
        <table className="table approvals-table">
          <thead>
            <tr>
              <th className="col-check">
                <input type="checkbox" aria-label="Select all" checked={allChosen} onChange={() => setSelected(allChosen ? new Set() : new Set(items.map((a) => a.id)))} />
              </th>
              <th className="col-title">Request</th>
              <th>From</th>
              <th>Rule</th>
              <th className="col-time">Waiting</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <InboxRow key={a.id} a={a} now={now} checked={selected.has(a.id)} onToggle={() => toggle(a.id)} expanded={open === a.id}
                onExpand={() => setOpen(open === a.id ? null : a.id)} onDecide={(d) => decideOne(a, d)} busy={decide.isPending} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function InboxRow({ a, now, checked, onToggle, expanded, onExpand, onDecide, busy }: {
  a: ApprovalView; now: number; checked: boolean; onToggle: () => void; expanded: boolean; onExpand: () => void; onDecide: (d: DecisionName) => void; busy: boolean;
}) {
  return (
    <>
      <tr data-testid="approval-row" data-approval-id={a.id} aria-expanded={expanded}>
        <td className="col-check"><input type="checkbox" aria-label={`Select ${a.request.command}`} checked={checked} onChange={onToggle} /></td>
        <td className="cell-title">
          <div className="stack">
            <button type="button" className="approval-row-command mono" onClick={onExpand} aria-expanded={expanded}>{a.tool === 'exec_shell' ? '$ ' : ''}{a.request.command}</button>
            <span className="cell-sub mono">{a.request.cwd}</span>
          </div>
        </td>
        <td>
          <div className="stack">
            <span>{a.taskName ?? a.taskId ?? 'thread'}</span>
            <span className="cell-sub">{a.runId ? `${a.runId} · attempt ${a.attempt}` : a.threadId ? <a href={hrefFor('threads', a.threadId)}>{a.threadId}</a> : null}</span>
          </div>
        </td>
        <td><code className="approval-rule-chip">{a.request.matched_rule ?? 'approval mode'}</code></td>
        <td className="col-time" title={formatAbsolute(a.createdAt)}>{formatRelative(a.createdAt, now)}</td>
      </tr>
      {expanded && (
        <tr className="approval-detail-row">
          <td colSpan={5}>
            <ApprovalCard approval={a} />
            <DecisionButtons approval={a} busy={busy} onDecide={onDecide} />
          </td>
        </tr>
      )}
    </>
  );
}
