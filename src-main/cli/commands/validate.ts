// `shoal validate SPEC...`: exit 0 when every spec is valid, else 2 with every problem as
// `<field path>: <what is wrong>` (with several specs, each line starts with its file). Writes
// nothing anywhere.
import { DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { readStoredPolicyOptions } from '../../core/approvals/policy-settings';
import { readKeptWorkerCapabilities } from '../../core/hosts/worker-registry';
import { defaultDbPath } from '../../core/store/open';
import { flagString, type CliIo } from '../io';
import { readSpecFile, readWorkspace } from '../read-spec';

export const doc: CommandDoc = {
  usage: 'validate SPEC... [options]',
  summary: 'Checks specs: exit 0 when every one is valid, else 2 with every problem as `<field path>: <what is wrong>`. Writes nothing.',
  options: {
    json: JSON_OPTION,
    db: DB_OPTION,
    workspace: { type: 'string', value: 'DIR', help: 'check the spec against this repository' },
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const ws = readWorkspace(flagString(flags, 'workspace'), io.cwd);
  // A spec's policy may only make the person's approval settings stricter: read them (never written).
  const dbPath = flagString(flags, 'db') ?? defaultDbPath(io.env);
  const userPolicy = readStoredPolicyOptions(dbPath);
  // The workers kept there take tasks too, as `shoal run` places them: a task only they can take is placeable.
  const keptWorkers = readKeptWorkerCapabilities(dbPath);
  // `shoal validate specs/*.yaml` checks every file: it judged the first alone and passed the rest unread.
  const files = positional.length > 0 ? positional : [undefined];
  const several = files.length > 1;
  let code = 0;
  for (const file of files) {
    const { result } = readSpecFile(file, io.cwd, ws, userPolicy, keptWorkers);
    if (!result.ok) code = 2;
    if (flags.get('json')) {
      const line = result.ok ? { ok: true, tasks: result.spec.run.tasks.length, warnings: result.spec.warnings } : { ok: false, errors: result.issues };
      io.stdout.write(JSON.stringify(several ? { file, ...line } : line) + '\n');
      continue;
    }
    const lead = several ? `${file}: ` : '';
    if (!result.ok) {
      for (const issue of result.issues) io.stdout.write(lead + issue + '\n');
      io.stderr.write(`${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}; nothing was run\n`);
      continue;
    }
    for (const w of result.spec.warnings) io.stderr.write(`${lead}warning: ${w}\n`);
    io.stdout.write(`${file}: valid (${result.spec.format}), run "${result.spec.run.name}" with ${result.spec.run.tasks.length} task${result.spec.run.tasks.length === 1 ? '' : 's'}\n`);
  }
  return code;
}
