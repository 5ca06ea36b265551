// The run timeline on the renderer side: bars from runs.timeline (a full answer, then deltas), laid
// out in swimlanes (one per worker; concurrent attempts on one worker get their own rows), and the
// geometry the canvas, hit testing and keyboard navigation share. Pure: no DOM.
import { BAR_STATES, type BarState, type Timeline, type TimelineBar } from '../../../../src-shared/contract';

export const LABEL_W = 176;
export const AXIS_H = 26;
export const QUEUE_H = 44;
export const BAR_H = 18;
export const BAR_GAP = 4;
export const LANE_PAD = 7;

export interface PlacedBar extends TimelineBar {
  key: string;
  lane: number;
  slot: number;
}

export interface LaneLayout {
  id: string;
  name: string;
  top: number;
  height: number;
  /** One array per row, each sorted by start; bars in a row never overlap, so ends are sorted too. */
  rows: PlacedBar[][];
  attempts: number;
}

export interface Layout {
  lanes: LaneLayout[];
  /** Height of everything below the axis and the queue row. */
  contentHeight: number;
  byKey: Map<string, PlacedBar>;
  barCount: number;
  maxQueue: number;
}

export const barKey = (b: Pick<TimelineBar, 'taskId' | 'attempt'>) => `${b.taskId}\u0000${b.attempt}`;

/** What a bar is coloured by: its outcome once it ended, else what it is doing now. */
export function barState(b: TimelineBar): BarState {
  if (b.outcome) return b.outcome;
  const code = b.segs[b.segs.length - 1];
  return code === undefined ? 'leased' : BAR_STATES[code] ?? 'running';
}

export class TimelineModel {
  lanes: Timeline['lanes'] = [];
  queue: number[] = [];
  lastSeq = 0;
  /** Host clock minus this clock, so live bars end at the host's now. */
  skew = 0;
  version = 0;
  private readonly bars = new Map<string, TimelineBar>();
  private cached: { version: number; layout: Layout } | null = null;

  apply(t: Timeline, localNow = Date.now()): void {
    if (t.full) {
      this.bars.clear();
      this.queue = [];
    }
    for (const b of t.bars) this.bars.set(barKey(b), b);
    for (const v of t.queue) this.queue.push(v);
    this.lanes = t.lanes;
    this.lastSeq = t.lastSeq;
    this.skew = t.now - localNow;
    this.version++;
  }

  get size(): number {
    return this.bars.size;
  }

  hostNow(localNow = Date.now()): number {
    return localNow + this.skew;
  }

  hasLive(): boolean {
    for (const b of this.bars.values()) if (b.end === null) return true;
    return false;
  }

  /** First and last instant worth showing, or null when there is nothing yet. */
  extent(now: number): [number, number] | null {
    let lo = Infinity;
    let hi = -Infinity;
    for (const b of this.bars.values()) {
      if (b.start < lo) lo = b.start;
      const end = b.end ?? now;
      if (end > hi) hi = end;
    }
    if (this.queue.length > 0) {
      lo = Math.min(lo, this.queue[0]!);
      hi = Math.max(hi, this.queue[this.queue.length - 2]!);
    }
    if (!Number.isFinite(lo)) return null;
    return [lo, Math.max(hi, lo + 1000)];
  }

