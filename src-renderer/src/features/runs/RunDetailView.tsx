// `#/runs/<id>`: one run live: its summary and actions, the timeline (a swimlane per worker, a bar
// per attempt, marked where two tasks change the same files) and its tasks. Clicking a bar or a task opens the task.
import { useMemo } from 'react';
import { hrefFor, navigate } from '../../app/use-route';
import { useShoalQuery } from '../../transport/query';
import { durationMs, formatAbsolute, formatCost, formatDuration, formatTokens } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { humanize, StatusPill } from '../../ui/StatusPill';
import { useNow } from '../../ui/use-now';
import { useConflictMarks } from '../landing/conflict-marks';
import { LandPanel } from '../landing/LandPanel';
import { Timeline } from '../timeline/Timeline';
import { RunActions } from './RunActions';
import { isLive, runSegments, runTone } from './run-tone';
import { TasksTable } from './TasksTable';
import '../../ui/ui-extra.css';
import './runs.css';

export function RunDetailView({ runId }: { runId: string }) {
  const detail = useShoalQuery('runs.get', { runId });
  const workers = useShoalQuery('workers.list', {});
  const live = detail.data ? isLive(detail.data.run.status) : false;
  const now = useNow(1000, live);
  const workerNames = useMemo(() => new Map((workers.data ?? []).map((w) => [w.id, w.name])), [workers.data]);
  const conflicts = useConflictMarks(runId);
  if (detail.isPending) return <Loading label="Loading run…" />;
  if (detail.isError) {
    return (
      <div className="pad">
        <ErrorNotice title="Could not open this run" error={detail.error} onRetry={() => void detail.refetch()} />
        <p><a href={hrefFor('runs')}>Back to all runs</a></p>
      </div>
    );
  }
  const { run, tasks, usage } = detail.data;
  const end = run.completedAt ?? (live ? null : run.updatedAt);
  return (
    <article className="run-detail" aria-labelledby="run-title" data-status={run.status}>
      <header className="run-head">
        <div className="run-head-title">
          <h2 id="run-title">{run.name}</h2>
          <StatusPill tone={runTone(run.status)} label={humanize(run.status)} pulse={run.status === 'running'} />
          <RunActions run={run} />
        </div>
        <ProgressBar total={run.total} segments={runSegments(run)} label={`Progress of ${run.name}`} />
        <dl className="facts">
          <div><dt>Run id</dt><dd className="mono">{run.id}</dd></div>
          <div><dt>Created</dt><dd>{formatAbsolute(run.createdAt)}</dd></div>
          <div><dt>Duration</dt><dd className="mono">{formatDuration(durationMs(run.createdAt, end, now))}</dd></div>
          <div><dt>Passed</dt><dd className="mono" data-tone="passed">{run.passed}</dd></div>
          <div><dt>Failed</dt><dd className="mono" data-tone={run.failed ? 'failed' : undefined}>{run.failed}</dd></div>
          <div><dt>Waiting for review</dt><dd className="mono" data-tone={run.review ? 'review' : undefined}>{run.review}</dd></div>
          {run.cancelled > 0 && <div><dt>Cancelled</dt><dd className="mono">{run.cancelled}</dd></div>}
          {usage && <div><dt>Tokens</dt><dd className="mono" data-testid="run-tokens">{formatTokens(usage)}</dd></div>}
          {usage?.cost_usd != null && (
            <div>
              <dt>Cost</dt>
              <dd className="mono" data-testid="run-cost">
                {formatCost(usage.cost_usd)}
                {/* Some receipts carry tokens but no cost (Codex reports none): the sum covers only those that do. */}
                {usage.costReceipts < usage.receipts && <span className="muted"> (partial: {usage.costReceipts} of {usage.receipts} receipts)</span>}
              </dd>
            </div>
          )}
          {run.workspace && <div><dt>Workspace</dt><dd className="mono">{run.workspace}</dd></div>}
          {Object.entries(run.labels).map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
        </dl>
      </header>
      <Timeline runId={run.id} runName={run.name} tasks={tasks} workerNames={workerNames} conflicts={conflicts}
        onOpen={(taskId, attempt) => navigate(hrefFor('runs', run.id, taskId, String(attempt)))} />
      <h3 className="section-title">Tasks</h3>
      <TasksTable tasks={tasks} now={now} />
      <LandPanel runId={run.id} runStatus={run.status} />
    </article>
  );
}
