// What a person can do to a task: cancel it (stopping its agent), retry it now, or (in review) pass or fail it.
import { useState } from 'react';
import { RETRYABLE_TASK_STATES, WAITING_TASK_STATES, WORKING_TASK_STATES, type TaskRow } from '../../../../src-shared/contract';
import { isIn } from '../../../../src-shared/protocol/event-states';
import { useShoalMutation } from '../../transport/query';
import { useToast } from '../../ui/Toaster';


export function TaskActions({ task }: { task: TaskRow }) {
  const cancel = useShoalMutation('tasks.cancel');
  const retry = useShoalMutation('tasks.retry');
  const toast = useToast();
  const onError = (e: Error) => toast(e.message, 'failed');
  // A working task's agent is stopped (its end records the cancel); a waiting one ends at once.
  const working = isIn(WORKING_TASK_STATES, task.state);
  return (
    <div className="task-actions">
      {(working || isIn(WAITING_TASK_STATES, task.state)) && (
        <button type="button" className="button button-danger" disabled={cancel.isPending}
          onClick={() => cancel.mutate({ runId: task.runId, taskId: task.taskId }, { onError, onSuccess: () => toast(working ? `Stopping "${task.name}"…` : `Cancelled "${task.name}".`) })}>
          Cancel task
        </button>
      )}
      {isIn(RETRYABLE_TASK_STATES, task.state) && (
        <button type="button" className="button" disabled={retry.isPending}
          title={task.state === 'retry_wait' ? 'Skip the backoff and run the next attempt now' : 'Give the task one more attempt'}
          onClick={() => retry.mutate({ runId: task.runId, taskId: task.taskId }, { onError, onSuccess: () => toast(`"${task.name}" is queued for another attempt.`) })}>
          Retry now
        </button>
      )}
    </div>
  );
}

/** Shown while the task waits for a person: look at its output and patch, then decide. */
export function ReviewPanel({ task }: { task: TaskRow }) {
  const review = useShoalMutation('tasks.review');
  const toast = useToast();
  const [notes, setNotes] = useState('');
  const decide = (pass: boolean) => review.mutate({ runId: task.runId, taskId: task.taskId, pass, ...(notes.trim() ? { notes: notes.trim() } : {}) }, {
    onError: (e) => toast(e.message, 'failed'),
    onSuccess: () => toast(`${pass ? 'Passed' : 'Failed'} "${task.name}".`),
  });
  return (
    <section className="review-panel" aria-labelledby="review-title" data-testid="review-panel">
      <div className="review-text">
        <h3 id="review-title">This task is waiting for your review</h3>
        <p className="muted">Look at its changes and output below, then pass or fail it. Your verdict becomes its receipt.</p>
      </div>
      <label className="field review-notes">
        <span className="field-label">Notes <span className="muted">(optional, kept with the receipt)</span></span>
        <textarea className="textarea" rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={4000} />
      </label>
      <div className="review-buttons">
        <button type="button" className="button button-pass" disabled={review.isPending} onClick={() => decide(true)}>Pass</button>
        <button type="button" className="button button-fail" disabled={review.isPending} onClick={() => decide(false)}>Fail</button>
      </div>
    </section>
  );
}
