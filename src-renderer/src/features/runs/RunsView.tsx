import { useInfiniteQuery } from '@tanstack/react-query';
import { queryFamilyOf } from '../../../../src-shared/contract/families';
import { useClient } from '../../transport/query';
import { PageToolbar } from '../../ui/PageToolbar';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { useSpecIntake } from '../launch/intake-context';
import { OpenSpecButton } from './OpenSpecButton';
import { RunsEmptyState } from './RunsEmptyState';
import { RunsTable } from './RunsTable';

const PAGE = 100;

export function RunsView() {
  const client = useClient();
  // Live without a refresh button: main invalidates the runs family whenever a run changes, and
  // every page shown so far is read again (each from the cursor the page before it ends at). Older
  // runs come a page at a time, on request.
  const runs = useInfiniteQuery({
    queryKey: [queryFamilyOf('runs.list'), 'runs.list', { limit: PAGE, paged: true }],
    queryFn: ({ pageParam }) => client.call('runs.list', pageParam === null ? { limit: PAGE } : { limit: PAGE, before: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const intake = useSpecIntake();
  if (runs.isPending) return <Loading label="Loading runs…" />;
  if (runs.isError) return <ErrorNotice title="Could not load runs" error={runs.error} onRetry={() => void runs.refetch()} />;
  const items = runs.data.pages.flatMap((p) => p.items);
  if (items.length === 0) return <RunsEmptyState />;
  const count = items.length;
  return (
    <>
      <PageToolbar actions={<><button type="button" className="button" onClick={intake.showExamples}>Examples…</button><OpenSpecButton /></>}>
        {runs.hasNextPage ? `The ${count} most recent runs` : `${count} ${count === 1 ? 'run' : 'runs'}`}
      </PageToolbar>
      <RunsTable runs={items} />
      {runs.hasNextPage && (
        <p className="pad">
          <button type="button" className="button" disabled={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
            {runs.isFetchingNextPage ? 'Loading older runs…' : 'Show older runs'}
          </button>
        </p>
      )}
    </>
  );
}
