// Live progress for `shoal run` / `shoal resume` on stderr: a line per task, redrawn in place on a
// terminal, printed as changes on a pipe (so CI logs stay readable).
import { ENDED_TASK_STATES, type TaskRow } from '../../src-shared/contract';

const ICON: Record<string, string> = {
  queued: '·', leased: '→', starting: '→', running: '▶', model_wait: '…', running_tool: '⚙', retry_wait: '↻', review: '?',
  passed: '✓', failed: '✗', timeout: '⏱', cancelled: '⊘', skipped: '-', pending: '·',
};

export class ProgressDisplay {
  private lastLines = 0;
  private readonly seen = new Map<string, string>();
  private readonly tty: boolean;
  private readonly startedAt = Date.now();

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number }) {
    this.tty = !!out.isTTY;
  }

  render(runName: string, tasks: TaskRow[]): void {
    if (this.tty) {
      const width = Math.max(40, (this.out.columns ?? 100) - 1);
      const done = tasks.filter((t) => ENDED.has(t.state)).length;
      const secs = ((Date.now() - this.startedAt) / 1000).toFixed(0);
      const lines = [`${runName}  ${bar(done, tasks.length, 24)} ${done}/${tasks.length}  ${secs}s`];
      for (const t of onScreen(tasks, Math.max(5, (this.out.rows ?? 40) - 2))) {
        if (typeof t === 'string') {
          lines.push(t);
          continue;
        }
        const attempt = t.attempts > 1 ? ` (attempt ${t.attempts}/${t.maxAttempts})` : '';
        const why = noteOf(t);
        const note = why ? `  ${why}` : '';
        lines.push(`  ${ICON[t.state] ?? ' '} ${t.taskId.padEnd(20)} ${t.state.padEnd(12)}${attempt}${note}`.slice(0, width));
      }
      let s = this.lastLines > 0 ? `\x1b[${this.lastLines}A` : '';
      s += lines.map((l) => `\x1b[2K${l}\n`).join('');
      this.out.write(s);
      this.lastLines = lines.length;
    } else {
      for (const t of tasks) {
        const key = `${t.state}:${t.attempts}`;
        if (this.seen.get(t.taskId) === key) continue;
        this.seen.set(t.taskId, key);
        const why = noteOf(t);
        this.out.write(`[${new Date().toISOString().slice(11, 19)}] ${t.taskId}: ${t.state}${t.attempts > 0 ? ` (attempt ${t.attempts})` : ''}${why ? ` — ${why}` : ''}\n`);
      }
    }
  }
}

const ENDED: ReadonlySet<string> = new Set(ENDED_TASK_STATES);

/** The task lines that fit on the terminal: all of them when they fit, else the ones under way,
 *  then the failed, then those waiting, and a last line counting the rest (a run of thousands of
 *  tasks would otherwise scroll the terminal with every redraw). */
function onScreen(tasks: TaskRow[], room: number): Array<TaskRow | string> {
  if (tasks.length <= room) return tasks;
  const rank = (t: TaskRow) => (ENDED.has(t.state) ? (t.state === 'passed' || t.state === 'skipped' ? 3 : 1) : t.state === 'queued' ? 2 : 0);
  const shown = [...tasks].sort((a, b) => rank(a) - rank(b) || a.ordinal - b.ordinal).slice(0, room - 1);
  const rest = tasks.length - shown.length;
  return [...shown, `  … and ${rest} more (${tasks.filter((t) => t.state === 'queued').length} queued, ${tasks.filter((t) => ENDED.has(t.state)).length} ended in all)`];
}

/** Why a task waits or ended as it did: a task nobody can take, or the failure of its last attempt
 *  (what the agent said, when it said something) while it waits to retry or once it has failed. */
function noteOf(t: TaskRow): string {
  if (t.unplaceable) return `cannot be placed: ${t.unplaceable}`;
  return t.lastError && FAILURE_NOTED.has(t.state) ? t.lastError : '';
}

const FAILURE_NOTED: ReadonlySet<string> = new Set(['retry_wait', 'failed', 'timeout']);

function bar(n: number, total: number, width: number): string {
  const filled = total === 0 ? width : Math.round((n / total) * width);
  return '[' + '█'.repeat(filled) + '░'.repeat(width - filled) + ']';
}

export function summaryTable(tasks: TaskRow[], receipts: Array<Record<string, unknown>>): string {
  const last = new Map<string, Record<string, unknown>>();
  for (const r of receipts) last.set(String(r.task_id), r);
  const rows = tasks.map((t) => {
    const r = last.get(t.taskId);
    const score = r?.score as { value?: number; max?: number } | null | undefined;
    const dur = t.startedAt && t.finishedAt ? `${((Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000).toFixed(1)}s` : '';
    return [t.taskId, t.state, String(t.attempts), score && typeof score.value === 'number' ? `${score.value}${score.max !== undefined ? `/${score.max}` : ''}` : '', dur, t.lastError ?? t.unplaceable ?? ''];
  });
  const head = ['TASK', 'RESULT', 'ATTEMPTS', 'SCORE', 'TIME', 'NOTE'];
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const fmt = (r: string[]) => r.map((c, i) => c.slice(0, 60).padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}
