// Pause, resume and cancel a run. Cancelling asks once more: it stops running agents.
import { useState } from 'react';
import type { RunSummary } from '../../../../src-shared/contract';
import { useShoalMutation } from '../../transport/query';
import { useToast } from '../../ui/Toaster';

export function RunActions({ run }: { run: RunSummary }) {
  const pause = useShoalMutation('runs.pause');
  const resume = useShoalMutation('runs.resume');
  const cancel = useShoalMutation('runs.cancel');
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const active = ['pending', 'queued', 'running', 'paused'].includes(run.status);
  if (!active) return null;
  const onError = (e: Error) => toast(e.message, 'failed');
  if (confirming) {
    return (
      <div className="run-actions" role="group" aria-label="Confirm cancelling the run">
        <span className="muted">Stop its agents and drop the queued tasks?</span>
        <button type="button" className="button button-danger" autoFocus onClick={() => cancel.mutate({ runId: run.id }, { onError, onSettled: () => setConfirming(false) })}>
          Yes, cancel run
        </button>
        <button type="button" className="button" onClick={() => setConfirming(false)}>Keep running</button>
      </div>
    );
  }
  return (
    <div className="run-actions">
      {run.status === 'paused'
        ? <button type="button" className="button" onClick={() => resume.mutate({ runId: run.id }, { onError })}>Resume</button>
        : <button type="button" className="button" onClick={() => pause.mutate({ runId: run.id }, { onError })} title="Stop leasing new tasks; running ones finish">Pause</button>}
      <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>Cancel run…</button>
    </div>
  );
}
