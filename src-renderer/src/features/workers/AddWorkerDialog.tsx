// "Add worker": this computer, an SSH host or a Docker image, tested before it is kept (a remote agent, which dials
// in instead, is RemoteAgentDialog). Test connection shows git,
// the agent CLIs found, CPUs, memory and OS; an SSH host key seen for the first time is shown with
// its fingerprint and kept only once the person trusts it. The key file (an SSH host's, or that of a
// Docker daemon reached over ssh://, which logs in the same way) is read by main and sealed there:
// this view only names its path.
import { useEffect, useRef, useState } from 'react';
import { RemoteError } from '../../../../src-shared/contract/envelope';
import type { HostCheck } from '../../../../src-shared/contract/methods/hosts';
import { useShoalMutation } from '../../transport/query';
import { Dialog } from '../../ui/Dialog';
import { ErrorNotice } from '../../ui/QueryStatus';
import { useToast } from '../../ui/Toaster';
import { useReveal } from '../../ui/use-reveal';
import { RemoteAgentDialog } from './RemoteAgentDialog';
import { WorkerKindPicker, type WorkerKind } from './WorkerKindPicker';
import { hostFacts } from './host-facts';

export function AddWorkerDialog({ onClose }: { onClose: () => void }) {
  const test = useShoalMutation('workers.test');
  const add = useShoalMutation('workers.add');
  const toast = useToast();
  const [kind, setKind] = useState<WorkerKind>('ssh');
  const [picked, setPicked] = useState(false);
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  const [identity, setIdentity] = useState('');
  const [image, setImage] = useState('');
  const [dockerHost, setDockerHost] = useState('');
  const [capabilities, setCapabilities] = useState('');
  const [maxTasks, setMaxTasks] = useState('');
  const [trusted, setTrusted] = useState<string | null>(null);
  const [result, setResult] = useState<HostCheck | null>(null);
  const [inputError, setInputError] = useState<string | null>(null);

  // Only a daemon reached over ssh:// logs in with a key; the field (and its value) is for that alone.
  const dockerOverSsh = dockerHost.trim().startsWith('ssh://');
  const key = identity.trim() && (kind === 'ssh' || dockerOverSsh) ? { identity: identity.trim() } : {};
  const host = (): Parameters<typeof test.mutate>[0]['host'] | null => {
    if (kind === 'local') return { kind };
    if (kind === 'docker') return image.trim() ? { kind, image: image.trim(), ...(dockerHost.trim() ? { dockerHost: dockerHost.trim() } : {}), ...key } : null;
    // As `shoal workers add --ssh` reads it: an IPv6 address in brackets ([::1]:22).
    const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(target.trim());
    if (!m) return null;
    return { kind: 'ssh' as const, host: m[2]!.replace(/^\[|\]$/g, ''), ...(m[1] ? { user: m[1] } : {}), ...(m[3] ? { port: Number(m[3]) } : {}), ...key };
  };
  const busy = test.isPending || add.isPending;
  // One call at a time: the second click of a double click comes before the buttons are drawn
  // disabled, and a second Add would be refused ("already exists") after the first kept the worker.
  const asking = useRef(false);
  useEffect(() => {
    if (!busy) asking.current = false;
  }, [busy]);
  const withHost = (fn: (h: NonNullable<ReturnType<typeof host>>) => void) => {
    if (asking.current) return;
    // Each answer replaces the last one: a refusal of the other button is about earlier input.
    test.reset();
    add.reset();
    const h = host();
    if (!h) return setInputError(kind === 'ssh' ? 'Host: expected [user@]host[:port]' : 'Image: required');
    const limit = maxTasks.trim();
    if (limit && !/^[1-9]\d{0,3}$/.test(limit) || Number(limit) > 1024) return setInputError('Tasks at once: a whole number from 1 to 1024, or empty for as many as this computer has CPUs');
    setInputError(null);
    asking.current = true;
    fn(h);
  };
  const acceptHostKey = trusted ?? undefined;
  // Main refuses a field it cannot use (a key file it cannot read) before any connection is tried.
  const failure = test.error ?? add.error;
  const failureRef = useReveal<HTMLDivElement>(failure);
  // A new key path answers the refusal of the old one: the notice goes until the next try.
  const changeKey = (v: string) => {
    setIdentity(v);
    test.reset();
    add.reset();
  };
  // Remote agent is a dialog of its own: switching to it or back draws a new one, whose focus then
  // goes to the choice just made, not to its first field (arrow keys go on through the choices).
  const pick = (k: WorkerKind) => {
    setPicked(true);
    setKind(k);
  };
  if (kind === 'agent') return <RemoteAgentDialog onClose={onClose} picker={<WorkerKindPicker kind={kind} onChange={pick} focusFirst={picked} />} />;

  return (
    <Dialog title="Add worker" onClose={onClose} testId="add-worker-dialog" initialFocus='[data-first-focus]'
      footer={(
        <>
          <button type="button" className="button" disabled={busy} data-testid="worker-test"
            onClick={() => withHost((h) => test.mutate({ host: h, ...(acceptHostKey ? { acceptHostKey } : {}) }, { onSuccess: setResult }))}>Test connection</button>
          <button type="button" className="button" style={{ marginLeft: 'auto' }} onClick={onClose}>Cancel</button>
          <button type="submit" form="add-worker-form" className="button button-primary" disabled={busy || !name.trim()}>Add</button>
        </>
      )}>
      <form id="add-worker-form" className="task-form" onSubmit={(e) => {
        e.preventDefault();
        withHost((h) => add.mutate({
          name: name.trim(), host: h, ...(acceptHostKey ? { acceptHostKey } : {}),
          capabilities: capabilities.split(',').map((c) => c.trim()).filter(Boolean),
          ...(maxTasks.trim() ? { maxTasks: Number(maxTasks.trim()) } : {}),
        }, {
          onSuccess: (r) => {
            setResult(r);
            if (r.ok) {
              toast(`${name.trim()} was added and takes tasks now.`);
              onClose();
            }
          },
        }));
      }}>
        <label className="field">
          <span className="field-label">Name</span>
          <input name="worker-name" className="input" data-first-focus={!picked || undefined} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} placeholder="gpu-box" />
        </label>
        <WorkerKindPicker kind={kind} focusFirst={picked} onChange={(k) => { pick(k); setTrusted(null); setResult(null); }} />
        {kind === 'local' ? (
          <p className="field-hint" data-testid="local-worker-hint">
            A worker of its own on this computer, beside the default one: its name, capabilities and limit are yours to set (a task that requires
            a capability only it offers runs here). It needs git (and the agent&apos;s CLI).
          </p>
        ) : kind === 'ssh' ? (
          <>
            <label className="field">
              <span className="field-label">Host</span>
              <input name="ssh-target" className="input mono" value={target} onChange={(e) => { setTarget(e.target.value); setTrusted(null); setResult(null); }} placeholder="me@10.0.0.5:22" />
              <span className="field-hint">It needs sshd, sh and git (and the agent&apos;s CLI).</span>
            </label>
            <KeyFileField value={identity} onChange={changeKey} />
          </>
        ) : (
          <>
            <label className="field">
              <span className="field-label">Image</span>
              <input name="docker-image" className="input mono" value={image} onChange={(e) => { setImage(e.target.value); setResult(null); }} placeholder="localhost/shoal-worker:latest" />
              <span className="field-hint">Never pulled: build or load it first. It needs sh and git.</span>
            </label>
            <label className="field">
              <span className="field-label">Docker host <span className="muted">(optional)</span></span>
              <input name="docker-host" className="input mono" value={dockerHost} onChange={(e) => { setDockerHost(e.target.value); setTrusted(null); setResult(null); }} placeholder="unix:///var/run/docker.sock (default: DOCKER_HOST)" />
              <span className="field-hint">On another machine: ssh://user@host[:port][/path/to/docker.sock], logged in like an SSH host.</span>
            </label>
            {dockerOverSsh && <KeyFileField value={identity} onChange={changeKey} />}
          </>
        )}
        <label className="field">
          <span className="field-label">Capabilities <span className="muted">(optional)</span></span>
          <input name="worker-capabilities" className="input" value={capabilities} onChange={(e) => setCapabilities(e.target.value)} placeholder="gpu, linux" />
        </label>
        <label className="field">
          <span className="field-label">Tasks at once <span className="muted">(optional)</span></span>
          <input name="worker-max-tasks" className="input" inputMode="numeric" value={maxTasks} onChange={(e) => setMaxTasks(e.target.value)} placeholder="as many as this computer has CPUs" />
        </label>
        {inputError && <p className="field-error" role="alert">{inputError}</p>}
        {result && <CheckResult result={result} trusted={trusted} onTrust={setTrusted} />}
        {failure && <div ref={failureRef}><ErrorNotice title={failure instanceof RemoteError && (failure.code === 'invalid_input' || failure.code === 'conflict') ? 'Check the fields' : 'Could not reach the host'} error={failure} /></div>}
      </form>
    </Dialog>
  );
}

