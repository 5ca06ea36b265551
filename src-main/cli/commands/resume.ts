// `shoal resume [RUN] [--db PATH]`: after a crash or Ctrl+C, puts interrupted tasks back and runs
// unfinished runs to the end; alerts a crash left unsent are sent.
import { ALERTS_WAIT_OPTION, DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagInt, type CliIo, UsageError } from '../io';
import { openCore } from '../open-core';
import { watchRuns } from '../watch-run';
import { alertWaitMs, waitForAlerts } from '../alerts-drain';

export const doc: CommandDoc = {
  usage: 'resume [RUN] [options]',
  maxArgs: 1,
  summary: 'After a crash or Ctrl+C: puts interrupted tasks back, runs unfinished runs to the end, and sends alerts a crash left unsent.',
  options: {
    'max-workers': { type: 'string', value: 'N', help: 'attempts at once on this computer (1–1024)' },
    'alerts-wait': ALERTS_WAIT_OPTION,
    json: JSON_OPTION,
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const maxWorkers = flagInt(flags, 'max-workers', 1, 1024);
  // Read now: a bad value was refused only once the runs were over.
  const alertWait = alertWaitMs(flags);
  const core = openCore(flags, io, { runs: true, ...(maxWorkers ? { maxWorkers } : {}) });
  try {
    const { recovered } = core.start();
    if (recovered > 0) io.stderr.write(`recovered ${recovered} interrupted task${recovered === 1 ? '' : 's'}\n`);
    const active = core.engine.fleet.activeRunIds();
    const runIds = positional[0] ? [positional[0]] : active;
    if (positional[0] && core.engine.fleet.runStatus(positional[0]) === null) throw new UsageError(`no run "${positional[0]}" in ${core.store.path}`);
    if (runIds.length === 0) {
      io.stderr.write('nothing to resume: every run has finished\n');
      // Alerts a crash left in the outbox still go out.
      await waitForAlerts(core, undefined, io, alertWait);
      return 0;
    }
    const code = await watchRuns(core, runIds, io, flags.get('json') === true);
    await waitForAlerts(core, undefined, io, alertWait);
    return code;
  } finally {
    await core.shutdown();
  }
}
