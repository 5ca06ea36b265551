// Paints the timeline on a canvas: axis and grid, the queue-depth row, one swimlane per worker with
// a bar per attempt (coloured by outcome, or by what it is doing while live, with a strip showing
// how its time was spent), lane labels, and the now line. Only what is visible is drawn, and bars
// thinner than a pixel are merged per pixel, so a frame costs the same at 100 or 100,000 events.
import { BAR_STATES, type BarState } from '../../../../src-shared/contract';
import {
  AXIS_H, BAR_GAP, BAR_H, barState, firstEndingAfter, LABEL_W, LANE_PAD, LANES_TOP, QUEUE_H, timeToX,
  type Layout, type PlacedBar, type Viewport,
} from './timeline-model';
import { tickLabel, ticks, tickStep } from './time-ticks';

export interface Palette {
  bg: string;
  subtle: string;
  border: string;
  text: string;
  muted: string;
  faint: string;
  focus: string;
  onBar: string;
  /** Conflict warning markers. */
  warn: string;
  states: Record<BarState, string>;
}

const STATE_VARS: Record<BarState, string> = {
  queued: '--tone-queued', leased: '--tl-leased', running: '--tone-running', model_wait: '--tl-model', running_tool: '--tl-tool',
  review: '--tone-review', passed: '--tone-passed', failed: '--tone-failed', timeout: '--tl-timeout', cancelled: '--tone-cancelled',
};

export function readPalette(el: Element): Palette {
  const css = getComputedStyle(el);
  const v = (name: string) => css.getPropertyValue(name).trim() || '#888';
  return {
    bg: v('--bg'), subtle: v('--bg-subtle'), border: v('--border'), text: v('--text'), muted: v('--text-muted'), faint: v('--text-faint'),
    focus: v('--focus'), onBar: '#ffffff', warn: v('--tone-review'),
    states: Object.fromEntries(BAR_STATES.map((s) => [s, v(STATE_VARS[s])])) as Record<BarState, string>,
  };
}

export interface DrawState {
  layout: Layout;
  queue: readonly number[];
  view: Viewport;
  now: number;
  live: boolean;
  hover: string | null;
  selected: string | null;
  focused: boolean;
  name: (taskId: string) => string;
  /** Bars (by key) to mark: their task changes the same files as another task of the run. */
  marked: ReadonlySet<string>;
}

const FONT = '11.5px system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, Cantarell, "Noto Sans", sans-serif';
const FONT_BOLD = `600 ${FONT}`;
const CHAR_W = 6.4;

