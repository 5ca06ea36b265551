// `shoal hooks add|list|test|remove [--db PATH]`: hooks on lifecycle events.
//   shoal hooks add ID --event E [--event E2] (--command CMD | --url URL [--secret S]) [--timeout S]
//   shoal hooks list [--json]
//   shoal hooks test ID [--event E]     runs the hook now with a sample event; exit 1 if it failed
//   shoal hooks remove ID
// Events: task.state, attempt.started, attempt.finished, alert.fired, approval.requested,
// approval.decided (or task.*, *). A command gets the event JSON on stdin; a URL gets it POSTed,
// signed like the alert webhook. Output and failures go to <data dir>/hooks.log.
import crypto from 'node:crypto';
import { ShoalError } from '../../../src-shared/contract/envelope';
import { HOOK_EVENTS, type HookEventName } from '../../core/alerts/hooks/hook-config';
import { parseFlags, UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';

export async function run(args: string[], io: CliIo): Promise<number> {
  const events = collect(args, '--event');
  const { flags, positional } = parseFlags(stripRepeated(args, '--event'), ['json']);
  const [sub, id] = positional;
  const core = openCore(flags, io);
  try {
    switch (sub) {
      case 'add': {
        if (!id) throw new UsageError('add needs an id, e.g. `shoal hooks add notify --event attempt.finished --command "notify-send done"`');
        const command = flags.get('command');
        const url = flags.get('url');
        if ((command === undefined) === (url === undefined)) throw new UsageError('give exactly one of --command CMD or --url URL');
        const timeout = flags.get('timeout');
        const hook = core.alerts.addHook({
          id, events, ...(timeout !== undefined ? { timeout_seconds: Number(timeout) } : {}),
          ...(command !== undefined ? { kind: 'command', command } : { kind: 'url', url, ...(flags.has('secret') ? { secret: flags.get('secret') } : {}) }),
        });
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
        const hook = core.alerts.hookStore.list().find((h) => h.id === id);
        if (!hook) throw new UsageError(`no hook "${id ?? ''}" (see \`shoal hooks list\`)`);
        const type = (events[0] ?? hook.events.find((e) => (HOOK_EVENTS as readonly string[]).includes(e)) ?? 'attempt.finished') as HookEventName;
        const result = await core.alerts.hooks.runNow(hook, {
          id: `hk_test_${crypto.randomUUID().slice(0, 8)}`, type, at: new Date().toISOString(),
          data: { sample: true, run_id: 'sample-run', task_id: 'sample-task', attempt: 1, state: 'completed' },
        });
        io.stdout.write(`${hook.id}: ${result.ok ? 'ok' : 'failed'} (${result.detail})\n`);
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
    if (error instanceof ShoalError) {
      for (const issue of error.issues ?? [error.message]) io.stderr.write(`${issue}\n`);
      return 2;
    }
    throw error;
  } finally {
    await core.shutdown();
  }
}

/** Values of a flag that may repeat (--event a --event b). */
function collect(args: string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a === flag && args[i + 1] !== undefined) out.push(args[i + 1]!);
    else if (a.startsWith(`${flag}=`)) out.push(a.slice(flag.length + 1));
  });
  return out;
}

function stripRepeated(args: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) i++;
    else if (!args[i]!.startsWith(`${flag}=`)) out.push(args[i]!);
  }
  return out;
}
