// `shoal workers [list] [--json] [--db PATH]`: every worker — this computer, a run's own, remote agents.
import { parseFlags, UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  const sub = positional[0] ?? 'list';
  if (sub !== 'list') throw new UsageError(`unknown subcommand "${sub}" (expected: list)`);
  const core = openCore(flags, io);
  try {
    const rows = core.workersView.list();
    if (flags.get('json')) {
      io.stdout.write(JSON.stringify(rows) + '\n');
      return 0;
    }
    for (const w of rows) {
      io.stdout.write(`${w.id}  ${w.hostKind.padEnd(6)}  ${w.status.padEnd(9)}  ${w.running}/${w.maxConcurrent ?? '-'} running  ${w.name}  [${w.capabilities.join(', ')}]\n`);
    }
    return 0;
  } finally {
    core.close();
  }
}
