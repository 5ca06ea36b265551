// The Land section of a run: tasks that touch the same files (warned while the run is
// still going), best-of-N candidates side by side with "Pick this one" and a diff between any two,
// and the merge queue: choose the target branch and how, land, and see each task landed or taken
// out with the reason and the files.
import { useState } from 'react';
import type { LandReportView, OverlapWarningView } from '../../../../src-shared/contract/methods/landing';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { ErrorNotice } from '../../ui/QueryStatus';
import { humanize } from '../../ui/StatusPill';
import { CandidateGroup } from './CandidateGroup';
import './landing.css';
import { FINISHED_RUN_STATUSES, isIn } from '../../../../src-shared/protocol/event-states';


export function LandPanel({ runId, runStatus }: { runId: string; runStatus: string }) {
  const finished = isIn(FINISHED_RUN_STATUSES, runStatus);
  // Worktree edits of running tasks make no events: poll while the run is live.
  // A change of the run's state invalidates the `runs` family, which this overview belongs to.
  const overview = useShoalQuery('landing.overview', { runId }, { refetchInterval: finished ? false : 1500 });
  if (overview.isError) return <ErrorNotice title="Could not read what can land" error={overview.error} onRetry={() => void overview.refetch()} />;
  if (!overview.data) return null;
  const o = overview.data;
  return (
    <section className="land-panel" aria-labelledby="land-title" data-testid="land-panel">
      <h3 id="land-title" className="section-title">Land</h3>
      <ConflictWarnings warnings={o.warnings} />
      {o.groups.map((g) => <CandidateGroup key={g.group} runId={runId} group={g} />)}
      {finished
        ? <LandForm runId={runId} defaultInto={o.defaultInto} landable={o.landable} latest={o.landing} />
        : <p className="muted">Landing opens when the run has finished.</p>}
      {o.landing && <LandResult report={o.landing} />}
    </section>
  );
}

