// The run timeline: a swimlane per worker, a bar per task attempt over time (retries are the next
// bars), the queue of waiting tasks on top. Scroll to zoom at the pointer (pinch too), drag or
// Shift+scroll to pan, hover for details, click to open the task. Keyboard: arrows move between
// attempts, Enter opens, + / - zoom, 0 fits, Shift+arrows pan. Drawn on a canvas, live.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { TaskRow } from '../../../../src-shared/contract';
import { taskEnded } from '../runs/run-tone';
import { ErrorNotice } from '../../ui/QueryStatus';
import { formatDuration } from '../../ui/format';
import { humanize } from '../../ui/StatusPill';
import { drawTimeline, readPalette, type Palette } from './timeline-draw';
import { barState, hitTest, LABEL_W, LANES_TOP, nearestInRow, rowsInOrder, xToTime, BAR_GAP, BAR_H, LANE_PAD, type PlacedBar, type Viewport } from './timeline-model';
import { TimelineLegend } from './TimelineLegend';
import { BarDetails } from './BarDetails';
import { useTimelineData } from './use-timeline-data';
import '../../ui/ui-extra.css';
import './timeline.css';

const MIN_SPAN_MS = 20;
const NO_CONFLICTS: ReadonlyMap<string, string> = new Map();
const MIN_H = 150;
const MAX_H = 520;

