// `shoal run SPEC [--db PATH] [--workspace DIR] [--max-workers N] [--accept-new-host-keys] [--alerts-wait S] [--json]`:
// runs a spec to the end on its workers (this computer, SSH hosts, containers, remote agents), then
// waits (at most S seconds, default 60) for its alerts to go out. Exit 0 if every task passed, 1 if
// any did not, 2 if the spec is invalid.
// With `--server URL [--token T]` the spec runs on an already running host and is followed from here.
import { ALERTS_WAIT_OPTION, DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagInt, flagString, UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';
import { readSpecFile, readWorkspace, withWorkspace } from '../read-spec';
import { watchRuns } from '../watch-run';
import { alertWaitMs, waitForAlerts } from '../alerts-drain';
import { runOnServer } from '../watch-server-run';
import { runIdProblem } from '../../core/fleet/run-id-taken';

/** With --server the run is the host's: its store, its workers, its host keys, its alerts. */
const ON_SERVER = { option: 'server', why: 'the run is made and run by that host, with its own store, workers and alerts' };

export const doc: CommandDoc = {
  usage: 'run SPEC [options]',
  summary: 'Runs a spec to the end on its workers. Exit 0 if every task passed, 1 if any did not, 2 if the spec is invalid.',
  options: {
    db: { ...DB_OPTION, unusedWith: ON_SERVER },
    workspace: { type: 'string', value: 'DIR', help: 'the git repository tasks work in (a worktree per attempt)' },
    'max-workers': { type: 'string', value: 'N', help: 'attempts at once on this computer (1–1024)', unusedWith: ON_SERVER },
    'accept-new-host-keys': { type: 'boolean', help: 'trust and pin SSH host keys seen for the first time', unusedWith: ON_SERVER },
    server: { type: 'string', value: 'URL', help: 'submit to a running `shoal serve` or app (the UI address it printed) and follow it from here' },
    token: { type: 'string', value: 'T', help: 'with --server: the UI token, when the URL does not carry it', needs: { option: 'server', why: 'the token of the host the run is submitted to' } },
    'alerts-wait': { ...ALERTS_WAIT_OPTION, unusedWith: ON_SERVER },
    json: JSON_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  // A second spec was ignored without a word: `shoal run a.yaml b.yaml` ran a.yaml only.
  if (positional.length > 1) throw new UsageError(`one spec at a time (got ${positional.length}: ${positional.join(', ')}); run each, or check them all with \`shoal validate\``);
  const maxWorkers = flagInt(flags, 'max-workers', 1, 1024);
  // Read now: a bad value was refused only once the run was over.
  const alertWait = alertWaitMs(flags);
  const ws = readWorkspace(flagString(flags, 'workspace'), io.cwd);
  const workspace = ws.path;
  const server = flagString(flags, 'server');
  if (server) {
    if (!positional[0]) throw new UsageError('which spec? e.g. `shoal run examples/hello.yaml --server URL`');
    return runOnServer(positional[0], { url: server, token: flagString(flags, 'token'), workspace, json: flags.get('json') === true }, io);
  }
  const { file, text, result } = readSpecFile(positional[0], io.cwd, ws);
  if (!result.ok) {
    for (const issue of result.issues) io.stderr.write(issue + '\n');
    io.stderr.write(`${positional[0]}: invalid spec; nothing was run\n`);
    return 2;
  }
  const core = openCore(flags, io, { runs: true, ...(maxWorkers ? { maxWorkers } : {}), acceptNewHostKeys: flags.get('accept-new-host-keys') === true });
  try {
    // A spec that names its run (`id:`) can name one the store already has: refused as the launch
    // preview refuses it, by field, before anything starts (it was SQLite's words and exit 1).
    const taken = runIdProblem(core.store.db, result.spec.run.id);
    if (taken !== null) {
      io.stderr.write(`${taken}\n`);
      io.stderr.write(`${positional[0]}: invalid spec; nothing was run\n`);
      return 2;
    }
    // This run only: the store's other open runs are for `shoal resume` or the app (the engine's
    // placeOnlyItsOwnRun says why).
    core.engine.placeOnlyItsOwnRun();
    const { recovered } = core.start();
    if (recovered > 0) io.stderr.write(`recovered ${recovered} task${recovered === 1 ? '' : 's'} interrupted by an earlier crash\n`);
    const others = core.engine.fleet.activeRunIds();
    if (others.length > 0) {
      const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ', …' : '');
      io.stderr.write(others.length === 1
        ? `1 other open run in this store is not run here (${shown}): \`shoal resume\` runs it\n`
        : `${others.length} other open runs in this store are not run here (${shown}): \`shoal resume\` runs them\n`);
    }
    // Checked again with the store open: the workers kept there take tasks too (placement counts them).
    const loaded = withWorkspace(core.validateSpec(text, file, workspace), ws);
    // With the store open the spec is also checked against what it holds (the person's approval
    // settings: a spec's policy may not loosen them); a problem found only now refuses the run too.
    if (!loaded.ok) {
      for (const issue of loaded.issues) io.stderr.write(issue + '\n');
      io.stderr.write(`${positional[0]}: invalid spec; nothing was run\n`);
      return 2;
    }
    const spec = loaded.spec;
    for (const w of spec.warnings) io.stderr.write(`warning: ${w}\n`);
    const runId = core.engine.launch(spec);
    io.stderr.write(`run ${runId}\n`);
    const code = await watchRuns(core, [runId], io, flags.get('json') === true);
    await waitForAlerts(core, runId, io, alertWait);
    return code;
  } finally {
    await core.shutdown();
  }
}
