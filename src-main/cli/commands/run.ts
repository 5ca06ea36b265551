// `shoal run SPEC [--db PATH] [--workspace DIR] [--max-workers N] [--alerts-wait S] [--json]`: runs a
// spec to the end on this computer, then waits (at most S seconds, default 60) for its alerts to go out. Exit 0 if every task passed, 1 if any did not, 2 if the spec is invalid.
import path from 'node:path';
import { flagInt, flagString, parseFlags, type CliIo } from '../io';
import { openCore } from '../open-core';
import { readSpecFile } from '../read-spec';
import { watchRuns } from '../watch-run';
import { alertWaitMs, waitForAlerts } from '../alerts-drain';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  const maxWorkers = flagInt(flags, 'max-workers', 1, 1024);
  const ws = flagString(flags, 'workspace');
  const workspace = ws ? path.resolve(io.cwd, ws) : null;
  const { result } = readSpecFile(positional[0], io.cwd, workspace);
  if (!result.ok) {
    for (const issue of result.issues) io.stderr.write(issue + '\n');
    io.stderr.write(`${positional[0]}: invalid spec; nothing was run\n`);
    return 2;
  }
  for (const w of result.spec.warnings) io.stderr.write(`warning: ${w}\n`);
  const core = openCore(flags, io, { runs: true, ...(maxWorkers ? { maxWorkers } : {}) });
  try {
    const { recovered } = core.start();
    if (recovered > 0) io.stderr.write(`recovered ${recovered} task${recovered === 1 ? '' : 's'} interrupted by an earlier crash\n`);
    const runId = core.engine.launch(result.spec);
    io.stderr.write(`run ${runId}\n`);
    const code = await watchRuns(core, [runId], io, flags.get('json') === true);
    await waitForAlerts(core, runId, io, alertWaitMs(flags));
    return code;
  } finally {
    await core.shutdown();
  }
}
