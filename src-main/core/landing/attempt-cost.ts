// What an attempt cost in US dollars, when its agent said so; null when nobody knows (a shell
// script, a CLI that reports no cost). The receipt's own figure wins when it carries one (`cost_usd`,
// or `usage.cost_usd`); otherwise the last usage heartbeat of that attempt (Claude Code's
// `total_cost_usd` arrives that way). Kept apart so ranking never cares where the number lives.
import type { Store } from '../store/open';

function dollars(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

/** The cost a receipt body names, if it names one. */
export function receiptCost(body: Record<string, unknown> | null): number | null {
  if (!body) return null;
  const usage = body.usage as Record<string, unknown> | undefined;
  return dollars(body.cost_usd) ?? (usage && typeof usage === 'object' ? dollars(usage.cost_usd) : null);
}

export function attemptCost(store: Store, runId: string, taskId: string, attempt: number, receipt: Record<string, unknown> | null): number | null {
  const fromReceipt = receiptCost(receipt);
  if (fromReceipt !== null) return fromReceipt;
  const row = store.db.prepare<[string, string, number], { cost: unknown }>(
    `SELECT json_extract(body, '$.extra.cost_usd') AS cost FROM worker_events
     WHERE run_id = ? AND task_id = ? AND attempt = ? AND state = 'heartbeat' AND json_extract(body, '$.extra.cost_usd') IS NOT NULL
     ORDER BY seq DESC LIMIT 1`).get(runId, taskId, attempt);
  return dollars(row?.cost);
}
