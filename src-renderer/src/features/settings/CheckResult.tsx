// The outcome of a "Check connection", shown where the person pressed it.
export type CheckState =
  | { kind: 'checking' }
  | { kind: 'done'; ok: boolean; message: string; latencyMs?: number }
  | { kind: 'error'; message: string }
  | null;

export function CheckResult({ state }: { state: CheckState }) {
  if (!state) return null;
  if (state.kind === 'checking') return <p className="check-result" role="status"><span className="spinner" aria-hidden="true" /> Checking…</p>;
  const ok = state.kind === 'done' && state.ok;
  return (
    <p className="check-result" role="status" data-testid="check-result" data-ok={ok} data-tone={ok ? 'passed' : 'failed'}>
      {state.message}{state.kind === 'done' && state.latencyMs !== undefined ? <span className="muted"> ({state.latencyMs} ms)</span> : null}
    </p>
  );
}
