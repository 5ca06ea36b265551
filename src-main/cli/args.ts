// Argument parsing for every `shoal` command, on node:util's parseArgs: each command declares its
// options once (type, placeholder, one line of help), which gives it `--help` and a clear error for
// an unknown or incomplete flag instead of silently ignoring a typo like `--workspce`.
import { parseArgs } from 'node:util';
import { UsageError } from './io';

export interface OptionDoc {
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in help (`PATH`, `N`); string options only. */
  readonly value?: string;
  readonly help: string;
  /** May be given more than once (`--event a --event b`); its values arrive in `lists`. */
  readonly multiple?: boolean;
  /** An empty value means something (`--capabilities ""`: none beyond those probed). Every other
   *  string option refuses one: `--into ""` read as left out landed on the current branch. */
  readonly emptyMeansNone?: boolean;
  /** Means something only with this other option (`--token` with `--server`): refused without it
   *  rather than ignored. The text after the dash says what the pair is for. */
  readonly needs?: { readonly option: string; readonly why: string };
  /** Means nothing beside this other option (`--db` with `--server`, whose host keeps its own store). */
  readonly unusedWith?: { readonly option: string; readonly why: string };
}

export interface CommandDoc {
  /** `run SPEC [options]` — what follows `shoal `. */
  readonly usage: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionDoc>>;
  /** The most arguments (besides options) the command takes, when it has a fixed number: one more
   *  is refused rather than silently ignored (`shoal resume a b` ran only a). */
  readonly maxArgs?: number;
  /** For a command of subcommands (`workers remove NAME`): the most arguments each takes after its
   *  name, so `workers remove a b` is refused rather than removing a alone. */
  readonly subcommandArgs?: Readonly<Record<string, number>>;
}

/** Shared by every command that opens the store. */
export const DB_OPTION: OptionDoc = { type: 'string', value: 'PATH', help: 'the SQLite store (default: $SHOAL_HOME/shoal.db or ~/.shoal/shoal.db)' };
export const JSON_OPTION: OptionDoc = { type: 'boolean', help: 'machine-readable output' };
/** `run` and `resume` do not exit while their alerts are still going out; this bounds the wait. */
export const ALERTS_WAIT_OPTION: OptionDoc = { type: 'string', value: 'S', help: 'wait at most S seconds for alerts to be delivered before exiting (default 60)' };

/** Thrown by parseCommand for `--help`; main prints the text and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super('help requested');
  }
}

export interface ParsedArgs {
  flags: Map<string, string | true>;
  /** Values of options declared `multiple`, in the order given. */
  lists: Map<string, string[]>;
  positional: string[];
}

export function parseCommand(args: string[], doc: CommandDoc): ParsedArgs {
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequested(helpText(doc));
  const options = Object.fromEntries(Object.entries(doc.options).map(([name, o]) => [name, { type: o.type, multiple: o.multiple === true }]));
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(explain(error, doc, args));
  }
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (const [name, value] of Object.entries(parsed.values)) {
    const o = doc.options[name];
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string' && v.trim() === '' && o && !o.emptyMeansNone) throw new UsageError(`--${name}: empty; give ${o.value ?? 'a value'} (or leave --${name} out)`);
    }
    if (typeof value === 'string') flags.set(name, value);
    else if (value === true) flags.set(name, true);
    else if (Array.isArray(value)) lists.set(name, value.filter((v): v is string => typeof v === 'string'));
  }
  if (doc.maxArgs !== undefined && parsed.positionals.length > doc.maxArgs) {
    const got = `got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`;
    throw new UsageError(doc.maxArgs === 0
      ? `takes no arguments (${got}); see \`shoal ${commandName(doc)} --help\``
      : `takes at most ${doc.maxArgs} argument${doc.maxArgs === 1 ? '' : 's'} (${got}); usage: shoal ${doc.usage}`);
  }
  for (const [name, o] of Object.entries(doc.options)) {
    if (!flags.has(name) && !lists.has(name)) continue;
    if (o.needs && !flags.has(o.needs.option)) throw new UsageError(`--${name} works only with --${o.needs.option} (${o.needs.why})`);
    if (o.unusedWith && flags.has(o.unusedWith.option)) throw new UsageError(`--${name} has no effect with --${o.unusedWith.option} (${o.unusedWith.why}); leave it out`);
  }
  const [sub, ...after] = parsed.positionals;
  const subMax = sub !== undefined ? doc.subcommandArgs?.[sub] : undefined;
  if (subMax !== undefined && after.length > subMax) {
    throw new UsageError(`${sub} takes ${subMax === 0 ? 'no arguments' : `at most ${subMax} argument${subMax === 1 ? '' : 's'}`} (got ${after.length}: ${after.join(' ')}); see \`shoal ${commandName(doc)} --help\``);
  }
  return { flags, lists, positional: parsed.positionals };
}

/** `resume` for `resume [RUN] [options]`. */
function commandName(doc: CommandDoc): string {
  return doc.usage.split(' ')[0]!;
}

export function helpText(doc: CommandDoc): string {
  const rows = Object.entries(doc.options).map(([name, o]) => [`--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`, o.help] as const);
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return [`usage: shoal ${doc.usage}`, '', doc.summary, ...(rows.length > 0 ? ['', 'options:', ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`)] : [])].join('\n') + '\n';
}

/** parseArgs' messages name its own internals; say what the person typed and where help is. */
function explain(error: unknown, doc: CommandDoc, args: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const command = commandName(doc);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag}; see \`shoal ${command} --help\``;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = flag.replace(/^-+/, '');
    if (doc.options[name]?.type === 'boolean') return `${flag} takes no value`;
    // `--max-tasks -1`: parseArgs reads "-1" as the next option, not as the value the person gave.
    const next = args[args.indexOf(flag) + 1];
    const isOption = next !== undefined && (next === '-h' || next.replace(/^-+/, '').split('=')[0]! in doc.options);
    return next?.startsWith('-') && !isOption ? `${flag} needs a value; "${next}" reads as an option (to give it as the value, write ${flag}=${next})` : `${flag} needs a value`;
  }
  return message;
}
