// The Waiting row is a step chart: the depth holds until the next change, then moves straight up or
// down. Several changes inside one pixel (a run's tasks all queued in one commit) collapse to that
// pixel, never into a slope towards the next change.
import { describe, expect, it } from 'vitest';
import { BAR_STATES } from '../../../../src-shared/contract';
import { drawTimeline, type Palette } from './timeline-draw';
import { AXIS_H, QUEUE_H, TimelineModel } from './timeline-model';

/** The path calls a 2D context receives (everything else is accepted and ignored). */
function pathRecorder(): { ctx: CanvasRenderingContext2D; paths: Array<Array<[number, number]>> } {
  const paths: Array<Array<[number, number]>> = [];
  const target: Record<string, unknown> = {
    beginPath: () => paths.push([]),
    moveTo: (x: number, y: number) => paths[paths.length - 1]!.push([x, y]),
    lineTo: (x: number, y: number) => paths[paths.length - 1]!.push([x, y]),
    measureText: () => ({ width: 10 }),
  };
  const ctx = new Proxy(target, { get: (t, k: string) => (k in t ? t[k] : () => undefined), set: () => true }) as unknown as CanvasRenderingContext2D;
  return { ctx, paths };
}

describe('the Waiting row', () => {
  it('rises at once when tasks are queued together, and steps (never slopes) from one depth to the next', () => {
    // Six tasks queued in one commit, two leased at once, the others as slots free up.
    const queue = [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 6, 5, 6, 4, 1488, 3, 1765, 2, 3663, 1, 4385, 0];
    const model = new TimelineModel();
    model.apply({ runId: 'r', lastSeq: 30, full: true, lanes: [], bars: [], queue, now: 5000 }, 5000);
    const palette = { states: Object.fromEntries(BAR_STATES.map((s) => [s, '#888'])) } as unknown as Palette;
    const { ctx, paths } = pathRecorder();
    drawTimeline(ctx, 1, palette, {
      layout: model.layout(), queue: model.queue, view: { start: -100, end: 5000, width: 1200, height: 300, scrollY: 0 },
      now: 5000, live: false, hover: null, selected: null, focused: false, name: (id) => id, marked: new Set(),
    });
    const base = AXIS_H + QUEUE_H - 6;
    const chart = paths.find((p) => p.length > 4 && p[0]![1] === base)!;
    expect(chart).toBeDefined();
    for (let i = 1; i < chart.length; i++) {
      const [x0, y0] = chart[i - 1]!;
      const [x1, y1] = chart[i]!;
      expect(x0 === x1 || y0 === y1, `segment ${i}: (${x0}, ${y0}) → (${x1}, ${y1}) slopes`).toBe(true);
    }
    // The peak is reached where the tasks were queued, not at the next change 1.5 s later.
    const top = Math.min(...chart.map(([, y]) => y));
    const firstX = chart.find(([, y]) => y < base)![0];
    expect(chart.find(([, y]) => y === top)![0]).toBe(firstX);
  });
});