/** One SSH key field for both logins (an SSH host, a Docker daemon over ssh://): main reads and seals it. */
function KeyFileField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <label className="field">
      <span className="field-label">Key file <span className="muted">(optional)</span></span>
      <input name="ssh-identity" className="input mono" value={value} onChange={(e) => onChange(e.target.value)} placeholder="~/.ssh/id_ed25519" />
      <span className="field-hint">Read and sealed by Shoal; without one, your ssh-agent or ~/.ssh/id_* is used.</span>
    </label>
  );
}

function CheckResult({ result, trusted, onTrust }: { result: HostCheck; trusted: string | null; onTrust: (key: string | null) => void }) {
  const ref = useReveal<HTMLDivElement>(result);
  if (result.ok) {
    return (
      <div ref={ref} className="worker-check ok" data-testid="worker-check" role="status">
        Usable — {hostFacts(result)}
        {result.hostKey && <div className="muted mono">host key {result.hostKey}</div>}
      </div>
    );
  }
  return (
    <div ref={ref} className="worker-check failed" data-testid="worker-check" role="alert">
      {result.error}
      {result.unknownHostKey && (
        <label className="worker-trust">
          <input type="checkbox" data-testid="trust-host-key" checked={trusted === result.unknownHostKey} onChange={(e) => onTrust(e.target.checked ? result.unknownHostKey : null)} />
          {' '}I checked this key: trust <span className="mono">{result.unknownHostKey}</span>
        </label>
      )}
    </div>
  );
}