  layout(): Layout {
    if (this.cached?.version === this.version) return this.cached.layout;
    // Lanes in name order, so a worker keeps its place however the run unfolds.
    this.lanes = [...this.lanes].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    const laneIndex = new Map(this.lanes.map((l, i) => [l.id, i]));
    const perLane: TimelineBar[][] = this.lanes.map(() => []);
    for (const b of this.bars.values()) {
      let i = laneIndex.get(b.workerId);
      if (i === undefined) {
        // A bar on a worker the lanes do not list yet (a delta raced the lanes): give it one.
        i = perLane.length;
        laneIndex.set(b.workerId, i);
        this.lanes = [...this.lanes, { id: b.workerId, name: b.workerId }];
        perLane.push([]);
      }
      perLane[i]!.push(b);
    }
    const byKey = new Map<string, PlacedBar>();
    let top = 0;
    const lanes: LaneLayout[] = perLane.map((bars, lane) => {
      bars.sort((a, b) => a.start - b.start || a.attempt - b.attempt);
      const rows: PlacedBar[][] = [];
      const rowEnds: number[] = [];
      for (const b of bars) {
        // First row free at this bar's start (greedy interval partitioning: as few rows as the
        // worker's peak concurrency).
        let slot = rowEnds.findIndex((end) => end <= b.start);
        if (slot < 0) {
          slot = rows.length;
          rows.push([]);
          rowEnds.push(0);
        }
        const placed: PlacedBar = { ...b, key: barKey(b), lane, slot };
        rows[slot]!.push(placed);
        rowEnds[slot] = b.end ?? Infinity;
        byKey.set(placed.key, placed);
      }
      const height = Math.max(1, rows.length) * (BAR_H + BAR_GAP) - BAR_GAP + LANE_PAD * 2;
      const out = { id: this.lanes[lane]!.id, name: this.lanes[lane]!.name, top, height, rows, attempts: bars.length };
      top += height;
      return out;
    });
    let maxQueue = 0;
    for (let i = 1; i < this.queue.length; i += 2) maxQueue = Math.max(maxQueue, this.queue[i]!);
    const layout = { lanes, contentHeight: top, byKey, barCount: byKey.size, maxQueue };
    this.cached = { version: this.version, layout };
    return layout;
  }
}

/** Index of the first bar in a row whose end is at or after t (live bars end at `now`). */
export function firstEndingAfter(row: readonly PlacedBar[], t: number, now: number): number {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((row[mid]!.end ?? now) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The bar in a row closest in time to t. */
export function nearestInRow(row: readonly PlacedBar[], t: number, now: number): PlacedBar | null {
  if (row.length === 0) return null;
  const i = firstEndingAfter(row, t, now);
  const candidates = [row[i - 1], row[i]].filter((b): b is PlacedBar => !!b);
  const distance = (b: PlacedBar) => (t < b.start ? b.start - t : t > (b.end ?? now) ? t - (b.end ?? now) : 0);
  return candidates.reduce((best, b) => (distance(b) < distance(best) ? b : best));
}

/** All rows of all lanes, top to bottom, for keyboard moves between rows. */
export function rowsInOrder(layout: Layout): PlacedBar[][] {
  return layout.lanes.flatMap((l) => (l.rows.length > 0 ? l.rows : []));
}

export interface Viewport {
  start: number;
  end: number;
  /** CSS pixels of the whole canvas. */
  width: number;
  height: number;
  /** How far the lanes are scrolled down. */
  scrollY: number;
}

export const plotWidth = (v: Viewport) => Math.max(1, v.width - LABEL_W);
export const timeToX = (v: Viewport, t: number) => LABEL_W + ((t - v.start) / (v.end - v.start)) * plotWidth(v);
export const xToTime = (v: Viewport, x: number) => v.start + ((x - LABEL_W) / plotWidth(v)) * (v.end - v.start);
/** Top of the lanes area on the canvas (under the axis and the queue row). */
export const LANES_TOP = AXIS_H + QUEUE_H;

/** The bar under a point, with a few pixels of grace for bars drawn thinner than that. */
export function hitTest(layout: Layout, v: Viewport, x: number, y: number, now: number): PlacedBar | null {
  if (x < LABEL_W || y < LANES_TOP) return null;
  const contentY = y - LANES_TOP + v.scrollY;
  const lane = layout.lanes.find((l) => contentY >= l.top && contentY < l.top + l.height);
  if (!lane) return null;
  const slot = Math.floor((contentY - lane.top - LANE_PAD) / (BAR_H + BAR_GAP));
  const within = contentY - lane.top - LANE_PAD - slot * (BAR_H + BAR_GAP);
  const row = lane.rows[slot];
  if (!row || within < 0 || within > BAR_H) return null;
  const grace = (3 * (v.end - v.start)) / plotWidth(v);
  const t = xToTime(v, x);
  const i = firstEndingAfter(row, t - grace, now);
  const bar = row[i];
  return bar && bar.start <= t + grace ? bar : null;
}
