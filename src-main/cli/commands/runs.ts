// `shoal runs [--json] [--db PATH]`: every run; --json prints a JSON array of FleetRun.
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { allRunIds, fleetRunJson, wireJsonArray } from '../../core/views/wire-export';
import { type CliIo } from '../io';
import { openCore } from '../open-core';

export const doc: CommandDoc = {
  usage: 'runs [options]',
  maxArgs: 0,
  summary: 'Every run.',
  options: {
    json: { type: 'boolean', help: 'a JSON array of FleetRun' },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommand(args, doc);
  const core = openCore(flags, io);
  try {
    if (flags.get('json')) {
      io.stdout.write(wireJsonArray('FleetRun', allRunIds(core.store).map((id) => fleetRunJson(core.store, id))) + '\n');
      return 0;
    }
    const { items } = core.runsView.list(1000);
    if (items.length === 0) io.stdout.write('no runs yet: shoal run <spec>\n');
    for (const r of items) {
      io.stdout.write(`${r.id}  ${r.status.padEnd(9)}  ${r.passed}/${r.total} passed${r.failed ? `, ${r.failed} failed` : ''}${r.review ? `, ${r.review} in review` : ''}  ${r.name}\n`);
    }
    return 0;
  } finally {
    core.close();
  }
}
