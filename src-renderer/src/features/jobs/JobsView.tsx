// Jobs: Shoal's background work — worktree cleanup, artifact indexing, retention — with progress,
// retries with backoff, and history. Each kind can be started by hand; retention is set here.
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { EmptyState } from '../../ui/EmptyState';
import { JobsIcon } from '../../ui/icons';
import { PageToolbar } from '../../ui/PageToolbar';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { useToast } from '../../ui/Toaster';
import { JobsTable } from './JobsTable';
import { RetentionSetting } from './RetentionSetting';
import '../../ui/ui-extra.css';
import './jobs.css';

export function JobsView() {
  const jobs = useShoalQuery('jobs.list', {});
  if (jobs.isPending) return <Loading label="Loading jobs…" />;
  if (jobs.isError) return <ErrorNotice title="Could not load jobs" error={jobs.error} onRetry={() => void jobs.refetch()} />;
  const { kinds, retentionDays } = jobs.data;
  if (jobs.data.jobs.length === 0) {
    return (
      <EmptyState testId="jobs-empty" icon={<JobsIcon size={22} />} title="No background jobs">
        <p>
          Jobs are the work Shoal does behind the scenes: removing the worktrees of finished attempts, indexing the
          artifacts in receipts, and pruning old timelines. They start on their own when there is work, show their
          progress and retries here, and can be started by hand.
        </p>
        <div className="empty-actions"><RunButtons kinds={kinds} /></div>
        <RetentionSetting days={retentionDays} />
      </EmptyState>
    );
  }
  const active = jobs.data.jobs.filter((j) => j.status === 'running' || j.status === 'queued').length;
  return (
    <div className="jobs">
      <PageToolbar actions={<RunButtons kinds={kinds} />}>
        {jobs.data.jobs.length} {jobs.data.jobs.length === 1 ? 'job' : 'jobs'}{active > 0 ? ` · ${active} active` : ''}
      </PageToolbar>
      <JobsTable jobs={jobs.data.jobs} />
      <div className="jobs-foot"><RetentionSetting days={retentionDays} /></div>
    </div>
  );
}

function RunButtons({ kinds }: { kinds: Array<{ name: string; label: string; description: string }> }) {
  const run = useShoalMutation('jobs.run');
  const toast = useToast();
  return (
    <div className="jobs-run">
      {kinds.map((k) => (
        <button key={k.name} type="button" className="button" title={k.description} disabled={run.isPending}
          onClick={() => run.mutate({ name: k.name }, { onError: (e) => toast(`Could not start ${k.label}: ${e.message}`, 'failed') })}>
          Run {k.label.toLowerCase()}
        </button>
      ))}
    </div>
  );
}
