// `shoal validate SPEC...`: exit 0 when every spec is valid, else 2 with every problem as
// `<field path>: <what is wrong>` (with several specs, each line starts with its file). Writes
// nothing anywhere.
import { DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { readStoredPolicyOptions } from '../../core/approvals/policy-settings';
import { readKeptWorkerCapabilities } from '../../core/hosts/worker-registry';
import { storedRunIdProblem } from '../../core/fleet/run-id-taken';
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
    // A spec naming its run (`id:`) is checked against the runs the store has, as `shoal run` and
    // the launch preview check it: valid here must mean it launches there.
    const taken = result.ok ? storedRunIdProblem(dbPath, result.spec.run.id) : null;
    const issues = !result.ok ? result.issues : taken !== null ? [taken] : [];
    if (issues.length > 0) code = 2;
    if (flags.get('json')) {
      const line = result.ok && issues.length === 0 ? { ok: true, tasks: result.spec.run.tasks.length, warnings: result.spec.warnings } : { ok: false, errors: issues };
      io.stdout.write(JSON.stringify(several ? { file, ...line } : line) + '\n');
      continue;
    }
    const lead = several ? `${file}: ` : '';
    if (!result.ok || issues.length > 0) {
      for (const issue of issues) io.stdout.write(lead + issue + '\n');
      io.stderr.write(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was run\n`);
      continue;
    }
    for (const w of result.spec.warnings) io.stderr.write(`${lead}warning: ${w}\n`);
    io.stdout.write(`${file}: valid (${result.spec.format}), run "${result.spec.run.name}" with ${result.spec.run.tasks.length} task${result.spec.run.tasks.length === 1 ? '' : 's'}\n`);
  }
  return code;
}
