// `shoal alerts [--run ID] [--json] [--db PATH]`: alert deliveries, newest first, with their state
// (pending, retrying, delivered, failed), attempts and last error.
//   shoal alerts retry ID               send a delivery again now (same delivery id)
//   shoal alerts deliver [--alerts-wait S]   send what is pending or retrying, waiting at most S seconds
//   shoal alerts test [--channel N]     send a test alert through Settings channel N (default 0)
//   shoal alerts config [JSON]          show the alert settings, or change them (validated; channel
//                                       URLs, keys and secrets are sealed and never printed)
import { alertWaitMs, waitForAlerts } from '../alerts-drain';
import { ALERTS_WAIT_OPTION, DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagInt, flagString, inputErrorExit, UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';

export const doc: CommandDoc = {
  usage: 'alerts [retry ID | deliver | test | config [JSON]] [options]',
  summary: 'Alert deliveries, newest first, with their state, attempts and last error; retry one, send what is pending, send a test, or show and change the alert settings.',
  options: {
    run: { type: 'string', value: 'ID', help: 'only this run\'s deliveries' },
    limit: { type: 'string', value: 'N', help: 'at most N deliveries (default 200)' },
    channel: { type: 'string', value: 'N', help: 'test: the Settings channel to send through (default 0)' },
    'alerts-wait': ALERTS_WAIT_OPTION,
    json: JSON_OPTION,
    db: DB_OPTION,
  },
  subcommandArgs: { retry: 1, deliver: 0, test: 0, config: 1 },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const [sub, arg] = positional;
  const json = flags.get('json') === true;
  const alertWait = alertWaitMs(flags);
  const core = openCore(flags, io);
  try {
    switch (sub) {
      case undefined: {
        const runId = flagString(flags, 'run');
        if (runId !== undefined && core.engine.fleet.runStatus(runId) === null) throw new UsageError(`--run: no run "${runId}"`);
        const rows = core.alerts.outbox.list({ runId, limit: flagInt(flags, 'limit', 1, 10_000) ?? 200 }).map((r) => ({
          id: r.id, state: r.state, channel: r.channel_kind, action: r.action, rule: r.rule, run_id: r.run_id, task_id: r.task_id,
          attempt: r.attempt, attempts: r.attempts, last_error: r.last_error, reason: r.reason, created_at: r.created_at, delivered_at: r.delivered_at,
        }));
        if (json) io.stdout.write(JSON.stringify(rows) + '\n');
        else if (rows.length === 0) io.stdout.write(runId ? `no alerts for run ${runId}\n` : 'no alerts\n');
        else for (const r of rows) {
          const where = r.run_id ? `${r.run_id}${r.task_id ? `/${r.task_id}` : ''}` : '-';
          io.stdout.write(`${r.id}  ${r.state.padEnd(9)}  ${r.channel.padEnd(10)}  ${r.action.padEnd(7)}  ${r.rule.padEnd(8)}  attempts ${r.attempts}  ${where}\n  ${r.reason}${r.last_error ? `\n  last error: ${r.last_error}` : ''}\n`);
        }
        return 0;
      }
      case 'retry': {
        if (!arg) throw new UsageError('retry needs a delivery id (see `shoal alerts`)');
        if (!core.alerts.outbox.get(arg)) throw new UsageError(`no alert delivery "${arg}"`);
        core.alerts.retry(arg);
        return await deliver(core, io, alertWait, arg);
      }
      case 'deliver':
        return await deliver(core, io, alertWait, undefined);
      case 'test': {
        const id = core.alerts.sendTest({ index: flagInt(flags, 'channel', 0, 1000) ?? 0 });
        io.stderr.write(`test alert ${id}\n`);
        return await deliver(core, io, alertWait, id);
      }
      case 'config': {
        if (arg !== undefined) {
          let patch: unknown;
          try {
            patch = JSON.parse(arg);
          } catch (e) {
            // JSON.parse says where ("… in JSON at position 1"): kept, the rest is ours.
            throw new UsageError(`config expects a JSON object, e.g. '{"approval_escalate_minutes": 10}': ${(e as Error).message}`);
          }
          if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw new UsageError('config expects a JSON object');
          core.alerts.settings.update(patch as Record<string, unknown>);
        }
        io.stdout.write(JSON.stringify(core.alerts.settings.view(), null, json ? 0 : 2) + '\n');
        return 0;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}"; expected retry, deliver, test or config`);
    }
  } catch (error) {
    return inputErrorExit(error, io);
  } finally {
    await core.shutdown();
  }
}

/** Starts only the delivery side (no engine: nothing else runs) and waits for it. With `id`, waits
 *  for that delivery alone (another one retrying for minutes is no reason to keep a test waiting) and
 *  exits 0 only when it was delivered. */
async function deliver(core: ReturnType<typeof openCore>, io: CliIo, alertWait: number, id: string | undefined): Promise<number> {
  core.alerts.start();
  await waitForAlerts(core, undefined, io, alertWait, id);
  if (!id) return core.alerts.outbox.unsettled().length === 0 ? 0 : 1;
  const row = core.alerts.outbox.get(id);
  io.stderr.write(`${id}: ${row?.state}${row?.last_error ? ` (${row.last_error})` : ''}\n`);
  return row?.state === 'delivered' ? 0 : 1;
}
