// Drain (finish what it runs, take nothing new), resume, and retire (out of service) a worker; a
// remote agent can also be revoked (its credential stops working and it is disconnected), and a kept
// worker tested as it is kept (is its host usable now, and what does it have) or removed from the
// kept workers (one added with a typo must not stay forever). Which of them a row offers comes from
// its state (presentWorker): none for a removed worker.
import type { WorkerRow } from '../../../../src-shared/contract';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { useToast } from '../../ui/Toaster';
import { useListAction } from '../../ui/use-list-action';
import type { WorkerPresentation } from './worker-tone';
import { hostFacts } from './host-facts';

export function WorkerActions({ worker, offer, kept }: { worker: WorkerRow; offer: WorkerPresentation['actions']; kept: boolean }) {
  const drain = useShoalMutation('workers.drain');
  const resume = useShoalMutation('workers.resume');
  const retire = useShoalMutation('workers.retire');
  const revoke = useShoalMutation('workers.revoke');
  const remove = useShoalMutation('workers.remove');
  const test = useShoalMutation('workers.testKept');
  const toast = useToast();
  const onError = (e: Error) => toast(e.message, 'failed');
  // Which buttons a row offers comes from the list: a double click acts once (useListAction), not
  // twice with the second reported as a failure, and the buttons wait for the list read after it.
  const listAction = useListAction(useShoalQuery('workers.list', {}));
  const pending = listAction.busy || drain.isPending || resume.isPending || retire.isPending || revoke.isPending || remove.isPending;
  const act = (call: () => Promise<unknown>, done: () => void) => listAction.act(call, done, onError);
  return (
    <div className="worker-actions">
      {offer.resume && (
        <button type="button" className="button button-small" disabled={pending} aria-label={`Resume ${worker.name}`}
          onClick={() => act(() => resume.mutateAsync({ workerId: worker.id }), () => toast(`${worker.name} takes tasks again.`))}>Resume</button>
      )}
      {offer.drain && (
        <button type="button" className="button button-small" disabled={pending} aria-label={`Drain ${worker.name}`} title="Finish the running tasks, take no new ones"
          onClick={() => act(() => drain.mutateAsync({ workerId: worker.id }), () => toast(`${worker.name} is draining: it finishes its tasks and takes no new ones.`))}>Drain</button>
      )}
      {offer.retire && (
        <button type="button" className="button button-small button-danger" disabled={pending || worker.running > 0} aria-label={`Retire ${worker.name}`}
          title={worker.running > 0 ? 'Drain it first; it can retire once its tasks finish' : 'Take it out of service (it can be resumed)'}
          onClick={() => act(() => retire.mutateAsync({ workerId: worker.id }), () => toast(`${worker.name} is retired.`))}>Retire</button>
      )}
      {offer.revoke && (
        <button type="button" className="button button-small button-danger" disabled={pending} aria-label={`Revoke ${worker.name}`}
          title="Its credential stops working now: it is disconnected and must join again with a new token"
          onClick={() => {
            if (!window.confirm(`Revoke ${worker.name}? It is disconnected now and can only come back with a new join token.`)) return;
            act(() => revoke.mutateAsync({ id: worker.id }), () => toast(`${worker.name} is revoked and disconnected.`));
          }}>Revoke</button>
      )}
      {kept && worker.state !== 'removed' && (
        <button type="button" className="button button-small" disabled={test.isPending} aria-label={`Test ${worker.name}`}
          title="Reach its host now as Shoal does (its pinned key), and see what it has: git, agent CLIs, CPUs, memory, OS"
          onClick={() => test.mutate({ name: worker.id }, {
            onSuccess: (r) => toast(r.ok ? `${worker.name} is usable: ${hostFacts(r)}` : r.error ?? `${worker.name} cannot be used`, r.ok ? 'info' : 'failed'),
            onError,
          })}>{test.isPending ? 'Testing…' : 'Test'}</button>
      )}
      {kept && worker.state !== 'removed' && (
        <button type="button" className="button button-small button-danger" disabled={pending} aria-label={`Remove ${worker.name}`}
          title="Forget this kept worker: it finishes what it runs, then leaves (its history stays)"
          onClick={() => {
            if (!window.confirm(`Remove ${worker.name} from the kept workers? It finishes the tasks it runs, then takes no more; its history stays.`)) return;
            act(() => remove.mutateAsync({ name: worker.id }), () => toast(`${worker.name} is removed from the kept workers.`));
          }}>Remove</button>
      )}
    </div>
  );
}
