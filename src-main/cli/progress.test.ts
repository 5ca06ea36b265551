// `shoal run` on a pipe (CI logs) prints a line per change; a task that waits to retry or failed says
// why on that line, as the terminal view does, instead of only its state.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../src-shared/contract';
import { ProgressDisplay } from './progress';

const row = (over: Partial<TaskRow>): TaskRow => ({
  runId: 'r', taskId: 't', name: 't', ordinal: 0, priority: 0, state: 'queued', attempts: 0, maxAttempts: 3, result: null, workerId: null,
  startedAt: null, finishedAt: null, lastError: null, scorer: 'exit_code', unplaceable: null, ...over,
});

function lines(frames: TaskRow[][]): string[] {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const display = new ProgressDisplay(out);
  for (const tasks of frames) display.render('run', tasks);
  return text.trim().split('\n').map((l) => l.replace(/^\[\d\d:\d\d:\d\d\] /, ''));
}

describe('shoal run progress on a pipe', () => {
  it('says why an attempt failed while the task waits to retry, and why the task failed in the end', () => {
    expect(lines([
      [row({ state: 'running', attempts: 1 })],
      [row({ state: 'retry_wait', attempts: 1, lastError: 'agent exited with code 1' })],
      [row({ state: 'running', attempts: 2, lastError: 'agent exited with code 1' })],
      [row({ state: 'failed', attempts: 2, lastError: 'timed out' })],
    ])).toEqual([
      't: running (attempt 1)',
      't: retry_wait (attempt 1) — agent exited with code 1',
      't: running (attempt 2)',
      't: failed (attempt 2) — timed out',
    ]);
  });

  it('says why a task cannot be placed', () => {
    expect(lines([[row({ unplaceable: 'no worker has capability "gpu"' })]])).toEqual(['t: queued — cannot be placed: no worker has capability "gpu"']);
  });

  it('on a terminal, a run too long for the screen shows the tasks under way and the failed first, and counts the rest', () => {
    const out = Object.assign(new PassThrough(), { isTTY: true, rows: 8, columns: 100 });
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const tasks = Array.from({ length: 50 }, (_, i) => row({ taskId: `t${i}`, ordinal: i, state: i < 20 ? 'passed' : i === 30 || i === 31 ? 'running' : i === 25 ? 'failed' : 'queued' }));
    new ProgressDisplay(out).render('run', tasks);
    const lines = text.split('\n').filter(Boolean).map((l) => l.split('\x1b[2K').join('').trim());
    expect(lines).toHaveLength(7);
    expect(lines.slice(1, 6).map((l) => l.split(/\s+/)[1])).toEqual(['t30', 't31', 't25', 't20', 't21']);
    expect(lines[6]).toBe('… and 45 more (27 queued, 21 ended in all)');
  });
});
