// "Where it runs" in Add worker: a host Shoal reaches (SSH, Docker) or an agent that dials in.
export type WorkerKind = 'ssh' | 'docker' | 'agent';

export function WorkerKindPicker({ kind, onChange }: { kind: WorkerKind; onChange: (kind: WorkerKind) => void }) {
  return (
    <div className="field" role="radiogroup" aria-label="Where it runs">
      <span className="field-label">Where it runs</span>
      <label><input type="radio" name="kind" checked={kind === 'ssh'} onChange={() => onChange('ssh')} /> SSH host</label>
      <label><input type="radio" name="kind" checked={kind === 'docker'} onChange={() => onChange('docker')} /> Docker image</label>
      <label><input type="radio" name="kind" checked={kind === 'agent'} onChange={() => onChange('agent')} /> Remote agent <span className="muted">(dials in: behind NAT, cloud VMs)</span></label>
    </div>
  );
}
