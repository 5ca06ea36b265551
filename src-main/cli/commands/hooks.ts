// `shoal hooks add|list|test|remove [--db PATH]`: hooks on lifecycle events.
//   shoal hooks add ID --event E [--event E2] (--command CMD | --url URL [--secret S]) [--timeout S]
//   shoal hooks list [--json]
//   shoal hooks test ID [--event E]     runs the hook now with a sample event; exit 1 if it failed
//   shoal hooks remove ID
// Events: run.state/started/finished, task.state, attempt.started/finished, alert.fired,
// approval.requested/decided, and a thread's response.start/delta/end and tool.start/finish (or a
// prefix like run.*, or *). A command gets the event JSON on stdin; a URL gets it POSTed,
// signed like the alert webhook. Output and failures go to <data dir>/hooks.log.
import { HOOK_EVENTS } from '../../core/alerts/hooks/hook-config';
import { ShoalError } from '../../../src-shared/contract/envelope';
import { DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagInt, inputErrorExit, UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';

export const doc: CommandDoc = {
  usage: 'hooks add|list|test|remove [ID] [options]',
  summary: 'Hooks on lifecycle events: a command gets the event JSON on stdin, a URL gets it POSTed and signed. Output and failures go to <data dir>/hooks.log.',
  options: {
    event: { type: 'string', value: 'E', multiple: true, help: `add: an event to run on (repeatable): ${HOOK_EVENTS.join(', ')}, a prefix like run.*, or *; test: the sample event` },
    command: { type: 'string', value: 'CMD', help: 'add: a shell command to run' },
    url: { type: 'string', value: 'URL', help: 'add: a URL to POST to' },
    secret: { type: 'string', value: 'S', help: 'add: signs URL hooks like the alert webhook (sealed at rest)' },
    timeout: { type: 'string', value: 'S', help: 'add: seconds before the hook is stopped' },
    replace: { type: 'boolean', help: 'add: replace the hook that has this id' },
    json: JSON_OPTION,
    db: DB_OPTION,
  },
  subcommandArgs: { add: 1, list: 0, test: 1, remove: 1 },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, lists, positional } = parseCommand(args, doc);
  const events = lists.get('event') ?? [];
  const [sub, id] = positional;
  const core = openCore(flags, io);
  try {
    switch (sub) {
      case 'add': {
        if (!id) throw new UsageError('add needs an id, e.g. `shoal hooks add notify --event attempt.finished --command "notify-send done"`');
        const command = flags.get('command');
        const url = flags.get('url');
        if ((command === undefined) === (url === undefined)) throw new UsageError('give exactly one of --command CMD or --url URL');
        const timeout = flagInt(flags, 'timeout', 1, 600);
        let hook;
        try {
          hook = core.alerts.addHook({
            id, events, ...(timeout !== undefined ? { timeout_seconds: timeout } : {}),
            ...(command !== undefined ? { kind: 'command', command } : { kind: 'url', url, ...(flags.has('secret') ? { secret: flags.get('secret') } : {}) }),
          }, flags.get('replace') === true);
        } catch (e) {
          // The store refuses a taken id; here the way past it is a flag.
          if (e instanceof ShoalError && e.code === 'conflict') throw new UsageError(`a hook "${id}" already exists; give --replace to replace it, or choose another id`);
          throw e;
        }
        io.stdout.write(`hook ${hook.id} added\n`);
        return 0;
      }
      case undefined:
      case 'list': {
        const hooks = core.alerts.hookStore.view();
        if (flags.get('json')) io.stdout.write(JSON.stringify(hooks) + '\n');
        else if (hooks.length === 0) io.stdout.write('no hooks\n');
        else for (const h of hooks) io.stdout.write(`${h.id}  ${h.kind.padEnd(7)}  ${h.events.join(',')}  ${h.target}${h.signed ? ' (signed)' : ''}  timeout ${h.timeout_seconds}s\n`);
        return 0;
      }
      case 'test': {
        if (!core.alerts.hookStore.list().some((h) => h.id === id)) throw new UsageError(`no hook "${id ?? ''}" (see \`shoal hooks list\`)`);
        const result = await core.alerts.testHook(id!, events[0]);
        io.stdout.write(`${id}: ${result.ok ? 'ok' : 'failed'} (${result.detail})\n`);
        return result.ok ? 0 : 1;
      }
      case 'remove': {
        if (!id || !core.alerts.removeHook(id)) throw new UsageError(`no hook "${id ?? ''}"`);
        io.stdout.write(`hook ${id} removed\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}"; expected add, list, test or remove`);
    }
  } catch (error) {
    return inputErrorExit(error, io);
  } finally {
    await core.shutdown();
  }
}
