// Work Shoal still has to stop on hosts (owed reaps): an attempt's work its host never confirmed
// ended, after its lease went. Shoal keeps trying on its own; here a person can ask for a try now, or
// take one over (Forget: Shoal stops trying, and work still running there is theirs to end). Calm by
// design: this is housekeeping Shoal is already doing, not an alarm; only a try's error is in red.
import { useState } from 'react';
import { owedReapWorker, type OwedReapRow } from '../../../../src-shared/contract';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { Dialog } from '../../ui/Dialog';
import { formatAbsolute, formatRelative } from '../../ui/format';
import { useToast } from '../../ui/Toaster';
import { useNow } from '../../ui/use-now';

const keyOf = (o: OwedReapRow) => ({ runId: o.runId, taskId: o.taskId, attempt: o.attempt });
const label = (o: OwedReapRow) => `${o.taskName ?? o.taskId} (attempt ${o.attempt})`;

export function OwedReapsSection() {
  // The workers family: main invalidates it when a try fails, one is ended, or one is forgotten.
  const owed = useShoalQuery('workers.owedReaps', {});
  const retry = useShoalMutation('workers.retryReap');
  const [forgetting, setForgetting] = useState<OwedReapRow | null>(null);
  const toast = useToast();
  const now = useNow(10_000);
  const rows = owed.data ?? [];
  if (rows.length === 0) return null;
  return (
    <section className="owed-reaps panel" aria-labelledby="owed-reaps-title" data-testid="owed-reaps">
      <h2 id="owed-reaps-title" className="panel-title">Still to stop on hosts</h2>
      <p className="owed-reaps-intro muted">
        Work these attempts started was never seen to end, and their hosts have not answered since. Shoal keeps trying to
        stop it, also after a restart; their tasks were not held for it.
      </p>
      <ul>
        {rows.map((o) => (
          <li key={`${o.runId}/${o.taskId}/${o.attempt}`} data-testid="owed-reap" data-run-id={o.runId} data-task-id={o.taskId} data-attempt={o.attempt}
            data-worker-id={owedReapWorker(o)} tabIndex={-1}>
            <div className="owed-reap-what">
              <span className="owed-reap-work mono">{o.work}</span>
              <span className="muted"> on {o.workerName ?? o.workerId}</span>
              <div className="owed-reap-task">
                {label(o)} · <span className="muted">{o.runName ?? o.runId}</span>
              </div>
            </div>
            <div className="owed-reap-state">
              <span className="muted" title={formatAbsolute(o.since)}>owed since {formatRelative(o.since, now)}</span>
              {o.lastError
                ? <span className="owed-reap-error" title={o.lastError}>{o.tries} {o.tries === 1 ? 'try' : 'tries'} failed: {o.lastError}</span>
                : <span className="muted">not tried yet here</span>}
            </div>
            <div className="worker-actions">
              <button type="button" className="button button-small" disabled={retry.isPending} aria-label={`Retry now: ${label(o)}`}
                title="Try to stop it now instead of at the end of the current pause"
                onClick={() => retry.mutate(keyOf(o), {
                  onError: (e) => toast(e.message, 'failed'),
                  onSuccess: (r) => {
                    if (r.outcome === 'ended') toast(`Stopped ${o.work}.`);
                    else if (r.outcome === 'failed') toast(`Could not stop it yet: ${r.error ?? 'unknown cause'}`, 'failed');
                    else toast(`Trying ${o.work} now.`);
                  },
                })}>Retry now</button>
              <button type="button" className="button button-small" aria-label={`Forget: ${label(o)}`}
                title="Take it over: Shoal stops trying to stop this work" onClick={() => setForgetting(o)}>Forget…</button>
            </div>
          </li>
        ))}
      </ul>
      {forgetting && <ForgetDialog owed={forgetting} onClose={() => setForgetting(null)} />}
    </section>
  );
}

function ForgetDialog({ owed, onClose }: { owed: OwedReapRow; onClose: () => void }) {
  const forget = useShoalMutation('workers.forgetReap');
  const toast = useToast();
  return (
    <Dialog title="Forget this work?" onClose={onClose} testId="forget-reap-dialog" initialFocus=".forget-keep"
      footer={(
        <>
          <button type="button" className="button forget-keep" style={{ marginLeft: 'auto' }} onClick={onClose}>Keep trying</button>
          <button type="button" className="button button-danger" disabled={forget.isPending}
            onClick={() => forget.mutate(keyOf(owed), {
              onError: (e) => {
                toast(e.message, 'failed');
                onClose();
              },
              onSuccess: () => {
                toast(`Shoal no longer tries to stop ${owed.work}.`);
                onClose();
              },
            })}>Forget it</button>
        </>
      )}>
      <div className="forget-reap-body">
        <p>
          Shoal stops trying to stop <span className="mono">{owed.work}</span> on {owed.workerName ?? owed.workerId}, left by {label(owed)}.
        </p>
        <p>
          If it is still running on that host, ending it is up to you. Forget it when you know it is gone, or when you will
          end it yourself. This is recorded in the audit log.
        </p>
      </div>
    </Dialog>
  );
}
