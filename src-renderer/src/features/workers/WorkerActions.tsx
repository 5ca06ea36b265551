// Drain (finish what it runs, take nothing new), resume, and retire (out of service) a worker.
import type { WorkerRow } from '../../../../src-shared/contract';
import { useShoalMutation } from '../../transport/query';
import { useToast } from '../../ui/Toaster';

export function WorkerActions({ worker }: { worker: WorkerRow }) {
  const drain = useShoalMutation('workers.drain');
  const resume = useShoalMutation('workers.resume');
  const retire = useShoalMutation('workers.retire');
  const toast = useToast();
  const onError = (e: Error) => toast(e.message, 'failed');
  const pending = drain.isPending || resume.isPending || retire.isPending;
  const out = worker.status === 'draining' || worker.status === 'retired';
  return (
    <div className="worker-actions">
      {out
        ? <button type="button" className="button button-small" disabled={pending} aria-label={`Resume ${worker.name}`}
          onClick={() => resume.mutate({ workerId: worker.id }, { onError, onSuccess: () => toast(`${worker.name} takes tasks again.`) })}>Resume</button>
        : <button type="button" className="button button-small" disabled={pending} aria-label={`Drain ${worker.name}`} title="Finish the running tasks, take no new ones"
          onClick={() => drain.mutate({ workerId: worker.id }, { onError, onSuccess: () => toast(`${worker.name} is draining: it finishes its tasks and takes no new ones.`) })}>Drain</button>}
      {worker.status !== 'retired' && (
        <button type="button" className="button button-small button-danger" disabled={pending || worker.running > 0} aria-label={`Retire ${worker.name}`}
          title={worker.running > 0 ? 'Drain it first; it can retire once its tasks finish' : 'Take it out of service (it can be resumed)'}
          onClick={() => retire.mutate({ workerId: worker.id }, { onError, onSuccess: () => toast(`${worker.name} is retired.`) })}>Retire</button>
      )}
    </div>
  );
}
