// `shoal run` and `shoal resume` do not exit while their alerts are still being sent or retried:
// they wait, bounded, and say what they wait for (each time that changes).
import type { ShoalCore } from '../core/shoal';
import type { CliIo } from './io';
import { flagInt } from './io';

export const DEFAULT_ALERT_WAIT_SECONDS = 60;

export function alertWaitMs(flags: Map<string, string | true>): number {
  return (flagInt(flags, 'alerts-wait', 0, 86_400) ?? DEFAULT_ALERT_WAIT_SECONDS) * 1000;
}

/** Waits for the run's deliveries (all of them when runId is undefined), or only for `deliveryId`. */
export async function waitForAlerts(core: ShoalCore, runId: string | undefined, io: CliIo, timeoutMs: number, deliveryId?: string): Promise<void> {
  if (!core.alerts.outbox.unsettled(runId).some((r) => deliveryId === undefined || r.id === deliveryId)) return;
  const left = await core.alerts.drain(runId, timeoutMs, (rows) => {
    const what = rows.map((r) => `${r.id} (${r.channel_kind}, ${r.state}${r.attempts > 0 ? `, ${r.attempts} ${r.attempts === 1 ? 'attempt' : 'attempts'}` : ''}${r.last_error ? `: ${r.last_error}` : ''})`);
    io.stderr.write(`waiting for ${rows.length} alert ${rows.length === 1 ? 'delivery' : 'deliveries'}: ${what.join('; ')}\n`);
  }, deliveryId);
  if (left.length > 0) io.stderr.write(`${left.length} alert ${left.length === 1 ? 'delivery is' : 'deliveries are'} still pending; \`shoal alerts deliver\` or the app sends them later\n`);
}
