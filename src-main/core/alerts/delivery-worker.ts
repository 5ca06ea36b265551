// Sends what the outbox holds, off the engine's path: the engine only ever inserts rows. Each due row
// is claimed (a lease on the row), sent with a timeout and settled: delivered; retried with
// exponential backoff and jitter (or after the receiver's Retry-After) on network errors, timeouts,
// 408, 429 and 5xx; failed for good on other 4xx or after the attempt limit.
import type { SecretCipher } from '../providers/secret-store';
import type { AlertMessage, OutgoingRequest } from './senders/alert-message';
import { postRequest, type PostResult } from './senders/http-post';
import { pagerDutyRequest, pagerDutyUrl } from './senders/pagerduty';
import { slackRequest } from './senders/slack';
import { webhookRequest } from './senders/webhook';
import { hideSecrets } from '../providers/hide-secrets';
import { openChannel, redact, secretPieces } from './sealed-channel';
import type { AlertChannelConfig } from './alert-config';
import type { AlertOutbox, DeliveryRow } from './outbox';
import { backoffMs } from '../fleet/retry';

export interface DeliveryOptions {
  outbox: AlertOutbox;
  cipher: SecretCipher;
  env: NodeJS.ProcessEnv;
  /** The message for a row (names of its run and task, the link). */
  message: (row: DeliveryRow) => AlertMessage;
  maxAttempts: () => number;
  timeoutMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often to look for rows another process wrote. */
  pollMs?: number;
  log: (line: string) => void;
  onSettled?: (row: DeliveryRow) => void;
}

const BATCH = 16;

export class DeliveryWorker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timeoutMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly pollMs: number;

  constructor(private readonly o: DeliveryOptions) {
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.baseBackoffMs = o.baseBackoffMs ?? 2_000;
    this.maxBackoffMs = o.maxBackoffMs ?? 300_000;
    this.pollMs = o.pollMs ?? 5_000;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops looking for work; sends already under way finish (their rows stay claimed otherwise). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Look now (something was enqueued, or a person asked for a retry). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.stopped) break;
        const now = Date.now();
        const rows = this.o.outbox.due(now, BATCH).filter((r) => this.o.outbox.claim(r, now + this.timeoutMs + 1_000));
        if (rows.length === 0) break;
        this.again = true;
        await Promise.all(rows.map((r) => this.track(this.deliver(r))));
      } while (this.again);
    } catch (error) {
      this.o.log(`alerts: delivery loop: ${redact(String(error))}`);
    } finally {
      this.running = false;
      this.arm();
    }
  }

  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    return p.finally(() => this.inFlight.delete(p));
  }

  /** Wakes at the next due row, or after the poll interval (rows written by another process). */
  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.o.outbox.nextDueAt();
    const delay = next === null ? this.pollMs : Math.min(this.pollMs, Math.max(0, next - Date.now()) + 5);
    this.timer = setTimeout(() => this.kick(), delay);
    this.timer.unref();
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const attempt = row.attempts + 1;
    let result: PostResult;
    let secrets: string[] = [];
    try {
      const channel = openChannel(this.o.cipher, JSON.parse(row.channel) as Record<string, unknown>);
      secrets = secretPieces(channel);
      result = await postRequest(this.request(row, channel), this.timeoutMs);
    } catch (error) {
      // A channel that cannot be opened (sealed elsewhere) or built: retrying will not fix it.
      result = { kind: 'fatal', error: redact((error as Error).message) };
    }
    // The error is stored, shown in the Alerts view and logged: a receiver echoing the path it was
    // posted to (a Slack URL's token) must not put the secret there.
    if (result.kind !== 'delivered') result = { ...result, error: hideSecrets(result.error, secrets) };
    if (result.kind === 'delivered') this.o.outbox.markDelivered(row.id);
    else if (result.kind === 'fatal') this.o.outbox.markFailed(row.id, result.error);
    else if (attempt >= this.o.maxAttempts()) this.o.outbox.markFailed(row.id, `gave up after ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'}; last: ${result.error}`);
    else this.o.outbox.markRetry(row.id, Date.now() + this.delayFor(attempt, result.retryAfterMs), result.error);
    if (result.kind !== 'delivered') this.o.log(`alerts: delivery ${row.id} (${row.channel_kind}) attempt ${attempt}: ${redact(result.error)}`);
    this.o.onSettled?.(row);
  }

  /** The receiver's Retry-After when it gave one (capped at an hour); else exponential backoff with
   *  "equal jitter": half the step fixed, half random, so a crowd of retries spreads out. */
  delayFor(attempt: number, retryAfterMs: number | null): number {
    if (retryAfterMs !== null) return Math.min(retryAfterMs, 3_600_000);
    const step = backoffMs({ initialMs: this.baseBackoffMs, maxMs: this.maxBackoffMs, multiplier: 2, maxAttempts: 0 }, attempt);
    return Math.round(step / 2 + Math.random() * (step / 2));
  }

  private request(row: DeliveryRow, channel: AlertChannelConfig): OutgoingRequest {
    const m = this.o.message(row);
    switch (channel.kind) {
      case 'slack': return slackRequest(channel.webhook_url, m);
      case 'webhook': return webhookRequest(channel.url, channel.secret, m);
      case 'pager_duty': return pagerDutyRequest(pagerDutyUrl(this.o.env), channel.routing_key, channel.severity, m);
    }
  }
}