function fit(text: string, px: number): string | null {
  const n = Math.floor(px / CHAR_W);
  if (n < 3) return null;
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

export function drawTimeline(ctx: CanvasRenderingContext2D, dpr: number, p: Palette, s: DrawState): void {
  const { view: v, layout, now } = s;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = p.bg;
  ctx.fillRect(0, 0, v.width, v.height);
  ctx.font = FONT;
  ctx.textBaseline = 'middle';

  // Lanes: alternating backgrounds, separators.
  const visible = layout.lanes.filter((l) => LANES_TOP + l.top - v.scrollY < v.height && LANES_TOP + l.top + l.height - v.scrollY > LANES_TOP);
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, LANES_TOP, v.width, v.height - LANES_TOP);
  ctx.clip();
  for (const lane of visible) {
    const y = LANES_TOP + lane.top - v.scrollY;
    if (layout.lanes.indexOf(lane) % 2 === 1) {
      ctx.fillStyle = p.subtle;
      ctx.fillRect(0, y, v.width, lane.height);
    }
    ctx.fillStyle = p.border;
    ctx.fillRect(0, y + lane.height - 1, v.width, 1);
  }
  ctx.restore();

  // Grid and axis.
  const step = tickStep(v.end - v.start, v.width - LABEL_W);
  ctx.fillStyle = p.border;
  ctx.fillRect(0, AXIS_H - 1, v.width, 1);
  ctx.fillRect(0, LANES_TOP - 1, v.width, 1);
  for (const t of ticks(v.start, v.end, step)) {
    const x = Math.round(timeToX(v, t)) + 0.5;
    if (x < LABEL_W) continue;
    ctx.globalAlpha = 0.55;
    ctx.fillRect(x - 0.5, AXIS_H, 1, v.height - AXIS_H);
    ctx.globalAlpha = 1;
  }
  ctx.fillStyle = p.faint;
  for (const t of ticks(v.start, v.end, step)) {
    const x = timeToX(v, t);
    if (x < LABEL_W + 2) continue;
    ctx.fillText(tickLabel(t, step), x + 4, AXIS_H / 2);
  }
  ctx.fillStyle = p.border;

  drawQueue(ctx, p, s);
  drawBars(ctx, p, s, visible);

  // Now line.
  if (s.live) {
    const x = timeToX(v, now);
    if (x >= LABEL_W && x <= v.width) {
      ctx.fillStyle = p.focus;
      ctx.fillRect(Math.round(x), AXIS_H, 1.5, v.height - AXIS_H);
    }
  }

  // Label column on top of everything that scrolled under it.
  ctx.fillStyle = p.bg;
  ctx.fillRect(0, 0, LABEL_W, v.height);
  ctx.fillStyle = p.border;
  ctx.fillRect(LABEL_W - 1, 0, 1, v.height);
  ctx.fillRect(0, AXIS_H - 1, LABEL_W, 1);
  ctx.fillRect(0, LANES_TOP - 1, LABEL_W, 1);
  ctx.fillStyle = p.faint;
  ctx.fillText('Worker', 12, AXIS_H / 2);
  ctx.font = FONT_BOLD;
  ctx.fillStyle = p.text;
  ctx.fillText('Waiting', 12, AXIS_H + QUEUE_H / 2 - 6);
  ctx.font = FONT;
  ctx.fillStyle = p.faint;
  ctx.fillText(`queue, peak ${layout.maxQueue}`, 12, AXIS_H + QUEUE_H / 2 + 9);
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, LANES_TOP, LABEL_W - 1, v.height - LANES_TOP);
  ctx.clip();
  for (const lane of visible) {
    const y = LANES_TOP + lane.top - v.scrollY;
    if (layout.lanes.indexOf(lane) % 2 === 1) {
      ctx.fillStyle = p.subtle;
      ctx.fillRect(0, y, LABEL_W - 1, lane.height);
    }
    ctx.fillStyle = p.border;
    ctx.fillRect(0, y + lane.height - 1, LABEL_W, 1);
    ctx.font = FONT_BOLD;
    ctx.fillStyle = p.text;
    ctx.fillText(fit(lane.name, LABEL_W - 24) ?? '', 12, y + LANE_PAD + BAR_H / 2);
    if (lane.rows.length > 1 || lane.height > 40) {
      ctx.font = FONT;
      ctx.fillStyle = p.faint;
      ctx.fillText(`${lane.attempts} ${lane.attempts === 1 ? 'attempt' : 'attempts'} · ${lane.rows.length} at once`, 12, y + LANE_PAD + BAR_H / 2 + 16);
    }
  }
  ctx.restore();
  ctx.font = FONT;

  // A scroll indicator when the lanes do not fit.
  const room = v.height - LANES_TOP;
  if (layout.contentHeight > room) {
    const h = Math.max(24, (room / layout.contentHeight) * room);
    const y = LANES_TOP + (v.scrollY / (layout.contentHeight - room)) * (room - h);
    ctx.fillStyle = p.faint;
    ctx.globalAlpha = 0.5;
    ctx.fillRect(v.width - 5, y, 3, h);
    ctx.globalAlpha = 1;
  }
}

function drawQueue(ctx: CanvasRenderingContext2D, p: Palette, s: DrawState): void {
  const { queue, view: v, layout } = s;
  if (queue.length < 2 || layout.maxQueue === 0) return;
  const base = AXIS_H + QUEUE_H - 6;
  const scale = (QUEUE_H - 14) / layout.maxQueue;
  ctx.save();
  ctx.beginPath();
  ctx.rect(LABEL_W, AXIS_H, v.width - LABEL_W, QUEUE_H);
  ctx.clip();
  ctx.beginPath();
  ctx.moveTo(LABEL_W, base);
  let lastX = -Infinity;
  let depth = 0;
  let peak = 0;
  // Steps narrower than a pixel collapse to their peak, drawn at that pixel, so the path has at
  // most one column per pixel; between pixels the depth holds, then steps (never slopes).
  const closePixel = () => {
    ctx.lineTo(lastX, base - peak * scale);
    ctx.lineTo(lastX, base - depth * scale);
  };
  for (let i = 0; i < queue.length; i += 2) {
    const x = Math.min(v.width, Math.max(LABEL_W, timeToX(v, queue[i]!)));
    const d = queue[i + 1]!;
    if (x - lastX < 1 && i > 0) {
      peak = Math.max(peak, d);
      depth = d;
      continue;
    }
    if (i > 0) closePixel();
    ctx.lineTo(x, base - depth * scale);
    ctx.lineTo(x, base - d * scale);
    lastX = x;
    depth = d;
    peak = d;
  }
  closePixel();
  ctx.lineTo(Math.max(lastX, timeToX(v, s.live ? s.now : v.end)), base - depth * scale);
  ctx.lineTo(Math.max(lastX, timeToX(v, s.live ? s.now : v.end)), base);
  ctx.closePath();
  ctx.fillStyle = p.states.queued;
  ctx.globalAlpha = 0.28;
  ctx.fill();
  ctx.globalAlpha = 0.9;
  ctx.strokeStyle = p.states.queued;
  ctx.lineWidth = 1;
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.restore();
}

