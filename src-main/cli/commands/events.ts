// `shoal events RUN [--json] [--task T]`: the run's timeline; --json prints one FleetWorkerEvent per line.
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagString, type CliIo, UsageError } from '../io';
import { openCore } from '../open-core';
import { wireJson } from '../../core/views/wire-export';

export const doc: CommandDoc = {
  usage: 'events RUN [options]',
  maxArgs: 1,
  summary: "The run's timeline.",
  options: {
    json: { type: 'boolean', help: 'one FleetWorkerEvent JSON object per line' },
    task: { type: 'string', value: 'T', help: 'only this task' },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const runId = positional[0];
  if (!runId) throw new UsageError('which run? e.g. `shoal events run-123 --json` (see `shoal runs`)');
  const core = openCore(flags, io);
  try {
    if (core.engine.fleet.runStatus(runId) === null) throw new UsageError(`no run "${runId}"`);
    const task = flagString(flags, 'task');
    // A mistyped task printed an empty timeline and exit 0.
    if (task !== undefined && !core.runsView.tasks(runId).some((t) => t.taskId === task)) throw new UsageError(`--task: no task "${task}" in run "${runId}"`);
    let after = 0;
    for (;;) {
      const page = core.engine.fleet.events.page(runId, after, 5000, task);
      if (page.length === 0) break;
      const lines = page.map((e) => flags.get('json') ? wireJson('FleetWorkerEvent', e) : human(e));
      io.stdout.write(lines.join('\n') + '\n');
      after = Number(page[page.length - 1]!.seq);
    }
    return 0;
  } finally {
    core.close();
  }
}

function human(e: Record<string, unknown>): string {
  const { seq, timestamp, task_id, worker_id, state, run_id: _r, extra: _x, ...rest } = e;
  const detail = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${String(seq).padStart(6)}  ${String(timestamp)}  ${String(task_id).padEnd(16)} ${String(worker_id || '-').padEnd(8)} ${String(state).padEnd(12)} ${detail}`;
}
