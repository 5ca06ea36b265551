import { useShoalQuery } from '../../transport/query';
import { PageToolbar } from '../../ui/PageToolbar';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { useSpecIntake } from '../launch/intake-context';
import { OpenSpecButton } from './OpenSpecButton';
import { RunsEmptyState } from './RunsEmptyState';
import { RunsTable } from './RunsTable';

export function RunsView() {
  // Live without a refresh button: main invalidates the runs family whenever a run changes.
  const runs = useShoalQuery('runs.list', { limit: 100 });
  const intake = useSpecIntake();
  if (runs.isPending) return <Loading label="Loading runs…" />;
  if (runs.isError) return <ErrorNotice title="Could not load runs" error={runs.error} onRetry={() => void runs.refetch()} />;
  if (runs.data.items.length === 0) return <RunsEmptyState />;
  const count = runs.data.items.length;
  return (
    <>
      <PageToolbar actions={<><button type="button" className="button" onClick={intake.showExamples}>Examples…</button><OpenSpecButton /></>}>
        {runs.data.next ? `The ${count} most recent runs` : `${count} ${count === 1 ? 'run' : 'runs'}`}
      </PageToolbar>
      <RunsTable runs={runs.data.items} />
    </>
  );
}
