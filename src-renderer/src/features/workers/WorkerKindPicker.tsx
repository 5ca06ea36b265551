// "Where it runs" in Add worker: this computer (a worker of its own name, capabilities and limit), a
// host Shoal reaches (SSH, Docker) or an agent that dials in.
export type WorkerKind = 'local' | 'ssh' | 'docker' | 'agent';

/** `focusFirst`: the person is choosing here (the dialog was redrawn for the other form), so the
 *  checked choice is where the dialog puts focus when it opens ([data-first-focus]). */
export function WorkerKindPicker({ kind, onChange, focusFirst = false }: { kind: WorkerKind; onChange: (kind: WorkerKind) => void; focusFirst?: boolean }) {
  const first = (k: WorkerKind) => (focusFirst && kind === k ? { 'data-first-focus': true } : {});
  return (
    <div className="field" role="radiogroup" aria-label="Where it runs">
      <span className="field-label">Where it runs</span>
      <label><input type="radio" name="kind" checked={kind === 'local'} onChange={() => onChange('local')} {...first('local')} /> This computer</label>
      <label><input type="radio" name="kind" checked={kind === 'ssh'} onChange={() => onChange('ssh')} {...first('ssh')} /> SSH host</label>
      <label><input type="radio" name="kind" checked={kind === 'docker'} onChange={() => onChange('docker')} {...first('docker')} /> Docker image</label>
      <label><input type="radio" name="kind" checked={kind === 'agent'} onChange={() => onChange('agent')} {...first('agent')} /> Remote agent <span className="muted">(dials in: behind NAT, cloud VMs)</span></label>
    </div>
  );
}
