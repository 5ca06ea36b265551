// The runs list: one dense row per run, newest first. The name is the link into the run.
import type { RunSummary } from '../../../../src-shared/contract';
import { hrefFor } from '../../app/use-route';
import { durationMs, formatAbsolute, formatDuration, formatRelative } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { humanize, StatusPill } from '../../ui/StatusPill';
import { useNow } from '../../ui/use-now';
import { isLive, runSegments, runTone } from './run-tone';

export function RunsTable({ runs }: { runs: RunSummary[] }) {
  const now = useNow(1000, runs.some((r) => isLive(r.status)));
  return (
    <table className="table" data-testid="runs-table">
      <thead>
        <tr>
          <th scope="col" className="col-status">Status</th>
          <th scope="col" className="col-title">Run</th>
          <th scope="col" className="col-progress">Progress</th>
          <th scope="col" className="col-num">Tasks</th>
          <th scope="col" className="col-num">Duration</th>
          <th scope="col" className="col-time">Created</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-testid="run-row" data-status={run.status} data-run-id={run.id}>
            <td><StatusPill tone={runTone(run.status)} label={humanize(run.status)} pulse={run.status === 'running'} /></td>
            <td className="cell-title">
              <div className="stack">
                <a href={hrefFor('runs', run.id)} className="row-link">{run.name}</a>
                <span className="cell-sub mono">{run.workspace ?? run.id}</span>
              </div>
            </td>
            <td><ProgressBar total={run.total} segments={runSegments(run)} label={`Progress of ${run.name}`} /></td>
            <td className="col-num"><RunCounts run={run} /></td>
            <td className="col-num mono">{formatDuration(durationMs(run.createdAt, run.completedAt ?? (isLive(run.status) ? null : run.updatedAt), now))}</td>
            <td className="col-time" title={formatAbsolute(run.createdAt)}>{formatRelative(run.createdAt, now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "14/24" and, under it, the outcomes so far: passed, failed, waiting for review. */
function RunCounts({ run }: { run: RunSummary }) {
  const done = run.passed + run.failed + run.review + run.cancelled;
  const notes = [
    run.passed > 0 && <span key="p" data-tone="passed">{run.passed} passed</span>,
    run.failed > 0 && <span key="f" data-tone="failed">{run.failed} failed</span>,
    run.review > 0 && <span key="r" data-tone="review">{run.review} review</span>,
  ].filter(Boolean);
  return (
    <div className="stack stack-end">
      <span className="mono">{done}/{run.total}</span>
      {notes.length > 0 && <span className="cell-sub counts">{notes}</span>}
    </div>
  );
}
