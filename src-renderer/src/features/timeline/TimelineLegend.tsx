// What each colour means, in words.
import { BAR_STATES, type BarState } from '../../../../src-shared/contract';

export const STATE_LABELS: Record<BarState, string> = {
  queued: 'Queued', leased: 'Leased', running: 'Running', model_wait: 'Waiting on model', running_tool: 'Running a tool',
  review: 'Review', passed: 'Passed', failed: 'Failed', timeout: 'Timed out', cancelled: 'Cancelled',
};

export function TimelineLegend() {
  return (
    <details className="timeline-legend">
      <summary>Legend</summary>
      <ul aria-label="Timeline colours">
        {BAR_STATES.map((s) => <li key={s}><span className="bar-swatch" data-state={s} />{STATE_LABELS[s]}</li>)}
        <li className="muted">The strip under a bar: how the attempt spent its time.</li>
      </ul>
    </details>
  );
}
