// The retry history: one entry per attempt with its outcome and duration; picking one shows its
// output, artifacts and receipt.
import type { AttemptDetail } from '../../../../src-shared/contract';
import { durationMs, formatDuration } from '../../ui/format';
import { humanize, StatusPill, type Tone } from '../../ui/StatusPill';

export function attemptTone(a: AttemptDetail): Tone {
  if (a.live) return 'running';
  if (a.state === 'review') return 'review';
  if (a.result === 'pass') return 'passed';
  if (a.result === 'skip') return 'cancelled';
  if (a.result === 'fail' || a.result === 'timeout' || a.state === 'interrupted' || a.state === 'lost') return 'failed';
  return 'queued';
}

export function attemptLabel(a: AttemptDetail): string {
  if (a.live) return 'Running';
  if (a.state === 'review') return 'In review';
  if (a.result === 'pass') return 'Passed';
  if (a.result === 'timeout') return 'Timed out';
  if (a.result === 'skip') return 'Cancelled';
  if (a.result === 'fail') return 'Failed';
  return humanize(a.state);
}

export function AttemptPicker({ attempts, selected, onSelect, now }: { attempts: AttemptDetail[]; selected: number; onSelect: (n: number) => void; now: number }) {
  return (
    <div className="attempts" role="radiogroup" aria-label="Attempts" data-testid="attempts">
      {attempts.map((a) => (
        <button key={a.attempt} type="button" role="radio" aria-checked={a.attempt === selected} className="attempt" onClick={() => onSelect(a.attempt)}
          data-testid="attempt" tabIndex={a.attempt === selected ? 0 : -1}
          onKeyDown={(e) => {
            const d = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
            if (!d) return;
            e.preventDefault();
            const i = attempts.findIndex((x) => x.attempt === selected);
            const next = attempts[Math.min(attempts.length - 1, Math.max(0, i + d))]!;
            onSelect(next.attempt);
            (e.currentTarget.parentElement?.children[attempts.indexOf(next)] as HTMLElement | undefined)?.focus();
          }}>
          <span className="attempt-n">#{a.attempt}</span>
          <StatusPill tone={attemptTone(a)} label={attemptLabel(a)} pulse={a.live} />
          <span className="attempt-meta mono">{formatDuration(durationMs(a.startedAt, a.endedAt, now))}</span>
          {a.reason && <span className="attempt-reason" title={a.reason}>{a.reason}</span>}
        </button>
      ))}
    </div>
  );
}
