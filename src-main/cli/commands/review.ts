// `shoal review RUN TASK --pass|--fail [--notes TEXT]`: a person's verdict on a manual-review task.
import { flagString, parseFlags, type CliIo, UsageError } from '../io';
import { openCore } from '../open-core';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['pass', 'fail']);
  const [runId, taskId] = positional;
  if (!runId || !taskId) throw new UsageError('usage: shoal review RUN TASK --pass|--fail [--notes TEXT]');
  const pass = flags.get('pass') === true;
  if (pass === (flags.get('fail') === true)) throw new UsageError('say --pass or --fail');
  const core = openCore(flags, io);
  try {
    if (!core.engine.decideReview(runId, taskId, pass, flagString(flags, 'notes'), process.env.USER ?? 'cli')) {
      io.stderr.write(`${runId}/${taskId} is not waiting for review\n`);
      return 1;
    }
    io.stdout.write(`${taskId}: ${pass ? 'passed' : 'failed'} in review\n`);
    return 0;
  } finally {
    core.close();
  }
}
