// The receipt of an attempt: its verdict and score, and the receipt itself as the reference implementation's JSON.
import type { AttemptDetail } from '../../../../src-shared/contract';
import { formatAbsolute, formatCost, formatTokens } from '../../ui/format';
import { StatusPill } from '../../ui/StatusPill';
import { colorizeJsonLine } from './artifacts/JsonView';
import { attemptLabel, attemptTone } from './AttemptPicker';

export function ReceiptPanel({ attempt }: { attempt: AttemptDetail }) {
  const receipt = attempt.receipt;
  if (!receipt) {
    return (
      <p className="muted pad">
        {attempt.live ? 'The receipt is written when the attempt ends.' : attempt.state === 'review' ? 'The receipt is written when a person passes or fails the task.' : 'This attempt ended without a receipt (it was interrupted or its worker was lost).'}
      </p>
    );
  }
  const score = receipt.score as { value?: number; max?: number; notes?: string } | null | undefined;
  const json = JSON.stringify(receipt, null, 2);
  return (
    <div className="receipt" data-testid="receipt">
      <dl className="facts receipt-facts">
        <div><dt>Result</dt><dd><StatusPill tone={attemptTone(attempt)} label={attemptLabel(attempt)} /></dd></div>
        <div><dt>Score</dt><dd className="mono">{score && typeof score.value === 'number' ? `${score.value}${typeof score.max === 'number' ? ` / ${score.max}` : ''}` : '—'}</dd></div>
        <div><dt>Completed</dt><dd>{formatAbsolute(String(receipt.completed_at ?? ''))}</dd></div>
        <div><dt>Worker</dt><dd>{String(receipt.worker_id ?? '')}</dd></div>
        {attempt.exitCode !== null && <div><dt>Exit code</dt><dd className="mono">{attempt.exitCode}</dd></div>}
        {attempt.usage && <div><dt>Tokens</dt><dd className="mono" data-testid="receipt-tokens">{formatTokens(attempt.usage)}</dd></div>}
        {attempt.usage && <div><dt>Cost</dt><dd className="mono" data-testid="receipt-cost">{formatCost(attempt.usage.cost_usd)}</dd></div>}
      </dl>
      {score?.notes && <p className="receipt-notes"><strong>Notes:</strong> {score.notes}</p>}
      <pre className="receipt-json mono" tabIndex={0} aria-label="Receipt JSON">{json.split('\n').map((l, i) => <div key={i}>{colorizeJsonLine(l)}</div>)}</pre>
    </div>
  );
}
