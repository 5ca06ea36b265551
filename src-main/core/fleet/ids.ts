// Identifiers and clocks. Timestamps are RFC 3339 UTC strings, as in the seed's examples.
import crypto from 'node:crypto';

export function nowIso(ms: number = Date.now()): string {
  return new Date(ms).toISOString();
}

export function newRunId(): string {
  const d = new Date();
  const stamp = d.toISOString().slice(0, 19).replace(/[-:T]/g, '');
  return `run-${stamp}-${crypto.randomBytes(3).toString('hex')}`;
}

export function newLeaseToken(): string {
  return crypto.randomBytes(12).toString('base64url');
}

/** A git-ref-safe slug for branch names (`shoal/<run>/<task>`). */
export function refSlug(value: string): string {
  const slug = value.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[-.]+|[-.]+$/g, '').replace(/\.lock$/i, '-lock');
  return slug.length > 0 ? slug.slice(0, 80) : 'task';
}
