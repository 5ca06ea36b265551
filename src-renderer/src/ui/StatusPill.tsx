// The one status vocabulary of the app: every state a run, task or worker can be in maps to a tone.
export type Tone = 'queued' | 'running' | 'review' | 'passed' | 'failed' | 'cancelled';

export function StatusPill({ tone, label, pulse = false }: { tone: Tone; label: string; pulse?: boolean }) {
  return (
    <span className="pill" data-tone={tone} data-pulse={pulse || undefined}>
      <span className="pill-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/** snake_case state → "Running tool". */
export function humanize(state: string): string {
  const text = state.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