function ConflictWarnings({ warnings }: { warnings: OverlapWarningView[] }) {
  if (warnings.length === 0) return null;
  return (
    <div className="land-warnings" role="status" data-testid="conflict-warnings">
      <strong>Tasks touching the same files</strong>
      <ul>
        {warnings.map((w) => (
          <li key={`${w.tasks.join('+')}:${w.file}`} data-testid="conflict-warning" data-level={w.conflicts ? 'conflict' : w.overlapping ? 'overlap' : 'file'}>
            <span className="mono">{w.tasks[0]}</span> and <span className="mono">{w.tasks[1]}</span> both change <span className="mono">{w.file}</span>
            {w.conflicts ? ' — they conflict' : w.overlapping ? ' — in overlapping lines' : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}

function LandForm({ runId, defaultInto, landable, latest }: {
  runId: string; defaultInto: string | null; landable: Array<{ taskId: string; name: string; branch: string }>; latest: LandReportView | null;
}) {
  const land = useShoalMutation('landing.land');
  const [into, setInto] = useState(defaultInto ?? '');
  const [mode, setMode] = useState<'merge' | 'squash' | 'branches'>('merge');
  const [push, setPush] = useState(false);
  const [pr, setPr] = useState(false);
  const [remote, setRemote] = useState('origin');
  if (landable.length === 0) return <p className="muted" data-testid="land-nothing">No passed result to land.</p>;
  // A pull request needs its branch on the remote, and merges nothing here: it implies a push and
  // leaves each result as a branch (the core does the same for `shoal land --pr`).
  const pushing = push || pr;
  return (
    <form className="land-form" onSubmit={(e) => {
      e.preventDefault();
      land.mutate({
        runId, ...(into.trim() ? { into: into.trim() } : {}), mode: pr ? 'branches' : mode,
        push: pushing && !pr, pr, ...(pushing && remote.trim() ? { remote: remote.trim() } : {}),
      });
    }}>
      <p>
        {landable.length} result{landable.length === 1 ? '' : 's'} to land, in this order:{' '}
        {landable.map((t, i) => <span key={t.taskId} className="mono">{i > 0 ? ', ' : ''}{t.taskId}</span>)}
      </p>
      <AlreadyLanded landable={landable} latest={latest} />
      <label>Into branch <input className="input mono" value={into} onChange={(e) => setInto(e.target.value)} aria-label="Into branch" placeholder="main" /></label>
      <label>How
        <select className="input" value={pr ? 'branches' : mode} disabled={pr} onChange={(e) => setMode(e.target.value as typeof mode)} aria-label="How to land">
          <option value="merge">Merge commits</option>
          <option value="squash">Squash</option>
          <option value="branches">Leave as branches (check only)</option>
        </select>
      </label>
      <label><input type="checkbox" checked={pushing} disabled={pr} onChange={(e) => setPush(e.target.checked)} aria-label="Push to remote" /> Push to remote</label>
      <label>Remote <input className="input mono" value={remote} disabled={!pushing} onChange={(e) => setRemote(e.target.value)} aria-label="Remote" placeholder="origin" /></label>
      <label title="Pushes each result as its own branch and opens a pull request with the GitHub CLI (gh)">
        <input type="checkbox" checked={pr} onChange={(e) => setPr(e.target.checked)} aria-label="Open pull requests" /> Open pull requests
      </label>
      <button type="submit" className="button button-primary" disabled={land.isPending}>{land.isPending ? 'Landing…' : 'Land'}</button>
      {land.isError && <p className="land-error" role="alert" data-testid="land-error">{land.error.message}</p>}
    </form>
  );
}

/** Results the last landing already put on its branch: the count above is of what Land would take,
 *  and landing them into that branch again changes nothing (they come back "empty"). */
function AlreadyLanded({ landable, latest }: { landable: Array<{ taskId: string }>; latest: LandReportView | null }) {
  if (!latest || latest.status === 'running' || latest.mode === 'branches') return null;
  const landed = new Set(latest.items.filter((i) => i.state === 'landed' || i.state === 'empty').map((i) => i.task_id));
  const ids = landable.map((t) => t.taskId).filter((id) => landed.has(id));
  if (ids.length === 0) return null;
  const all = ids.length === landable.length;
  return (
    <p className="muted" data-testid="land-already">
      {all ? 'All of them are' : <>{ids.map((id, i) => <span key={id} className="mono">{i > 0 ? ', ' : ''}{id}</span>)} {ids.length === 1 ? 'is' : 'are'}</>}
      {' '}already on <span className="mono">{latest.into}</span>: landing {all || ids.length > 1 ? 'them' : 'it'} there again changes nothing.
    </p>
  );
}

/** The pull request address the core appends to a kept item's reason, when one was opened. */
const PR_URL = /pull request (https:\/\/\S+)$/;

function Reason({ text }: { text: string | null }) {
  const url = text ? PR_URL.exec(text)?.[1] : undefined;
  if (!text || !url) return <>{text ?? ''}</>;
  return <>{text.slice(0, text.length - url.length)}<a href={url} target="_blank" rel="noreferrer" data-testid="land-pr-url">{url}</a></>;
}

/** Steps of an item still in the queue; the rest are settled (landed, taken out, kept, empty). */
const IN_QUEUE = new Set<LandReportView['items'][number]['state']>(['queued', 'merging', 'checking']);

function LandResult({ report }: { report: LandReportView }) {
  const settled = report.items.filter((i) => !IN_QUEUE.has(i.state)).length;
  return (
    <div className="land-result" data-testid="land-result" data-status={report.status}>
      {report.status === 'running' && (report.interrupted
        ? <p role="status" data-testid="land-interrupted">Interrupted after {settled} of {report.items.length} (Shoal stopped mid-queue). Land resumes it where it stopped; nothing lands twice.</p>
        : <p role="status" data-testid="land-progress">Landing… {settled} of {report.items.length} done</p>)}
      <p>
        Into <span className="mono">{report.into}</span> ({report.mode}): <span className="mono">{report.base_commit.slice(0, 10)}</span> → <span className="mono">{report.tip_commit.slice(0, 10)}</span>, {humanize(report.status)}
        {report.error && report.status !== 'done' ? ` — ${report.error}` : ''}
      </p>
      {/* Done, but something after the queue went wrong (the push, a pull request, the checkout
          brought along): its own line, which says what did land and what did not, and why. */}
      {report.error && report.status === 'done' && (
        <p className="land-problem" role="alert" data-testid="land-problem">{report.error.charAt(0).toUpperCase() + report.error.slice(1)}</p>
      )}
      <table className="table">
        <thead><tr><th className="land-grow">Task</th><th>Outcome</th><th>Commit</th><th>Files</th><th className="land-grow">Why</th></tr></thead>
        <tbody>
          {report.items.map((i) => (
            <tr key={i.task_id} data-testid="land-item" data-task-id={i.task_id} data-state={i.state}>
              <td className="mono land-id" title={i.task_id}>{i.task_id}</td>
              <td>{humanize(i.state)}</td>
              <td className="mono">{i.commit ? i.commit.slice(0, 10) : '—'}</td>
              <td className="mono land-wrap">{i.files.join(', ') || '—'}</td>
              <td className="land-wrap"><Reason text={i.reason} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
