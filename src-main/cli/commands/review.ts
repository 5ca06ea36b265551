// `shoal review RUN TASK --pass|--fail [--notes TEXT]`: a person's verdict on a manual-review task.
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagString, type CliIo, UsageError } from '../io';
import { openCore } from '../open-core';

export const doc: CommandDoc = {
  usage: 'review RUN TASK --pass|--fail [options]',
  maxArgs: 2,
  summary: "A person's verdict on a task waiting for manual review.",
  options: {
    pass: { type: 'boolean', help: 'the task passes' },
    fail: { type: 'boolean', help: 'the task fails' },
    notes: { type: 'string', value: 'TEXT', help: 'why, kept with the receipt', emptyMeansNone: true },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const [runId, taskId] = positional;
  if (!runId || !taskId) throw new UsageError('usage: shoal review RUN TASK --pass|--fail [--notes TEXT]');
  const pass = flags.get('pass') === true;
  if (pass === (flags.get('fail') === true)) throw new UsageError('say --pass or --fail');
  const core = openCore(flags, io);
  try {
    // A mistyped run or task is a usage error (exit 2), as in `shoal events` and `shoal receipt`.
    if (core.engine.fleet.runStatus(runId) === null) throw new UsageError(`no run "${runId}"`);
    const task = core.runsView.tasks(runId).find((t) => t.taskId === taskId);
    if (!task) throw new UsageError(`no task "${taskId}" in run "${runId}"`);
    if (!core.engine.decideReview(runId, taskId, pass, flagString(flags, 'notes'), process.env.USER ?? 'cli')) {
      io.stderr.write(`${runId}/${taskId} is not waiting for review (it is ${task.state})\n`);
      return 1;
    }
    io.stdout.write(`${taskId}: ${pass ? 'passed' : 'failed'} in review\n`);
    return 0;
  } finally {
    core.close();
  }
}
