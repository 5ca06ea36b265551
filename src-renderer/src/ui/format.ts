// Formatting for dense tables: short durations, relative times, sizes. Locale-aware where it matters.

export function durationMs(startIso: string | null, endIso: string | null, now: number): number | null {
  if (!startIso) return null;
  const start = Date.parse(startIso);
  const end = endIso ? Date.parse(endIso) : now;
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  return Math.max(0, end - start);
}

/** 0.4s, 12s, 4m 05s, 2h 10m, 3d 4h. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(ms < 1000 ? 1 : 0)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'narrow' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000], ['second', 1000]];

export function formatRelative(iso: string | null, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = t - now;
  if (Math.abs(diff) < 10_000) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size || unit === 'second') return relative.format(Math.round(diff / size), unit);
  }
  return iso;
}

const always = new Intl.RelativeTimeFormat(undefined, { numeric: 'always', style: 'narrow' });

/** How long ago, always as a number ("8s ago", "5m ago"): for a time that is over (the last
 *  heartbeat of a worker that is gone), where "just now" would read as still alive. */
export function formatAgo(iso: string | null, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const ago = Math.max(0, now - t);
  const [unit, size] = UNITS.find(([, s]) => ago >= s) ?? ['second', 1000];
  return always.format(-Math.floor(ago / size), unit);
}

const clockToday = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const clockOtherDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A moment as a wall-clock time ("16:02"), with the date when it was not today. */
export function formatClock(iso: string | null, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return (new Date(t).toDateString() === new Date(now).toDateString() ? clockToday : clockOtherDay).format(t);
}

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatAbsolute(iso: string | null): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : absolute.format(t);
}

export function formatMemory(mb: number | null): string {
  if (mb === null) return '—';
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

export function formatPercent(value: number | null): string {
  return value === null ? '—' : `${Math.round(value)}%`;
}

const count = new Intl.NumberFormat(undefined);

/** "1,234 in (200 cached) · 56 out": what an agent spent, in tokens. */
export function formatTokens(u: { input_tokens: number; cached_input_tokens: number; output_tokens: number }): string {
  return `${count.format(u.input_tokens)} in${u.cached_input_tokens > 0 ? ` (${count.format(u.cached_input_tokens)} cached)` : ''} · ${count.format(u.output_tokens)} out`;
}

/** US dollars with enough digits to show a cent's fraction: a scripted or small task costs less than a cent. */
export function formatCost(usd: number | null): string {
  if (usd === null) return '—';
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}
