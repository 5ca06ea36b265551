// `npm run bench:ui [-- --json]`: how the UI holds up against a big store. Seeds a temporary
// database with 1,000,000 worker events (one run of 100,000 events, the rest spread over 90 runs),
// serves it with `shoal serve --db`, and measures in Chromium with the Performance API:
//   first_screen_ms        navigation start → the runs list rendered (median of 3 fresh loads)
//   timeline_long_frames   frames over 50 ms while zooming, panning and scrolling the 100k-event run
//   timeline_p95_frame_ms  95th percentile frame time (requestAnimationFrame deltas) meanwhile
// A benchmark, not a test: it reports numbers (targets: first screen ≤ 800 ms, no frame over 50 ms).
/* global window, document, performance, requestAnimationFrame, PerformanceObserver, MutationObserver, clearTimeout */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chromium } from '@playwright/test';
import { seedStore } from './bench-ui-seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const json = process.argv.includes('--json');
/** `--screenshot FILE` also saves a picture of the 100k-event timeline after the interaction. */
const shotAt = process.argv.indexOf('--screenshot');
const screenshot = shotAt > 0 ? path.resolve(process.argv[shotAt + 1] ?? 'timeline-100k.png') : null;
const log = (msg) => {
  if (!json) process.stderr.write(`${msg}\n`);
};

