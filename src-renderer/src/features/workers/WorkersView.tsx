import { useMemo, useState } from 'react';
import { owedReapWorker, type OwedReapRow } from '../../../../src-shared/contract';
import { useShoalQuery } from '../../transport/query';
import { EmptyState } from '../../ui/EmptyState';
import { WorkersIcon } from '../../ui/icons';
import { PageToolbar } from '../../ui/PageToolbar';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { AddWorkerDialog } from './AddWorkerDialog';
import { JoinTokensList } from './JoinTokensList';
import { OwedReapsSection } from './OwedReapsSection';
import { WorkersTable } from './WorkersTable';
import { isGone } from './worker-tone';
import '../../ui/ui-extra.css';
import './workers.css';

export function WorkersView() {
  // Both refresh live: main invalidates the workers family on every heartbeat and status change.
  const workers = useShoalQuery('workers.list', {});
  const activity = useShoalQuery('workers.activity', {});
  const byWorker = useMemo(() => new Map((activity.data ?? []).map((a) => [a.workerId, a])), [activity.data]);
  // The same query (and cache) as "Still to stop on hosts" below: each row's count is that list's.
  const owedReaps = useShoalQuery('workers.owedReaps', {});
  const owedBy = useMemo(() => countByWorker(owedReaps.data ?? []), [owedReaps.data]);
  const [adding, setAdding] = useState(false);
  const addButton = <button type="button" className="button button-small" data-testid="add-worker" onClick={() => setAdding(true)}>Add worker</button>;
  const dialog = adding && <AddWorkerDialog onClose={() => setAdding(false)} />;
  if (workers.isPending) return <Loading label="Loading workers…" />;
  if (workers.isError) return <ErrorNotice title="Could not load workers" error={workers.error} onRetry={() => void workers.refetch()} />;
  if (workers.data.length === 0) {
    return (
      <EmptyState testId="workers-empty" icon={<WorkersIcon size={22} />} title="No workers yet">
        <p>
          Workers are where tasks run: this computer, SSH hosts, Docker containers, or <code>shoal agent</code> processes
          on other machines. They appear here once a run names them in its <code>worker_specs</code> or an agent connects,
          with their health, load and last heartbeat.
        </p>
        <p className="muted">A run without worker specs uses this computer.</p>
        {addButton}
        <JoinTokensList />
        {dialog}
      </EmptyState>
    );
  }
  // A removed worker, or a run's worker whose run ended, is listed for its history but is no
  // worker any more: counted apart.
  const gone = workers.data.filter((w) => isGone(w.state)).length;
  const count = workers.data.length - gone;
  const online = workers.data.filter((w) => w.state === 'online' || w.state === 'busy').length;
  const running = workers.data.reduce((n, w) => n + w.running, 0);
  return (
    <>
      <PageToolbar actions={addButton}>
        {count} {count === 1 ? 'worker' : 'workers'} · {online} online · {running} {running === 1 ? 'task' : 'tasks'} running
        {gone > 0 && <span className="muted"> · {gone} no longer in use (removed, or their run ended)</span>}
      </PageToolbar>
      <WorkersTable workers={workers.data} activity={byWorker} owed={owedBy} />
      <OwedReapsSection />
      <JoinTokensList />
      {dialog}
    </>
  );
}

/** Owed reaps per worker id: the kept worker whose login ends each, else the one its attempt ran on. */
function countByWorker(rows: readonly OwedReapRow[]): ReadonlyMap<string, number> {
  const n = new Map<string, number>();
  for (const o of rows) n.set(owedReapWorker(o), (n.get(owedReapWorker(o)) ?? 0) + 1);
  return n;
}
