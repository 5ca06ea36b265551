// Identifiers and clocks. Timestamps are RFC 3339 UTC strings, as in the reference implementation's examples.
import crypto from 'node:crypto';

let lastMs = -1;
let lastIso = '';
/** RFC 3339 UTC; memoised for the current millisecond because a batch stamps many rows with it. */
export function nowIso(ms: number = Date.now()): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function newRunId(): string {
  const d = new Date();
  const stamp = d.toISOString().slice(0, 19).replace(/[-:T]/g, '');
  return `run-${stamp}-${crypto.randomBytes(3).toString('hex')}`;
}

// Lease tokens come from a pool of random bytes refilled 64 at a time: one syscall per batch
// of leases rather than one per lease.
let pool = Buffer.alloc(0);
let offset = 0;
export function newLeaseToken(): string {
  if (offset + 12 > pool.length) {
    pool = crypto.randomBytes(12 * 64);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + 12);
  offset += 12;
  return token;
}

/** One key per task across runs, for in-memory maps (running attempts, cached specs). */
export function taskKey(runId: string, taskId: string): string {
  return `${runId}\u0000${taskId}`;
}

/** A git-ref-safe slug for branch names (`shoal/<run>/<task>`). */
export function refSlug(value: string): string {
  const slug = value.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[-.]+|[-.]+$/g, '').replace(/\.lock$/i, '-lock');
  return slug.length > 0 ? slug.slice(0, 80) : 'task';
}
