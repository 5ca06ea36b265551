// What the tooltip says about an attempt: task, attempt, worker, state, when and for how long, why
// it ended, how its time was spent, and which other tasks change the same files.
import { BAR_STATES, type BarState } from '../../../../src-shared/contract';
import { formatDuration } from '../../ui/format';
import { barState, type PlacedBar } from './timeline-model';
import { STATE_LABELS } from './TimelineLegend';

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function BarDetails({ bar, name, worker, now, conflict }: { bar: PlacedBar; name: string; worker: string; now: number; conflict?: string | null }) {
  const state = barState(bar);
  const end = bar.end ?? now;
  const spent = new Map<BarState, number>();
  for (let i = 0; i < bar.segs.length; i += 2) {
    const s = BAR_STATES[bar.segs[i + 1]!] ?? 'running';
    const to = i + 2 < bar.segs.length ? bar.segs[i + 2]! : end;
    spent.set(s, (spent.get(s) ?? 0) + Math.max(0, to - bar.segs[i]!));
  }
  return (
    <div className="bar-details">
      <div className="bar-details-head">
        <span className="bar-swatch" data-state={state} />
        <strong>{name}</strong>
      </div>
      <div className="muted">Attempt {bar.attempt} · {worker}</div>
      <div>
        <span data-state={state} className="bar-state">{STATE_LABELS[state]}</span>
        {' · '}{time.format(bar.start)}{bar.end !== null ? `–${time.format(bar.end)}` : ' – now'} · {formatDuration(end - bar.start)}
      </div>
      {bar.detail && <div className="bar-details-detail">{bar.detail}</div>}
      {conflict && <div className="bar-details-conflict" data-testid="bar-conflict">⚠ {conflict}</div>}
      {spent.size > 1 && (
        <div className="bar-details-spent">
          {[...spent].filter(([, ms]) => ms > 0).map(([s, ms]) => <span key={s}><span className="bar-swatch" data-state={s} />{STATE_LABELS[s]} {formatDuration(ms)}</span>)}
        </div>
      )}
      <div className="bar-details-hint">Click to open the task</div>
    </div>
  );
}
