// Timeline layout and geometry: deltas merged, one row per concurrent attempt, hit testing.
import { describe, expect, it } from 'vitest';
import type { Timeline, TimelineBar } from '../../../../src-shared/contract';
import { BAR_H, barState, hitTest, LABEL_W, LANE_PAD, LANES_TOP, nearestInRow, TimelineModel, timeToX, type Viewport } from './timeline-model';
import { tickLabel, ticks, tickStep } from './time-ticks';

const bar = (taskId: string, attempt: number, workerId: string, start: number, end: number | null, outcome: TimelineBar['outcome'] = end === null ? null : 'passed'): TimelineBar =>
  ({ taskId, attempt, workerId, start, end, outcome, detail: null, segs: [start, 1, start + 1, 2] });

const full = (bars: TimelineBar[], extra: Partial<Timeline> = {}): Timeline => ({
  runId: 'r', lastSeq: 10, full: true, lanes: [{ id: 'w1', name: 'One' }, { id: 'w2', name: 'Two' }], bars, queue: [0, 3, 100, 1], now: 1000, ...extra,
});

describe('TimelineModel', () => {
  it('gives concurrent attempts on one worker their own rows and keeps retries in time order', () => {
    const m = new TimelineModel();
    m.apply(full([bar('a', 1, 'w1', 0, 100, 'failed'), bar('b', 1, 'w1', 50, 150), bar('a', 2, 'w1', 120, 200), bar('c', 1, 'w2', 10, null)]), 1000);
    const layout = m.layout();
    expect(layout.lanes.map((l) => [l.id, l.rows.length, l.attempts])).toEqual([['w1', 2, 3], ['w2', 1, 1]]);
    expect(layout.lanes[0]!.rows.map((r) => r.map((b) => `${b.taskId}#${b.attempt}`))).toEqual([['a#1', 'a#2'], ['b#1']]);
    expect(layout.lanes[1]!.top).toBe(layout.lanes[0]!.height);
    expect(m.hasLive()).toBe(true);
    expect(m.extent(1000)).toEqual([0, 1000]);
    expect(barState(layout.byKey.get('c\u00001')!)).toBe('running');
    expect(barState(layout.byKey.get('a\u00001')!)).toBe('failed');
  });

  it('merges deltas: bars replaced by task and attempt, the queue appended', () => {
    const m = new TimelineModel();
    m.apply(full([bar('c', 1, 'w2', 10, null)]), 1000);
    m.apply({ runId: 'r', lastSeq: 12, full: false, lanes: [{ id: 'w2', name: 'Two' }, { id: 'w3', name: 'Three' }], bars: [bar('c', 1, 'w2', 10, 400), bar('d', 1, 'w3', 300, null)], queue: [100, 0, 300, 1], now: 2000 }, 1500);
    expect(m.size).toBe(2);
    expect(m.queue).toEqual([0, 3, 100, 1, 100, 0, 300, 1]);
    expect(m.layout().byKey.get('c\u00001')!.end).toBe(400);
    expect(m.skew).toBe(500);
    expect(m.lastSeq).toBe(12);
  });

  it('finds the bar under the pointer and the nearest bar in a row', () => {
    const m = new TimelineModel();
    m.apply(full([bar('a', 1, 'w1', 0, 100), bar('b', 1, 'w1', 200, 300), bar('c', 1, 'w2', 0, 50)]), 1000);
    const layout = m.layout();
    const v: Viewport = { start: 0, end: 1000, width: LABEL_W + 1000, height: 400, scrollY: 0 };
    const y = LANES_TOP + LANE_PAD + BAR_H / 2;
    expect(hitTest(layout, v, timeToX(v, 50), y, 1000)?.taskId).toBe('a');
    expect(hitTest(layout, v, timeToX(v, 250), y, 1000)?.taskId).toBe('b');
    expect(hitTest(layout, v, timeToX(v, 150), y, 1000)).toBeNull();
    expect(hitTest(layout, v, LABEL_W - 5, y, 1000)).toBeNull();
    const yTwo = LANES_TOP + layout.lanes[1]!.top + LANE_PAD + 2;
    expect(hitTest(layout, v, timeToX(v, 20), yTwo, 1000)?.taskId).toBe('c');
    expect(nearestInRow(layout.lanes[0]!.rows[0]!, 170, 1000)?.taskId).toBe('b');
    expect(nearestInRow(layout.lanes[0]!.rows[0]!, 120, 1000)?.taskId).toBe('a');
  });
});

describe('time ticks', () => {
  it('picks round steps that fit and labels them with enough precision', () => {
    expect(tickStep(60_000, 1000)).toBe(10_000);
    expect(tickStep(500, 1000)).toBe(50);
    expect(tickStep(6 * 3_600_000, 1200)).toBe(30 * 60_000);
    const t = ticks(0, 60_000, 10_000);
    expect(t.length).toBe(7);
    expect(t.every((x, i) => i === 0 || x - t[i - 1]! === 10_000)).toBe(true);
    expect(tickLabel(new Date(2026, 0, 1, 9, 5, 7, 250).getTime(), 50)).toBe('05:07.250');
    expect(tickLabel(new Date(2026, 0, 1, 9, 5, 7).getTime(), 10_000)).toBe('09:05:07');
    expect(tickLabel(new Date(2026, 0, 1, 9, 5).getTime(), 300_000)).toBe('09:05');
  });
});
