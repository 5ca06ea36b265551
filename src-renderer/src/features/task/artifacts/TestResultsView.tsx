// Test results as a person reads them: totals, then every case with failures first and their
// messages; anything unrecognised falls back to the text.
import { useMemo } from 'react';
import { formatDuration } from '../../../ui/format';
import { StatusPill } from '../../../ui/StatusPill';
import { LogViewer } from './LogViewer';
import { parseTestResults, type CaseStatus } from './test-results';

const ORDER: Record<CaseStatus, number> = { failed: 0, skipped: 1, passed: 2 };
const TONE = { passed: 'passed', failed: 'failed', skipped: 'cancelled' } as const;

export function TestResultsView({ text, label }: { text: string; label: string }) {
  const report = useMemo(() => parseTestResults(text), [text]);
  if (!report) return <LogViewer text={text} label={label} />;
  const cases = [...report.cases].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  return (
    <div className="tests" data-testid="test-results">
      <div className="tests-summary">
        <StatusPill tone={report.failed > 0 ? 'failed' : 'passed'} label={report.failed > 0 ? `${report.failed} failed` : 'All passed'} />
        <span><strong>{report.passed}</strong> passed</span>
        <span><strong>{report.failed}</strong> failed</span>
        <span><strong>{report.skipped}</strong> skipped</span>
        <span className="muted">{report.format === 'junit' ? 'JUnit XML' : report.format === 'tap' ? 'TAP' : `${report.format} JSON`}</span>
      </div>
      <table className="table tests-table">
        <thead><tr><th scope="col" className="col-status">Result</th><th scope="col" className="col-title">Test</th><th scope="col" className="col-num">Time</th></tr></thead>
        <tbody>
          {cases.map((c, i) => (
            <tr key={i} data-status={c.status}>
              <td><StatusPill tone={TONE[c.status]} label={c.status[0]!.toUpperCase() + c.status.slice(1)} /></td>
              <td className="cell-title tests-case">
                <div>{c.suite && <span className="muted">{c.suite} › </span>}{c.name}</div>
                {c.message && <pre className="tests-message">{c.message}</pre>}
              </td>
              <td className="col-num mono">{c.durationMs === null ? '—' : formatDuration(c.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
