// Generic webhook. Body: {id, type, rule, run_id, task_id, attempt, reason, created_at, dedup_key, link}.
// Headers:
//   X-Shoal-Delivery   the delivery id, identical on every retry (drop a duplicate by it)
//   X-Shoal-Timestamp  unix seconds when this attempt was signed
//   X-Shoal-Signature  sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>, when a secret is set
// A receiver verifies with verifyWebhookSignature below (or the same recipe in any language):
// recompute the HMAC over the timestamp header, a ".", and the raw body bytes as received; compare in
// constant time; reject timestamps more than five minutes from its clock (replays).
import crypto from 'node:crypto';
import type { AlertMessage, OutgoingRequest } from './alert-message';

export function webhookBody(m: AlertMessage): string {
  const type = m.action === 'resolve' ? 'alert.resolved' : m.action === 'test' ? 'alert.test' : 'alert.triggered';
  return JSON.stringify({
    id: m.id, type, rule: m.rule, run_id: m.runId, task_id: m.taskId, attempt: m.attempt, reason: m.reason,
    created_at: m.createdAt, dedup_key: m.dedupKey, run_name: m.runName, task_name: m.taskName, link: m.link,
  });
}

export function signBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's side of the recipe. */
export function verifyWebhookSignature(secret: string, headers: { timestamp: string | undefined; signature: string | undefined }, rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = 300): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signBody(secret, ts, rawBody));
  const got = Buffer.from(headers.signature);
  return expected.length === got.length && crypto.timingSafeEqual(expected, got);
}

/** A signed request: the body is built once per delivery, the timestamp and signature per attempt. */
export function signedRequest(url: string, secret: string | null | undefined, deliveryId: string, body: string, nowMs = Date.now()): OutgoingRequest {
  const timestamp = Math.floor(nowMs / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Shoal-Alerts',
    'x-shoal-delivery': deliveryId,
    'x-shoal-timestamp': String(timestamp),
  };
  if (secret) headers['x-shoal-signature'] = signBody(secret, timestamp, body);
  return { url, headers, body };
}

export function webhookRequest(url: string, secret: string | null | undefined, m: AlertMessage, nowMs = Date.now()): OutgoingRequest {
  return signedRequest(url, secret, m.id, webhookBody(m), nowMs);
}
