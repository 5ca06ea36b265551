// The preview's word on the workers a spec would run on: each remote one answers or not, and one that
// cannot be reached is flagged with the cause, since its tasks would wait for it instead of running.
// An SSH host that only presented a key Shoal has not pinned yet can be trusted right here, after the
// person checked it: exactly that fingerprint is pinned for that address, and the workers are asked
// again. A changed key never gets this offer.
import { useState } from 'react';
import type { MethodOutput } from '../../../../src-shared/contract';
import { useShoalMutation } from '../../transport/query';
import { AlertIcon } from '../../ui/icons';

type Reach = MethodOutput<'specs.probeWorkers'>;
type UnknownKey = NonNullable<Reach[number]['unknownHostKey']>;

export function WorkerReachList({ reach, probing, onRecheck }: { reach: Reach | undefined; probing: boolean; onRecheck?: () => void }) {
  const remote = (reach ?? []).filter((r) => r.kind !== 'local');
  if (probing && !reach) return <p className="muted" data-testid="worker-reach-probing">Checking that the workers can be reached…</p>;
  if (remote.length === 0) return null;
  return (
    <ul className="preview-warnings" aria-label="Worker reachability" data-testid="worker-reach">
      {remote.map((r) => (
        <li key={r.id} data-worker-id={r.id} data-ok={r.ok}>
          {r.ok
            ? <span>{r.name} ({r.kind}) can be reached</span>
            : <>
              <AlertIcon size={13} />
              <span>
                <span data-tone="failed">{r.name} ({r.kind}) cannot be reached; its tasks would wait for it: {r.error}</span>
                {r.unknownHostKey && <TrustKey hostKey={r.unknownHostKey} rechecking={probing} onTrusted={onRecheck} />}
              </span>
            </>}
        </li>
      ))}
    </ul>
  );
}

function TrustKey({ hostKey, rechecking, onTrusted }: { hostKey: UnknownKey; rechecking: boolean; onTrusted?: () => void }) {
  const trust = useShoalMutation('workers.trustHostKey');
  const [asking, setAsking] = useState(false);
  if (trust.isSuccess) return <span className="reach-trust muted" data-testid="host-key-trusted">Trusted {hostKey.address}{rechecking ? '; checking again…' : ''}</span>;
  if (!asking) {
    return (
      <span className="reach-trust">
        <button type="button" className="button button-small" data-testid="trust-host-key" onClick={() => setAsking(true)}>Trust this key…</button>
      </span>
    );
  }
  return (
    <span className="reach-trust reach-trust-ask" role="group" aria-label={`Trust the host key of ${hostKey.address}`}>
      <span>
        Trust <span className="mono">{hostKey.fingerprint}</span> for <span className="mono">{hostKey.address}</span>? Only if it is the host's
        own key: on the host, <span className="mono">ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</span> shows it.
      </span>
      <span className="reach-trust-actions">
        <button type="button" className="button button-small button-primary" data-testid="trust-host-key-confirm" disabled={trust.isPending}
          onClick={() => trust.mutate({ address: hostKey.address, fingerprint: hostKey.fingerprint }, { onSuccess: () => onTrusted?.() })}>
          Trust key
        </button>
        <button type="button" className="button button-small" onClick={() => { setAsking(false); trust.reset(); }}>Cancel</button>
      </span>
      {trust.error && <span data-tone="failed" role="alert">{trust.error.message}</span>}
    </span>
  );
}