export function Timeline({ runId, runName, tasks, workerNames, conflicts = NO_CONFLICTS, onOpen }: {
  runId: string;
  runName: string;
  tasks: readonly TaskRow[];
  workerNames?: ReadonlyMap<string, string>;
  /** Task id → what it collides with (files, other tasks): its latest attempt's bar is marked. */
  conflicts?: ReadonlyMap<string, string>;
  onOpen: (taskId: string, attempt: number) => void;
}) {
  const { model, version, error, loaded, retry } = useTimelineData(runId);
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const tooltip = useRef<HTMLDivElement>(null);
  const palette = useRef<Palette | null>(null);
  const view = useRef<Viewport>({ start: 0, end: 1, width: 800, height: MIN_H, scrollY: 0 });
  const follow = useRef(true); // fit the whole run (growing with it) until the person zooms or pans
  const hoverKey = useRef<string | null>(null);
  const frame = useRef(0);
  const [hover, setHover] = useState<PlacedBar | null>(null);
  const [selected, setSelected] = useState<PlacedBar | null>(null);
  const [focused, setFocused] = useState(false);
  const [followState, setFollowState] = useState(true);
  const names = useMemo(() => new Map(tasks.map((t) => [t.taskId, t.name])), [tasks]);
  const name = useCallback((id: string) => names.get(id) ?? id, [names]);
  // The model mutates in place; `version` says when it did.
  const layout = useMemo(() => model.layout(), [model, version]);
  const live = useMemo(() => model.hasLive(), [model, version]);
  const height = Math.min(MAX_H, Math.max(MIN_H, LANES_TOP + layout.contentHeight + 6));
  // A warned task is marked on its latest attempt: earlier attempts' changes are gone.
  const marked = useMemo(() => {
    const latest = new Map<string, PlacedBar>();
    for (const bar of layout.byKey.values()) {
      if (conflicts.has(bar.taskId) && (latest.get(bar.taskId)?.attempt ?? 0) < bar.attempt) latest.set(bar.taskId, bar);
    }
    return new Set([...latest.values()].map((b) => b.key));
  }, [layout, conflicts]);
  const markedTasks = useMemo(() => [...conflicts.keys()].filter((t) => [...marked].some((k) => layout.byKey.get(k)?.taskId === t)).sort(), [conflicts, marked, layout]);
  const state = useRef({ layout, live, selected: selected?.key ?? null, focused, name, marked });
  state.current = { layout, live, selected: selected?.key ?? null, focused, name, marked };

  const fitAll = useCallback(() => {
    const now = model.hostNow();
    const ext = model.extent(now);
    if (!ext) return;
    const span = ext[1] - ext[0];
    view.current.start = ext[0] - span * 0.01;
    view.current.end = ext[1] + span * (live ? 0.06 : 0.02);
  }, [model, live]);

  const draw = useCallback(() => {
    frame.current = 0;
    const c = canvas.current;
    if (!c) return;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    palette.current ??= readPalette(c);
    const s = state.current;
    if (follow.current) fitAll();
    drawTimeline(ctx, window.devicePixelRatio || 1, palette.current, {
      layout: s.layout, queue: model.queue, view: view.current, now: model.hostNow(), live: s.live,
      hover: hoverKey.current, selected: s.selected, focused: s.focused, name: s.name, marked: s.marked,
    });
  }, [fitAll, model]);

  const requestDraw = useCallback(() => {
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  }, [draw]);

  // Size the canvas to its box (device pixels for sharp lines).
  useEffect(() => {
    const c = canvas.current;
    const w = wrap.current;
    if (!c || !w) return;
    const resize = () => {
      const dpr = window.devicePixelRatio || 1;
      const width = w.clientWidth;
      view.current.width = width;
      view.current.height = height;
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
      clampScroll();
      requestDraw();
    };
    resize();
    const ro = new ResizeObserver(resize);
    ro.observe(w);
    return () => ro.disconnect();
  }, [height, requestDraw]); // clampScroll reads refs only

  // Theme changes (Settings or the system) re-read the colours.
  useEffect(() => {
    const reset = () => {
      palette.current = null;
      requestDraw();
    };
    const mo = new MutationObserver(reset);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', reset);
    return () => {
      mo.disconnect();
      mq.removeEventListener('change', reset);
    };
  }, [requestDraw]);

  useEffect(requestDraw, [version, selected, focused, marked, requestDraw]);

  // Live bars grow with the clock.
  useEffect(() => {
    if (!live) return;
    const id = window.setInterval(requestDraw, 500);
    return () => window.clearInterval(id);
  }, [live, requestDraw]);

  function clampScroll(): void {
    const v = view.current;
    const room = v.height - LANES_TOP;
    v.scrollY = Math.max(0, Math.min(v.scrollY, state.current.layout.contentHeight - room));
  }

  function stopFollowing(): void {
    if (follow.current) {
      follow.current = false;
      setFollowState(false);
    }
  }

  function zoom(factor: number, atX?: number): void {
    stopFollowing();
    const v = view.current;
    const anchor = xToTime(v, atX ?? LABEL_W + (v.width - LABEL_W) / 2);
    const ext = model.extent(model.hostNow());
    const maxSpan = ext ? Math.max((ext[1] - ext[0]) * 4, 10_000) : 3_600_000;
    const span = Math.min(maxSpan, Math.max(MIN_SPAN_MS, (v.end - v.start) * factor));
    const ratio = (anchor - v.start) / (v.end - v.start);
    v.start = anchor - ratio * span;
    v.end = v.start + span;
    requestDraw();
  }

  function pan(dxPx: number, dyPx: number): void {
    const v = view.current;
    if (dxPx !== 0) {
      stopFollowing();
      const dt = (dxPx / Math.max(1, v.width - LABEL_W)) * (v.end - v.start);
      v.start += dt;
      v.end += dt;
    }
    v.scrollY += dyPx;
    clampScroll();
    requestDraw();
  }

  // Wheel: zoom at the pointer (a pinch arrives as ctrl+wheel); horizontal or Shift+wheel pans.
  // Registered by hand: React's wheel listener is passive and could not stop the page scrolling.
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
      const dx = e.deltaX * unit;
      const dy = e.deltaY * unit;
      const rect = c.getBoundingClientRect();
      if (e.shiftKey) pan(dy || dx, 0);
      else if (Math.abs(dx) > Math.abs(dy)) pan(dx, 0);
      else if (e.altKey) pan(0, dy);
      else zoom(Math.exp(dy * (e.ctrlKey ? 0.01 : 0.0015)), e.clientX - rect.left);
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  });

  const drag = useRef<{ x: number; y: number; moved: boolean; id: number } | null>(null);

  function pointAt(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const rect = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }

  function updateHover(x: number, y: number, clientX: number, clientY: number): void {
    const bar = hitTest(state.current.layout, view.current, x, y, model.hostNow());
    const key = bar?.key ?? null;
    if (key !== hoverKey.current) {
      hoverKey.current = key;
      setHover(bar);
      requestDraw();
    }
    const tip = tooltip.current;
    // The tooltip lives in the section, outside the canvas box (which clips and contains layout).
    const box = wrap.current?.parentElement;
    if (tip && box && bar) {
      const rect = box.getBoundingClientRect();
      const left = Math.min(clientX - rect.left + 14, rect.width - 300);
      tip.style.transform = `translate(${Math.max(4, left)}px, ${clientY - rect.top + 16}px)`;
    }
  }

  function select(bar: PlacedBar | null): void {
    setSelected(bar);
    if (!bar) return;
    // Bring it into view.
    const v = view.current;
    const end = bar.end ?? model.hostNow();
    if (end < v.start || bar.start > v.end) {
      stopFollowing();
      const span = v.end - v.start;
      v.start = bar.start - span * 0.2;
      v.end = v.start + span;
    }
    const lane = state.current.layout.lanes[bar.lane]!;
    const top = lane.top + LANE_PAD + bar.slot * (BAR_H + BAR_GAP);
    const room = v.height - LANES_TOP;
    if (top < v.scrollY) v.scrollY = Math.max(0, top - LANE_PAD);
    else if (top + BAR_H > v.scrollY + room) v.scrollY = top + BAR_H + LANE_PAD - room;
    requestDraw();
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLCanvasElement>): void {
    const now = model.hostNow();
    const rows = rowsInOrder(layout);
    const current = selected ? layout.byKey.get(selected.key) ?? null : null;
    let handled = true;
    if (e.key === '+' || e.key === '=') zoom(0.7);
    else if (e.key === '-' || e.key === '_') zoom(1 / 0.7);
    else if (e.key === '0') {
      follow.current = true;
      setFollowState(true);
      requestDraw();
    } else if (e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) pan((e.key === 'ArrowLeft' ? -1 : 1) * (view.current.width - LABEL_W) * 0.2, 0);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'ArrowUp' || e.key === 'ArrowDown' || e.key === 'Home' || e.key === 'End') {
      if (rows.length === 0) return;
      if (!current) {
        // Start from what is on screen: the first attempt in the visible window.
        const first = rows.map((r) => nearestInRow(r, view.current.start, now)).filter((b): b is PlacedBar => !!b).sort((a, b) => a.start - b.start)[0];
        select(first ?? null);
      } else {
        const rowIndex = rows.findIndex((r) => r.includes(current));
        const row = rows[rowIndex]!;
        const at = row.indexOf(current);
        if (e.key === 'ArrowLeft') select(row[Math.max(0, at - 1)]!);
        else if (e.key === 'ArrowRight') select(row[Math.min(row.length - 1, at + 1)]!);
        else if (e.key === 'Home') select(row[0]!);
        else if (e.key === 'End') select(row[row.length - 1]!);
        else {
          const next = rows[rowIndex + (e.key === 'ArrowUp' ? -1 : 1)];
          if (next) select(nearestInRow(next, current.start, now));
        }
      }
    } else if (e.key === 'Enter' && current) onOpen(current.taskId, current.attempt);
    else if (e.key === 'Escape' && current) setSelected(null);
    else handled = false;
    if (handled) e.preventDefault();
  }

  if (error && !loaded) return <ErrorNotice title="Could not load the timeline" error={error} onRetry={retry} />;
  const announce = selected
    ? `${describe(selected, name(selected.taskId), workerNames?.get(selected.workerId) ?? selected.workerId, model.hostNow())}${marked.has(selected.key) ? ` ${conflicts.get(selected.taskId)}.` : ''}`
    : '';
  return (
    <section className="timeline" aria-labelledby="timeline-title">
      <div className="timeline-bar">
        <h3 id="timeline-title" className="timeline-title">Timeline</h3>
        <span className="muted timeline-count">{layout.barCount} {layout.barCount === 1 ? 'attempt' : 'attempts'} on {layout.lanes.length} {layout.lanes.length === 1 ? 'worker' : 'workers'}</span>
        <TimelineLegend />
        <div className="timeline-tools">
          <span className="timeline-hint" aria-hidden="true">Scroll to zoom · drag to pan</span>
          <div className="button-group" role="group" aria-label="Zoom">
            <button type="button" className="button button-small" onClick={() => zoom(0.6)} aria-label="Zoom in" title="Zoom in (+)">+</button>
            <button type="button" className="button button-small" onClick={() => zoom(1 / 0.6)} aria-label="Zoom out" title="Zoom out (−)">−</button>
            <button type="button" className="button button-small" aria-pressed={followState} title="Fit the whole run (0)" onClick={() => {
              follow.current = true;
              setFollowState(true);
              requestDraw();
            }}>{live ? 'Follow' : 'Fit'}</button>
          </div>
        </div>
      </div>
      <div ref={wrap} className="timeline-canvas-wrap" data-testid="timeline" data-ready={loaded || undefined} data-bars={layout.barCount} data-lanes={layout.lanes.length}
        data-conflict-marks={markedTasks.join(' ') || undefined} style={{ height }}>
        <canvas ref={canvas} className="timeline-canvas" tabIndex={0} role="application" aria-roledescription="timeline"
          aria-label={`Timeline of ${runName}: ${layout.barCount} attempts on ${layout.lanes.length} workers. Arrow keys move between attempts, Enter opens one, plus and minus zoom, 0 fits the run.`}
          aria-describedby="timeline-selected"
          onFocus={() => setFocused(true)} onBlur={() => setFocused(false)} onKeyDown={onKeyDown}
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            drag.current = { x: e.clientX, y: e.clientY, moved: false, id: e.pointerId };
          }}
          onPointerMove={(e) => {
            const p = pointAt(e);
            const d = drag.current;
            if (d && (d.moved || Math.abs(e.clientX - d.x) + Math.abs(e.clientY - d.y) > 4)) {
              if (!d.moved) canvas.current?.setPointerCapture(d.id);
              d.moved = true;
              pan(d.x - e.clientX, d.y - e.clientY);
              d.x = e.clientX;
              d.y = e.clientY;
              return;
            }
            updateHover(p.x, p.y, e.clientX, e.clientY);
          }}
          onPointerUp={(e) => {
            const d = drag.current;
            drag.current = null;
            if (!d || d.moved) return;
            const p = pointAt(e);
            const bar = hitTest(layout, view.current, p.x, p.y, model.hostNow());
            if (bar) {
              select(bar);
              onOpen(bar.taskId, bar.attempt);
            }
          }}
          onPointerLeave={() => {
            if (drag.current?.moved) return;
            hoverKey.current = null;
            setHover(null);
            requestDraw();
          }} />
        {!loaded && <div className="timeline-empty">Loading the timeline…</div>}
        {loaded && layout.barCount === 0 && (
          <div className="timeline-empty">
            {/* Every task ended without a worker taking it (all cancelled while they waited): none ever will. */}
            {tasks.length > 0 && tasks.every((t) => taskEnded(t.state))
              ? 'No attempt ran: every task ended before a worker took it.'
              : 'No attempt has started yet: tasks appear here as workers take them.'}
          </div>
        )}
      </div>
      <div ref={tooltip} className="timeline-tooltip" role="tooltip" hidden={!hover} data-testid="timeline-tooltip">
        {hover && <BarDetails bar={hover} name={name(hover.taskId)} worker={workerNames?.get(hover.workerId) ?? hover.workerId} now={model.hostNow()}
          conflict={marked.has(hover.key) ? conflicts.get(hover.taskId) : null} />}
      </div>
      <p id="timeline-selected" className="sr-only" aria-live="polite">{announce}</p>
    </section>
  );
}

function describe(bar: PlacedBar, name: string, worker: string, now: number): string {
  return `${name}, attempt ${bar.attempt}, ${humanize(barState(bar))}, ${formatDuration((bar.end ?? now) - bar.start)} on ${worker}. Press Enter to open.`;
}
