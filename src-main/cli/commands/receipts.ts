// `shoal receipts RUN [--json]`: the run's receipts; --json prints a JSON array of FleetReceipt.
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { type CliIo, UsageError } from '../io';
import { openCore } from '../open-core';
import { wireJsonArray } from '../../core/views/wire-export';

export const doc: CommandDoc = {
  usage: 'receipts RUN [options]',
  maxArgs: 1,
  summary: "The run's receipts.",
  options: {
    json: { type: 'boolean', help: 'a JSON array of FleetReceipt' },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const runId = positional[0];
  if (!runId) throw new UsageError('which run? e.g. `shoal receipts run-123 --json`');
  const core = openCore(flags, io);
  try {
    if (core.engine.fleet.runStatus(runId) === null) throw new UsageError(`no run "${runId}"`);
    const receipts = core.engine.fleet.receipts(runId);
    if (flags.get('json')) io.stdout.write(wireJsonArray('FleetReceipt', receipts) + '\n');
    else for (const r of receipts) {
      const score = r.score as { value: number; max?: number; notes?: string } | null;
      io.stdout.write(`${String(r.task_id).padEnd(20)} ${String(r.result).padEnd(8)} ${score ? `${score.value}${score.max !== undefined ? `/${score.max}` : ''}` : '-'}  ${String(r.completed_at)}  ${score?.notes ?? ''}\n`);
    }
    return 0;
  } finally {
    core.close();
  }
}