function startServe(dbPath, home) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'shoal.js'), 'serve', '--port', '0', '--db', dbPath], {
    cwd: ROOT, env: { ...process.env, SHOAL_HOME: home, SHOAL_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`shoal serve printed no URL in 30 s\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Shoal UI: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`shoal serve exited (${code})\n${stderr}`)));
  });
  return { child, url };
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function firstScreen(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    // Stamp the moment the first runs-list row is in the document (performance.now() counts from navigation start).
    const mark = () => {
      if (window.__firstRows === undefined && document.querySelector('[data-testid="run-row"]')) window.__firstRows = performance.now();
    };
    new MutationObserver(mark).observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.__firstRows !== undefined, null, { timeout: 60_000 });
  const ms = await page.evaluate(() => window.__firstRows);
  const rows = await page.locator('[data-testid="run-row"]').count();
  await context.close();
  return { ms, rows };
}

async function timelineFrames(browser, url, runId) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const origin = new URL(url);
  await page.goto(url);
  await page.locator('[data-testid="run-row"]').first().waitFor();
  const t0 = Date.now();
  await page.goto(`${origin.origin}/#/runs/${encodeURIComponent(runId)}`);
  const timeline = page.getByTestId('timeline');
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="timeline"]');
    return el && el.getAttribute('data-ready') === 'true' && Number(el.getAttribute('data-bars')) > 0;
  }, null, { timeout: 120_000 });
  const readyMs = Date.now() - t0;
  const bars = Number(await timeline.getAttribute('data-bars'));
  const lanes = Number(await timeline.getAttribute('data-lanes'));
  await page.waitForTimeout(500);

  await page.evaluate(() => {
    const frames = [];
    const longTasks = [];
    let last = performance.now();
    let recording = true;
    const tick = (now) => {
      frames.push(now - last);
      last = now;
      if (recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => {
      last = now;
      requestAnimationFrame(tick);
    });
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push(e.duration);
    });
    obs.observe({ type: 'longtask', buffered: false });
    window.__bench = { frames, longTasks, stop: () => {
      recording = false;
      obs.disconnect();
    } };
  });

  // A person exploring: zoom in at several places (wheel), drag to pan, scroll the lanes, zoom out.
  const box = await page.locator('[data-testid="timeline"] canvas').boundingBox();
  const at = (fx, fy) => ({ x: box.x + 176 + (box.width - 176) * fx, y: box.y + 70 + (box.height - 70) * fy });
  for (const [fx, fy] of [[0.3, 0.3], [0.6, 0.5], [0.45, 0.4]]) {
    const p = at(fx, fy);
    await page.mouse.move(p.x, p.y);
    for (let i = 0; i < 12; i++) {
      await page.mouse.wheel(0, -120);
      await page.waitForTimeout(16);
    }
  }
  const mid = at(0.5, 0.5);
  await page.mouse.move(mid.x, mid.y);
  await page.mouse.down();
  for (let i = 0; i < 40; i++) await page.mouse.move(mid.x - i * 12, mid.y - (i % 10) * 6, { steps: 1 });
  await page.mouse.up();
  await page.keyboard.down('Shift');
  for (let i = 0; i < 20; i++) {
    await page.mouse.wheel(0, 80);
    await page.waitForTimeout(16);
  }
  await page.keyboard.up('Shift');
  for (let i = 0; i < 15; i++) {
    await page.mouse.wheel(0, 60);
    await page.waitForTimeout(16);
  }
  await page.keyboard.down('Alt');
  for (let i = 0; i < 15; i++) {
    await page.mouse.wheel(0, 90);
    await page.waitForTimeout(16);
  }
  await page.keyboard.up('Alt');
  for (let i = 0; i < 30; i++) {
    await page.mouse.wheel(0, 120);
    await page.waitForTimeout(16);
  }
  // Hover across the bars (tooltips) at the end.
  for (let i = 0; i < 40; i++) await page.mouse.move(box.x + 180 + i * ((box.width - 190) / 40), box.y + 90 + (i % 8) * 22);
  await page.waitForTimeout(200);

  const { frames, longTasks } = await page.evaluate(() => {
    window.__bench.stop();
    return { frames: window.__bench.frames, longTasks: window.__bench.longTasks };
  });
  if (screenshot) {
    await page.getByRole('button', { name: 'Fit' }).click();
    await page.mouse.move(box.x + box.width * 0.42, box.y + 70 + 7 + 9 + 22 * 5);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshot });
  }
  await context.close();
  return { frames, longTasks, readyMs, bars, lanes };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-ui-'));
  const dbPath = path.join(dir, 'shoal.db');
  let serve = null;
  let browser = null;
  try {
    log('bench:ui: seeding 1,000,000 events…');
    const seedStart = Date.now();
    const db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    migrate(drizzle(db), { migrationsFolder: path.join(ROOT, 'drizzle') });
    const seeded = seedStore(db, { totalEvents: 1_000_000, timelineEvents: 100_000, otherRuns: 90 });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const seedMs = Date.now() - seedStart;
    log(`bench:ui: seeded ${seeded.events.toLocaleString()} events in ${(seedMs / 1000).toFixed(1)} s; starting shoal serve…`);

    serve = startServe(dbPath, dir);
    const url = await serve.url;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });

    // Warm the host's page cache once, then measure cold browser contexts.
    await firstScreen(browser, url);
    const loads = [];
    for (let i = 0; i < 3; i++) loads.push(await firstScreen(browser, url));
    log(`bench:ui: first screen ${loads.map((l) => `${Math.round(l.ms)} ms`).join(', ')}`);

    const tl = await timelineFrames(browser, url, seeded.timelineRunId);
    const result = {
      events_total: seeded.events,
      timeline_events: seeded.timelineEvents,
      timeline_bars: tl.bars,
      timeline_lanes: tl.lanes,
      seed_ms: seedMs,
      first_screen_ms: Math.round(median(loads.map((l) => l.ms))),
      first_screen_runs_rendered: loads[0].rows,
      timeline_ready_ms: tl.readyMs,
      timeline_frames: tl.frames.length,
      timeline_long_frames: tl.frames.filter((f) => f > 50).length,
      timeline_p95_frame_ms: Math.round(percentile(tl.frames, 95) * 10) / 10,
      timeline_max_frame_ms: Math.round(Math.max(...tl.frames) * 10) / 10,
      timeline_long_tasks: tl.longTasks.length,
    };
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(28)} ${v}\n`);
  } finally {
    if (browser) await browser.close();
    if (serve) await stop(serve.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench:ui failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
