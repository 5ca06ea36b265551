// Shared by `shoal run` and `shoal resume`: show progress until the runs settle, then summarise.
import type { ShoalCore } from '../core/shoal';
import { runResultJson } from '../core/views/wire-export';
import type { CliIo } from './io';
import { ProgressDisplay, summaryTable } from './progress';

const DRAW_EVERY_MS = 200;

/** Waits for each run, drawing progress; on SIGINT/SIGTERM interrupts running agents (their tasks
 *  go back to the queue for `shoal resume`). Returns the exit code. */
export async function watchRuns(core: ShoalCore, runIds: string[], io: CliIo, json: boolean): Promise<number> {
  const display = new ProgressDisplay(io.stderr as NodeJS.WritableStream & { isTTY?: boolean });
  let interrupted: string | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    void core.engine.shutdown(sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const draw = () => {
    for (const id of runIds) {
      const run = core.runsView.get(id);
      if (run) display.render(run.name, core.runsView.tasks(id));
    }
  };
  // A draw reads every task of the run: on a run of tens of thousands of tasks that takes long
  // enough to starve the engine sharing this thread. The next draw waits at least twenty times as
  // long as this one took, so drawing never takes more than a twentieth of the time.
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    const t0 = performance.now();
    draw();
    timer = setTimeout(tick, Math.max(DRAW_EVERY_MS, 20 * (performance.now() - t0)));
  };
  timer = setTimeout(tick, DRAW_EVERY_MS);
  try {
    await Promise.all(runIds.map((id) => core.engine.waitForRun(id, { untilIdle: true })));
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  draw();
  if (interrupted) {
    io.stderr.write(`\ninterrupted (${interrupted}); running tasks were put back. Continue with: shoal resume${core.store.path ? ` --db ${core.store.path}` : ''}\n`);
    return 130;
  }
  let allPassed = true;
  const out: string[] = [];
  for (const id of runIds) {
    const tasks = core.runsView.tasks(id);
    const receipts = core.engine.fleet.receipts(id);
    io.stderr.write('\n' + summaryTable(tasks, receipts));
    const review = tasks.filter((t) => t.state === 'review');
    if (review.length > 0) io.stderr.write(`${review.length} task${review.length === 1 ? '' : 's'} waiting for review: shoal review ${id} <task> --pass|--fail\n`);
    const unplaceable = tasks.filter((t) => t.unplaceable && t.state === 'queued');
    for (const t of unplaceable) io.stderr.write(`${t.taskId} was never run: ${t.unplaceable}\n`);
    // Such tasks wait: the run stays open, and the next Shoal on this store (the app, another
    // `shoal run` or `resume`) runs them once a worker can take them. Said, so that is no surprise.
    if (unplaceable.length > 0) {
      const n = unplaceable.length;
      io.stderr.write(`run ${id} stays open with ${n} waiting task${n === 1 ? '' : 's'}: once a worker can take ${n === 1 ? 'it' : 'them'}, continue with: shoal resume ${id}${core.store.path ? ` --db ${core.store.path}` : ''}\n`);
    }
    if (tasks.some((t) => t.state !== 'passed')) allPassed = false;
    out.push(runResultJson(core.store, receipts, id) ?? '');
  }
  if (json) for (const line of out) io.stdout.write(line + '\n');
  return allPassed ? 0 : 1;
}
