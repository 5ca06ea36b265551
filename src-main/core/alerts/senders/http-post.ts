// One POST with a timeout, classified for the delivery worker: delivered, worth retrying (network
// error, timeout, 408, 429, 5xx — with the receiver's Retry-After when it gave one) or not (any other
// 4xx: the channel is misconfigured and retrying would not help). Errors never carry the URL (a host at most).
import type { OutgoingRequest } from './alert-message';

export type PostResult =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; error: string; retryAfterMs: number | null }
  | { kind: 'fatal'; error: string };

export async function postRequest(req: OutgoingRequest, timeoutMs: number): Promise<PostResult> {
  let res: Response;
  try {
    res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    // fetch throws TypeError("fetch failed"): the reason is its cause, a socket error's code
    // (ECONNREFUSED, ENOTFOUND), else the cause's own words. Those words never hold the URL.
    const e = error as Error & { cause?: { code?: string; message?: string } };
    // A port fetch will never connect to (the Fetch standard's "bad ports": 1, 9, 25, 6000, …) is a
    // misconfigured channel, not a passing fault: retrying cannot help.
    if (e.cause?.message === 'bad port') return { kind: 'fatal', error: 'the URL\'s port is one HTTP clients refuse to connect to (a "bad port" under the Fetch standard); use another port' };
    const why = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message ?? 'network error');
    // Which receiver did not answer (a person may have several webhooks): its host only; the path
    // and query are the secret part of a channel's URL.
    return { kind: 'retry', error: `no response${hostOf(req.url)}: ${why}`, retryAfterMs: null };
  }
  // Read (and drop) the body so the connection can be reused; keep a little for the error.
  const text = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
  if (res.status >= 200 && res.status < 300) return { kind: 'delivered', status: res.status };
  const error = `HTTP ${res.status}${text ? `: ${text}` : ''}`;
  if (res.status === 408 || res.status === 429 || res.status >= 500) return { kind: 'retry', error, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) };
  return { kind: 'fatal', error };
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** " from HOST[:PORT]" of a URL (never its user, path or query), or nothing when it does not parse. */
function hostOf(url: string): string {
  try {
    return ` from ${new URL(url).host}`;
  } catch {
    return '';
  }
}
