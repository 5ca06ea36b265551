// `shoal resume [RUN] [--db PATH]`: after a crash or Ctrl+C, puts interrupted tasks back and runs
// unfinished runs to the end; alerts a crash left unsent are sent.
import { parseFlags, type CliIo, UsageError } from '../io';
import { openCore } from '../open-core';
import { watchRuns } from '../watch-run';
import { alertWaitMs, waitForAlerts } from '../alerts-drain';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  const core = openCore(flags, io, { runs: true });
  try {
    const { recovered } = core.start();
    if (recovered > 0) io.stderr.write(`recovered ${recovered} interrupted task${recovered === 1 ? '' : 's'}\n`);
    const active = core.engine.fleet.activeRunIds();
    const runIds = positional[0] ? [positional[0]] : active;
    if (positional[0] && core.engine.fleet.runStatus(positional[0]) === null) throw new UsageError(`no run "${positional[0]}" in ${core.store.path}`);
    if (runIds.length === 0) {
      io.stderr.write('nothing to resume: every run has finished\n');
      // Alerts a crash left in the outbox still go out.
      await waitForAlerts(core, undefined, io, alertWaitMs(flags));
      return 0;
    }
    const code = await watchRuns(core, runIds, io, flags.get('json') === true);
    await waitForAlerts(core, undefined, io, alertWaitMs(flags));
    return code;
  } finally {
    await core.shutdown();
  }
}
