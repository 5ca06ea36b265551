// A channel's URL, signing secret and routing key are secrets (a Slack webhook URL is a bearer
// credential): they are sealed with the same cipher as API keys before anything is written, stored
// as `sealed:` + secret-store's inline form (`<cipher>:<data>`), and opened only by the sender, in
// main, right before a request.
import { createHash } from 'node:crypto';
import { openInline, sealInline, type SecretCipher } from '../providers/secret-store';
import type { AlertChannelConfig } from './alert-config';

const PREFIX = 'sealed:';
/** Fields of a channel that are secrets; everything else (kind, severity) stays readable. */
const SECRET_FIELDS = ['webhook_url', 'url', 'secret', 'routing_key'] as const;

export function isSealed(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

export function sealValue(cipher: SecretCipher, plain: string): string {
  return `${PREFIX}${sealInline(cipher, plain)}`;
}

export function openValue(cipher: SecretCipher, value: string): string {
  return isSealed(value) ? openInline(cipher, value.slice(PREFIX.length), 'enter the channel again') : value;
}

/** The channel with its secret fields sealed (already sealed ones are kept). */
export function sealChannel<C extends Record<string, unknown>>(cipher: SecretCipher, channel: C): C {
  const out: Record<string, unknown> = { ...channel };
  for (const f of SECRET_FIELDS) {
    const v = out[f];
    if (typeof v === 'string' && v !== '' && !isSealed(v)) out[f] = sealValue(cipher, v);
  }
  return out as C;
}

export function openChannel(cipher: SecretCipher, channel: Record<string, unknown>): AlertChannelConfig {
  const out: Record<string, unknown> = { ...channel };
  for (const f of SECRET_FIELDS) if (typeof out[f] === 'string') out[f] = openValue(cipher, out[f] as string);
  return out as AlertChannelConfig;
}

/** A Settings channel's identity, for a window's Remove and Send test: a hash of the channel as
 *  stored (its secrets sealed), so it says nothing of them, stays the same while the channel does,
 *  and no longer matches once the channel is removed or replaced, wherever it moved in the list
 *  (a position would then name whatever channel took its place). */
export function channelKey(stored: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(stored).sort().filter((k) => stored[k] !== undefined).map((k) => [k, stored[k]]));
  return `ch-${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

/** What a person may see of a channel: its kind, severity, the URL's host, whether a secret is set.
 *  The host (of the opened URL, when `cipher` is given) tells two channels of one kind apart. */
export function describeChannel(channel: Record<string, unknown>, cipher?: SecretCipher): string {
  const at = cipher ? hostOf(cipher, channel.kind === 'slack' ? channel.webhook_url : channel.url) : '';
  switch (channel.kind) {
    case 'slack': return `Slack${at}`;
    case 'webhook': return `${channel.secret ? 'Webhook (signed)' : 'Webhook'}${at}`;
    case 'pager_duty': return `PagerDuty (${String(channel.severity)})`;
    default: return String(channel.kind);
  }
}

/** " · HOST[:PORT]" of a (sealed) channel URL, or nothing when it cannot be opened or parsed. */
function hostOf(cipher: SecretCipher, value: unknown): string {
  if (typeof value !== 'string') return '';
  try {
    return ` · ${new URL(openValue(cipher, value)).host}`;
  } catch {
    return '';
  }
}

/** Replaces every secret-looking substring (URLs, sealed values) in an error or log line. */
export function redact(text: string): string {
  return text.replace(/sealed:[^\s"']+/g, 'sealed:…').replace(/https?:\/\/[^\s"']+/g, (u) => {
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.host}/…`;
    } catch {
      return '…';
    }
  });
}

/** The parts of a channel's secrets a receiver may echo back in an error body (Express answers a
 *  wrong path with "Cannot POST /services/T…/B…/<token>"): each secret whole, and for a URL its path
 *  and query too, longest first. */
export function secretPieces(channel: Record<string, unknown>): string[] {
  const pieces = new Set<string>();
  for (const f of SECRET_FIELDS) {
    const v = channel[f];
    if (typeof v !== 'string' || v === '') continue;
    pieces.add(v);
    try {
      const url = new URL(v);
      for (const part of [url.pathname + url.search, url.pathname, url.search.slice(1), decodeURIComponent(url.pathname)]) if (part.length > 1) pieces.add(part);
    } catch { /* not a URL: the whole value is the secret */ }
  }
  return [...pieces].sort((a, b) => b.length - a.length);
}
