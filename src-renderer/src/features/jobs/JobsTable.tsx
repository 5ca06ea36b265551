// One row per job: state, what it is doing, progress, retries, when it last moved, and the actions
// its state allows. The history of every transition folds out under the row.
import { Fragment, useState } from 'react';
import type { JobView } from '../../../../src-shared/contract';
import { formatRelative } from '../../ui/format';
import { humanize, StatusPill, type Tone } from '../../ui/StatusPill';
import { useShoalMutation } from '../../transport/query';
import { useToast } from '../../ui/Toaster';
import { useNow } from '../../ui/use-now';

const TONE: Record<JobView['status'], Tone> = { queued: 'queued', running: 'running', paused: 'review', completed: 'passed', failed: 'failed', cancelled: 'cancelled' };

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export function JobsTable({ jobs }: { jobs: JobView[] }) {
  const live = jobs.some((j) => j.status === 'running' || (j.status === 'failed' && j.retry.next_retry_at !== null));
  const now = useNow(1000, live);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <table className="table jobs-table" data-testid="jobs-table">
      <thead>
        <tr>
          <th scope="col" className="col-status">Status</th>
          <th scope="col" className="col-title">Job</th>
          <th scope="col" className="col-progress">Progress</th>
          <th scope="col">Attempts</th>
          <th scope="col" className="col-time">Updated</th>
          <th scope="col"><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <Fragment key={job.id}>
            <tr data-testid="job-row" data-job={job.name} data-status={job.status}>
              <td><StatusPill tone={TONE[job.status]} label={humanize(job.status)} pulse={job.status === 'running'} /></td>
              <td className="cell-title">
                <div className="stack">
                  <button type="button" className="job-name" aria-expanded={open === job.id} onClick={() => setOpen(open === job.id ? null : job.id)}>{job.label}</button>
                  <span className="cell-sub" data-testid="job-detail" title={job.detail ?? undefined}>{job.detail ?? '—'}</span>
                </div>
              </td>
              <td>
                <div className="job-progress">
                  <div className="progress" role="progressbar" aria-label={`Progress of ${job.label}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={job.progress ?? 0}>
                    <span className="progress-segment" data-tone={TONE[job.status]} style={{ width: `${job.progress ?? 0}%` }} />
                  </div>
                  <span className="mono job-percent">{job.progress ?? 0}%</span>
                </div>
              </td>
              <td className="cell-sub"><Retry job={job} now={now} /></td>
              <td className="col-time">{formatRelative(iso(job.updated_at), now)}</td>
              <td className="job-actions"><JobActions job={job} /></td>
            </tr>
            {open === job.id && (
              <tr className="job-history-row">
                <td colSpan={6}>
                  <ol className="job-history" aria-label={`History of ${job.label}`}>
                    {[...job.history].reverse().map((h, i) => (
                      <li key={i}>
                        <span className="mono">{new Date(h.at * 1000).toLocaleTimeString()}</span>
                        <span>{humanize(h.phase)}</span>
                        {h.progress !== null && <span className="mono">{h.progress}%</span>}
                        {h.detail && <span className="muted">{h.detail}</span>}
                        {h.retry.next_backoff_ms > 0 && <span className="muted">retry in {h.retry.next_backoff_ms} ms</span>}
                      </li>
                    ))}
                  </ol>
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function Retry({ job, now }: { job: JobView; now: number }) {
  const { attempt, max_attempts: max, next_retry_at: next } = job.retry;
  if (job.status === 'failed' && next !== null) {
    const secs = Math.max(0, Math.ceil((next * 1000 - now) / 1000));
    return <span data-testid="job-retry">Retry {attempt} of {max} in {secs}s</span>;
  }
  if (job.status === 'failed') return <span data-testid="job-retry">Gave up after {attempt + 1} {attempt === 0 ? 'try' : 'tries'}</span>;
  return <span>{attempt === 0 ? 'First try' : `Retry ${attempt} of ${max}`}</span>;
}

function JobActions({ job }: { job: JobView }) {
  const pause = useShoalMutation('jobs.pause');
  const resume = useShoalMutation('jobs.resume');
  const cancel = useShoalMutation('jobs.cancel');
  const toast = useToast();
  const onError = (e: Error) => toast(e.message, 'failed');
  const retrying = job.status === 'failed' && job.retry.next_retry_at !== null;
  return (
    <div className="button-row">
      {(job.status === 'running' || job.status === 'queued' || retrying) && (
        <button type="button" className="button button-small" onClick={() => pause.mutate({ jobId: job.id }, { onError })}>Pause</button>
      )}
      {(job.status === 'paused' || job.status === 'failed') && (
        <button type="button" className="button button-small" onClick={() => resume.mutate({ jobId: job.id }, { onError })}>{job.status === 'failed' ? 'Retry now' : 'Resume'}</button>
      )}
      {job.status !== 'completed' && job.status !== 'cancelled' && (
        <button type="button" className="button button-small button-danger" onClick={() => cancel.mutate({ jobId: job.id }, { onError })}>Cancel</button>
      )}
    </div>
  );
}
