// `#/runs/<id>`: one run's summary and its tasks. The timeline and receipts arrive with later issues.
import { hrefFor } from '../../app/use-route';
import { useShoalQuery } from '../../transport/query';
import { durationMs, formatAbsolute, formatDuration } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { humanize, StatusPill } from '../../ui/StatusPill';
import { useNow } from '../../ui/use-now';
import { isLive, runSegments, runTone } from './run-tone';
import { TasksTable } from './TasksTable';

export function RunDetailView({ runId }: { runId: string }) {
  const detail = useShoalQuery('runs.get', { runId });
  const live = detail.data ? isLive(detail.data.run.status) : false;
  const now = useNow(1000, live);
  if (detail.isPending) return <Loading label="Loading run…" />;
  if (detail.isError) {
    return (
      <div className="pad">
        <ErrorNotice title="Could not open this run" error={detail.error} onRetry={() => void detail.refetch()} />
        <p><a href={hrefFor('runs')}>Back to all runs</a></p>
      </div>
    );
  }
  const { run, tasks } = detail.data;
  const end = run.completedAt ?? (live ? null : run.updatedAt);
  return (
    <article className="run-detail" aria-labelledby="run-title">
      <header className="run-head">
        <div className="run-head-title">
          <h2 id="run-title">{run.name}</h2>
          <StatusPill tone={runTone(run.status)} label={humanize(run.status)} pulse={run.status === 'running'} />
        </div>
        <ProgressBar total={run.total} segments={runSegments(run)} label={`Progress of ${run.name}`} />
        <dl className="facts">
          <div><dt>Run id</dt><dd className="mono">{run.id}</dd></div>
          <div><dt>Created</dt><dd>{formatAbsolute(run.createdAt)}</dd></div>
          <div><dt>Duration</dt><dd className="mono">{formatDuration(durationMs(run.createdAt, end, now))}</dd></div>
          {run.workspace && <div><dt>Workspace</dt><dd className="mono">{run.workspace}</dd></div>}
          {Object.entries(run.labels).map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
        </dl>
      </header>
      <TasksTable tasks={tasks} now={now} />
    </article>
  );
}
