// `shoal validate SPEC`: exit 0 when the spec is valid, else 2 with every problem as
// `<field path>: <what is wrong>`. Writes nothing anywhere.
import { JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagString, type CliIo } from '../io';
import { readSpecFile, readWorkspace } from '../read-spec';

export const doc: CommandDoc = {
  usage: 'validate SPEC [options]',
  summary: 'Checks a spec: exit 0 when valid, else 2 with every problem as `<field path>: <what is wrong>`. Writes nothing.',
  options: {
    json: JSON_OPTION,
    workspace: { type: 'string', value: 'DIR', help: 'check the spec against this repository' },
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const { result } = readSpecFile(positional[0], io.cwd, readWorkspace(flagString(flags, 'workspace'), io.cwd));
  if (flags.get('json')) {
    io.stdout.write(JSON.stringify(result.ok ? { ok: true, tasks: result.spec.run.tasks.length, warnings: result.spec.warnings } : { ok: false, errors: result.issues }) + '\n');
    return result.ok ? 0 : 2;
  }
  if (!result.ok) {
    for (const issue of result.issues) io.stdout.write(issue + '\n');
    io.stderr.write(`${positional[0]}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}; nothing was run\n`);
    return 2;
  }
  for (const w of result.spec.warnings) io.stderr.write(`warning: ${w}\n`);
  io.stdout.write(`${positional[0]}: valid (${result.spec.format}), run "${result.spec.run.name}" with ${result.spec.run.tasks.length} task${result.spec.run.tasks.length === 1 ? '' : 's'}\n`);
  return 0;
}
