// A tool call inline in the conversation: what it runs, whether it waits for a person (with a way
// to the approval), what the policy said, and its output.
import { useState } from 'react';
import { hrefFor } from '../../app/use-route';
import { StatusPill, type Tone } from '../../ui/StatusPill';
import { toolSummary, type ToolCallView, type ToolState } from './thread-format';

const STATE: Record<ToolState, { tone: Tone; label: string }> = {
  running: { tone: 'running', label: 'Running' },
  waiting: { tone: 'review', label: 'Waiting for approval' },
  completed: { tone: 'passed', label: 'Done' },
  failed: { tone: 'failed', label: 'Failed' },
  denied: { tone: 'cancelled', label: 'Refused' },
  aborted: { tone: 'failed', label: 'Aborted' },
};
const PREVIEW_LINES = 12;

export function ToolCallCard({ call }: { call: ToolCallView }) {
  const [expanded, setExpanded] = useState(false);
  const state = STATE[call.state];
  const lines = call.output?.replace(/\n$/, '').split('\n') ?? [];
  const long = lines.length > PREVIEW_LINES;
  const shown = expanded || !long ? lines : lines.slice(-PREVIEW_LINES);
  return (
    <div className="tool-card" data-testid="tool-call" data-state={call.state} data-tool={call.tool}>
      <div className="tool-head">
        <span className="tool-name mono">{call.tool}</span>
        <StatusPill tone={state.tone} label={state.label} pulse={call.state === 'running' || call.state === 'waiting'} />
        {call.exitCode !== null && call.exitCode !== 0 && <span className="tool-exit mono">exit {call.exitCode}</span>}
      </div>
      {toolSummary(call.tool, call.args) && <pre className="tool-args mono">{toolSummary(call.tool, call.args)}</pre>}
      {call.notes.length > 0 && <p className="tool-notes">{call.notes.join(' · ')}</p>}
      {call.state === 'waiting' && (
        <p className="tool-waiting" role="status">Shoal's policy asks you first. Decide in the approval dialog, or in <a href={hrefFor('approvals')}>Approvals</a>.</p>
      )}
      {call.output !== null && call.output !== '' && (
        <div className="tool-output">
          {long && !expanded && <button type="button" className="link-button" onClick={() => setExpanded(true)}>Show all {lines.length} lines</button>}
          <pre className="mono" data-testid="tool-output">{shown.join('\n')}</pre>
        </div>
      )}
    </div>
  );
}
