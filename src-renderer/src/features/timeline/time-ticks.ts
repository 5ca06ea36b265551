// Axis ticks at round intervals (1 s, 5 s, 1 min, …) for any zoom, labelled in wall-clock time
// with as much precision as the interval needs.
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H, 24 * H];

/** The smallest round step that keeps ticks at least `minPx` apart. */
export function tickStep(spanMs: number, widthPx: number, minPx = 90): number {
  const perPx = spanMs / Math.max(1, widthPx);
  return STEPS.find((s) => s / perPx >= minPx) ?? Math.ceil((minPx * perPx) / (24 * H)) * 24 * H;
}

/** Tick instants in [start, end], aligned to the step in local time. */
export function ticks(start: number, end: number, step: number): number[] {
  const offset = new Date(start).getTimezoneOffset() * M;
  const first = Math.ceil((start - offset) / step) * step + offset;
  const out: number[] = [];
  for (let t = first; t <= end && out.length < 500; t += step) out.push(t);
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function tickLabel(t: number, step: number): string {
  const d = new Date(t);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (step >= M) return hm;
  if (step >= S) return `${hm}:${pad(d.getSeconds())}`;
  return `${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
