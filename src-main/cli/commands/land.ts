// `shoal land RUN [--into BRANCH] [--squash | --branches] [--tasks a,b] [--check CMD] [--push]
// [--remote NAME] [--pr] [--json]`: lands a finished run's results through the merge queue. Exit 0
// when every chosen result landed (or was kept as a branch), 1 when any was taken out or the queue
// stopped, 2 on bad input (and then nothing changed). Running it again resumes an interrupted landing.
import { DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagString, UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';
import type { ItemState } from '../../core/landing/land-store';
import { LandInputError, type LandReport } from '../../core/landing/merge-queue';

// Anything not settled as landed, empty or kept counts against the exit code (a queue that stopped
// leaves items queued, merging or checking).
const TAKEN_OUT = new Set<ItemState>(['conflict', 'check_failed', 'queued', 'merging', 'checking']);

export const doc: CommandDoc = {
  usage: 'land RUN [options]',
  maxArgs: 1,
  summary: "Lands a finished run's results through the merge queue, in its own worktree; running it again resumes an interrupted landing.",
  options: {
    into: { type: 'string', value: 'BRANCH', help: 'the branch to land on (default: the workspace\'s current branch)' },
    squash: { type: 'boolean', help: 'one squashed commit per result instead of a merge' },
    branches: { type: 'boolean', help: 'keep each result as a branch instead of merging' },
    tasks: { type: 'string', value: 'a,b', help: 'only these tasks (default: every passing winner)' },
    check: { type: 'string', value: 'CMD', help: 'a command that must pass on the new tip before each result stays' },
    push: { type: 'boolean', help: 'push the landed branch to the remote' },
    remote: { type: 'string', value: 'NAME', help: 'the remote to push to (default: origin)' },
    pr: { type: 'boolean', help: 'open pull requests instead of merging' },
    json: JSON_OPTION,
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const runId = positional[0];
  if (!runId) throw new UsageError('which run? e.g. `shoal land run-123 --into main`');
  if (flags.get('squash') && flags.get('branches')) throw new UsageError('--squash and --branches: choose one');
  const core = openCore(flags, io);
  let report: LandReport;
  // Ctrl-C (or a SIGTERM) stops the queue between steps and kills a running check, which runs in
  // its own process group and would otherwise go on in the background; the landing is left to resume.
  const onSignal = () => void core.landing.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    report = await core.landing.land({
      runId, into: flagString(flags, 'into'), mode: flags.get('squash') ? 'squash' : flags.get('branches') ? 'branches' : 'merge',
      tasks: flagString(flags, 'tasks')?.split(',').map((s) => s.trim()).filter(Boolean), check: flagString(flags, 'check'),
      push: flags.get('push') === true, pr: flags.get('pr') === true, remote: flagString(flags, 'remote'),
    });
  } catch (e) {
    // Named as typed here: the run is the argument, the others are flags (not the API's field names).
    if (e instanceof LandInputError) throw new UsageError(e.field === 'runId' ? e.message : `--${e.field}: ${e.message}`);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    core.close();
  }
  if (flags.get('json')) io.stdout.write(JSON.stringify(report) + '\n');
  else {
    if (report.resumed) io.stdout.write(`resumed ${report.landing_id}\n`);
    if (report.interrupted) io.stderr.write(`stopped; run \`shoal land ${report.run_id}\` again to resume ${report.landing_id}\n`);
    for (const i of report.items) {
      io.stdout.write(`${i.task_id.padEnd(24)} ${i.state.padEnd(13)} ${i.commit ? i.commit.slice(0, 12) : ''}${i.reason ? `  ${i.reason}` : ''}\n`);
    }
    io.stdout.write(`${report.into}: ${report.base_commit.slice(0, 12)} → ${report.tip_commit.slice(0, 12)} (${report.status})${report.error ? ` — ${report.error}` : ''}\n`);
  }
  return report.status === 'done' && !report.error && !report.items.some((i) => TAKEN_OUT.has(i.state)) ? 0 : 1;
}
