// Alerts: every delivery of the alert outbox — channel, state (pending, retrying, delivered, failed),
// attempts, last error — with *Retry* on each and *Send test* per Settings channel.
import type { AlertDeliveryView } from '../../../../src-shared/contract/methods/alerts';
import { hrefFor } from '../../app/use-route';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { EmptyState } from '../../ui/EmptyState';
import { formatRelative } from '../../ui/format';
import { AlertIcon } from '../../ui/icons';
import { PageToolbar } from '../../ui/PageToolbar';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { humanize, StatusPill, type Tone } from '../../ui/StatusPill';
import { useToast } from '../../ui/Toaster';
import { useNow } from '../../ui/use-now';
import '../../ui/ui-extra.css';
import './alerts.css';

const TONE: Record<AlertDeliveryView['state'], Tone> = { pending: 'queued', retrying: 'running', delivered: 'passed', failed: 'failed' };
const CHANNEL: Record<string, string> = { slack: 'Slack', webhook: 'Webhook', pager_duty: 'PagerDuty' };

/** Deliveries the view reads (the newest); with this many, older ones exist and are not counted. */
const SHOWN = 500;

export function AlertsView() {
  const list = useShoalQuery('alerts.list', { limit: SHOWN });
  if (list.isPending) return <Loading label="Loading alerts…" />;
  if (list.isError) return <ErrorNotice title="Could not load alerts" error={list.error} onRetry={() => void list.refetch()} />;
  const rows = list.data.deliveries;
  if (rows.length === 0) {
    return (
      <EmptyState testId="alerts-empty" icon={<AlertIcon size={22} />} title="No alerts yet">
        <p>
          When a task keeps failing, stops making progress, fails for good or leaves an approval waiting, Shoal tells
          the channels of its <code>alert_policy</code> (or the default channels in Settings → Alert channels): Slack, a signed webhook or
          PagerDuty. Each delivery shows up here with its state and retries.
        </p>
        <div className="empty-actions"><TestButtons /></div>
      </EmptyState>
    );
  }
  const open = rows.filter((r) => r.state === 'pending' || r.state === 'retrying').length;
  const failed = rows.filter((r) => r.state === 'failed').length;
  return (
    <div className="alerts">
      <PageToolbar actions={<TestButtons />}>
        {rows.length >= SHOWN ? `Newest ${rows.length} deliveries (older ones are not shown)` : `${rows.length} ${rows.length === 1 ? 'delivery' : 'deliveries'}`}{open > 0 ? ` · ${open} in flight` : ''}{failed > 0 ? ` · ${failed} failed` : ''}
      </PageToolbar>
      <AlertsTable rows={rows} />
    </div>
  );
}

export function AlertsTable({ rows }: { rows: AlertDeliveryView[] }) {
  const now = useNow(5000, true);
  const retry = useShoalMutation('alerts.retry');
  const toast = useToast();
  return (
    <table className="table alerts-table" data-testid="alerts-table">
      <thead>
        <tr>
          <th scope="col" className="col-status">State</th>
          <th scope="col">Channel</th>
          <th scope="col" className="col-title">Alert</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last error</th>
          <th scope="col" className="col-time">Raised</th>
          <th scope="col"><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-testid="alert-row" data-state={r.state} data-id={r.id}>
            <td><StatusPill tone={TONE[r.state]} label={humanize(r.state)} pulse={r.state === 'retrying'} /></td>
            <td data-testid="alert-channel">{CHANNEL[r.channel] ?? r.channel}</td>
            <td className="cell-title">
              <div className="stack">
                <span className="alert-what">
                  {r.action === 'resolve' ? 'Resolved' : r.action === 'test' ? 'Test' : humanize(r.rule)}
                  {r.runId && r.taskId && <> · <a href={hrefFor('runs', r.runId, r.taskId)} className="mono">{r.taskId}</a></>}
                </span>
                <span className="cell-sub" title={r.reason}>{r.reason}</span>
              </div>
            </td>
            <td className="mono" data-testid="alert-attempts">{r.attempts}</td>
            <td className="cell-sub alert-error" data-testid="alert-error" title={r.lastError ?? undefined}>{r.lastError ?? '—'}</td>
            <td className="col-time">{formatRelative(r.createdAt, now)}</td>
            <td className="alert-actions">
              {r.state !== 'pending' && (
                <button type="button" className="button" disabled={retry.isPending}
                  onClick={() => retry.mutate({ id: r.id }, { onError: (e) => toast(`Could not retry: ${e.message}`, 'failed') })}>
                  Retry
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** *Send test* for each channel configured in Settings. */
function TestButtons() {
  const settings = useShoalQuery('alerts.settings', {});
  const send = useShoalMutation('alerts.sendTest');
  const toast = useToast();
  const channels = settings.data?.channels ?? [];
  if (channels.length === 0) return null;
  return (
    <div className="alerts-test">
      {channels.map((c) => (
        <button key={c.id} type="button" className="button" disabled={send.isPending}
          onClick={() => send.mutate({ id: c.id }, {
            onSuccess: () => toast(`Test alert queued for ${c.label}: its delivery is listed below.`, 'info'),
            onError: (e) => { toast(`Could not send: ${e.message}`, 'failed'); void settings.refetch(); },
          })}>
          Send test · {c.label}
        </button>
      ))}
    </div>
  );
}