function drawBars(ctx: CanvasRenderingContext2D, p: Palette, s: DrawState, visible: Layout['lanes']): void {
  const { view: v, now } = s;
  ctx.save();
  ctx.beginPath();
  ctx.rect(LABEL_W, LANES_TOP, v.width - LABEL_W, v.height - LANES_TOP);
  ctx.clip();
  const outlines: Array<{ bar: PlacedBar; x: number; y: number; w: number; kind: 'hover' | 'selected' }> = [];
  for (const lane of visible) {
    lane.rows.forEach((row, slot) => {
      const y = LANES_TOP + lane.top - v.scrollY + LANE_PAD + slot * (BAR_H + BAR_GAP);
      if (y > v.height || y + BAR_H < LANES_TOP) return;
      let lastPx = -1;
      for (let i = firstEndingAfter(row, v.start, now); i < row.length; i++) {
        const bar = row[i]!;
        if (bar.start > v.end) break;
        let x0 = timeToX(v, bar.start);
        const x1 = timeToX(v, bar.end ?? now);
        if (x0 < LABEL_W - 2) x0 = LABEL_W - 2;
        let w = x1 - x0;
        if (w < 1) {
          const px = Math.floor(x0);
          if (px === lastPx) continue; // another bar already filled this pixel of this row
          lastPx = px;
          w = 1;
        } else lastPx = Math.floor(x1);
        ctx.fillStyle = p.states[barState(bar)];
        ctx.fillRect(x0, y, w, BAR_H);
        if (w >= 12) drawSegments(ctx, p, bar, x0, x1, y, v, now);
        if (w >= 40) {
          const label = fit(`${s.name(bar.taskId)}${bar.attempt > 1 ? ` #${bar.attempt}` : ''}`, w - 10);
          if (label) {
            ctx.fillStyle = p.onBar;
            ctx.fillText(label, x0 + 5, y + BAR_H / 2 - 1);
          }
        }
        if (s.marked.has(bar.key)) drawConflictMark(ctx, p, x0 + w, y);
        if (bar.key === s.selected) outlines.push({ bar, x: x0, y, w, kind: 'selected' });
        else if (bar.key === s.hover) outlines.push({ bar, x: x0, y, w, kind: 'hover' });
      }
    });
  }
  for (const o of outlines) {
    ctx.strokeStyle = o.kind === 'selected' ? p.focus : p.text;
    ctx.lineWidth = o.kind === 'selected' ? 2 : 1.5;
    ctx.strokeRect(o.x - 1.5, o.y - 1.5, Math.max(o.w, 2) + 3, BAR_H + 3);
  }
  ctx.restore();
}

/** A warning triangle with "!" at a bar's end (inside when the bar is wide enough), so the person
 *  sees which tasks will collide before anyone lands them; the tooltip names the files. */
function drawConflictMark(ctx: CanvasRenderingContext2D, p: Palette, xEnd: number, y: number): void {
  const size = 12;
  const x = xEnd + 3;
  const top = y + (BAR_H - size) / 2 - 1;
  ctx.beginPath();
  ctx.moveTo(x + size / 2, top);
  ctx.lineTo(x + size, top + size);
  ctx.lineTo(x, top + size);
  ctx.closePath();
  ctx.fillStyle = p.warn;
  ctx.fill();
  ctx.strokeStyle = p.bg;
  ctx.lineWidth = 1;
  ctx.stroke();
  ctx.fillStyle = p.onBar;
  ctx.font = FONT_BOLD;
  ctx.textAlign = 'center';
  ctx.fillText('!', x + size / 2, top + size / 2 + 2);
  ctx.textAlign = 'start';
  ctx.font = FONT;
}

/** The bottom strip of a bar: leased → running → waiting on the model → running a tool, over time. */
function drawSegments(ctx: CanvasRenderingContext2D, p: Palette, bar: PlacedBar, x0: number, x1: number, y: number, v: Viewport, now: number): void {
  const segs = bar.segs;
  const end = bar.end ?? now;
  let lastX = -1;
  for (let i = 0; i < segs.length; i += 2) {
    const from = Math.max(timeToX(v, segs[i]!), x0);
    const to = Math.min(timeToX(v, i + 2 < segs.length ? segs[i + 2]! : end), x1);
    if (to - from < 1 && Math.floor(from) === lastX) continue;
    lastX = Math.floor(from);
    ctx.fillStyle = p.states[BAR_STATES[segs[i + 1]!] ?? 'running'];
    ctx.fillRect(from, y + BAR_H - 4, Math.max(1, to - from), 4);
  }
  ctx.fillStyle = 'rgba(0,0,0,0.18)';
  ctx.fillRect(x0, y + BAR_H - 5, x1 - x0, 1);
}
