// A stacked bar: one segment per finished outcome, the rest of the track is work still to do.
import type { Tone } from './StatusPill';

export interface Segment {
  tone: Tone;
  value: number;
  label: string;
}

export function ProgressBar({ total, segments, label }: { total: number; segments: Segment[]; label: string }) {
  const done = segments.reduce((sum, s) => sum + s.value, 0);
  const text = total === 0
    ? 'No tasks'
    : `${done} of ${total} done` + segments.filter((s) => s.value > 0).map((s) => `, ${s.value} ${s.label}`).join('');
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={Math.max(total, 1)}
      aria-valuenow={done} aria-valuetext={text} title={text}>
      {total > 0 && segments.map((s) => s.value > 0 && (
        <span key={s.tone} className="progress-segment" data-tone={s.tone} style={{ width: `${(s.value / total) * 100}%` }} />
      ))}
    </div>
  );
}
