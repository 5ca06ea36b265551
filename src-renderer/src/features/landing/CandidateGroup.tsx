// The candidates of one best-of-N task side by side: result, score, tests, diff stats, duration and
// cost, a diff between any two, and "Pick this one". A candidate still waiting for a person's review
// is picked as the reviewed winner instead: that one choice passes it and fails the others waiting.
import type { CandidateGroupView } from '../../../../src-shared/contract/methods/landing';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { humanize } from '../../ui/StatusPill';
import { useToast } from '../../ui/Toaster';
import { CandidateCompare } from './CandidateCompare';
import './landing.css';

export function CandidateGroup({ runId, group, current }: { runId: string; group: CandidateGroupView; current?: string }) {
  const pick = useShoalMutation('landing.pick');
  const toast = useToast();
  const reviewing = group.candidates.some((c) => c.state === 'review');
  const choose = (taskId: string, asReview: boolean) => pick.mutate({ runId, taskId }, {
    onError: (e) => toast(e.message, 'failed'),
    onSuccess: () => { if (asReview) toast(`Picked ${taskId} in review; the other candidates waiting were not picked.`); },
  });
  return (
    <div className="land-candidates" data-testid="candidate-group" data-group={group.group}>
      <p>
        <strong>Candidates for <span className="mono">{group.group}</span></strong>{' '}
        <span className="muted">ranked by passing, then {group.measures.join(', ')}.</span>{' '}
        {group.winner
          ? <span data-testid="candidate-winner">Winner: <span className="mono">{group.winner}</span>{group.pickedBy ? ` (picked by ${group.pickedBy})` : ''}</span>
          : <span>{reviewing ? 'Waiting for your review: pick the winner.' : group.tie ? 'A tie: pick one.' : 'No candidate passed.'}</span>}
      </p>
      <table className="table">
        <thead><tr><th className="land-grow">Candidate</th><th>Agent</th><th>Result</th><th>Score</th><th>Tests passed</th><th>Lines changed</th><th>Files</th><th>Duration</th><th>Cost</th><th /></tr></thead>
        <tbody>
          {group.candidates.map((c) => (
            <tr key={c.taskId} data-testid="candidate-row" data-task-id={c.taskId} data-winner={c.taskId === group.winner ? 'true' : undefined}
              aria-current={c.taskId === current ? 'true' : undefined}>
              <td className="mono land-id" title={c.taskId}>{c.taskId}{c.taskId === current ? ' (this task)' : ''}</td>
              <td className="mono land-agent" title={c.agent}>{c.agent}</td>
              <td>{c.result ? humanize(c.result) : humanize(c.state)}</td>
              <td className="mono">{c.score ?? '—'}</td>
              <td className="mono">{c.testsPassed ?? '—'}</td>
              <td className="mono">{c.linesChanged}</td>
              <td className="mono">{c.filesChanged}</td>
              <td className="mono">{c.durationS === null ? '—' : `${c.durationS}s`}</td>
              <td className="mono" title={c.costUsd === null ? 'the agent reported no cost' : undefined}>{c.costUsd === null ? '—' : `$${c.costUsd.toFixed(4)}`}</td>
              <td className="land-actions">
                {c.state === 'review' && (
                  <button type="button" className="button button-pass" disabled={pick.isPending} onClick={() => choose(c.taskId, true)}>Pick as the reviewed winner</button>
                )}
                {c.result === 'pass' && c.taskId !== group.winner && (
                  <button type="button" className="button" disabled={pick.isPending} onClick={() => choose(c.taskId, false)}>Pick this one</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {group.candidates.length > 1 && <CandidateCompare runId={runId} candidates={group.candidates.map((c) => c.taskId)} />}
    </div>
  );
}

/** On a candidate's own page while it waits for review: its whole group, to review them together. */
export function ReviewCandidates({ runId, taskId }: { runId: string; taskId: string }) {
  const overview = useShoalQuery('landing.overview', { runId });
  const group = overview.data?.groups.find((g) => g.candidates.some((c) => c.taskId === taskId));
  if (!group) return null;
  return (
    <div className="review-candidates" data-testid="review-candidates">
      <p className="muted">This task is one of {group.candidates.length} candidates for the same work: review them together and pick the winner, or pass or fail this one alone above.</p>
      <CandidateGroup runId={runId} group={group} current={taskId} />
    </div>
  );
}
