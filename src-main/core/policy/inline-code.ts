// Interpreters given code inline (`python3 -c`, `node -e`, `perl -ne`, an awk program that calls
// system()) or reading it from stdin (`curl … | sh`, `python3 <<EOF`) can run any command, and the
// policy cannot read their code. Such a segment is "opaque": it is never allowed silently.
import { programName } from './program-name';

interface Interpreter {
  /** Flags whose value is code (`-c`, `--eval`); a short one also counts at the end of a cluster (`-ne`). */
  inline: readonly string[];
  /** Flags whose value is not the script (`-m module`, `-r module`): the next word is skipped. */
  valueFlags?: readonly string[];
  /** Flags that run nothing (`--version`). */
  harmless?: readonly string[];
  /** False for interpreters whose script argument is required (no stdin fallback worth flagging). */
  readsStdin?: boolean;
}

const VERSION = ['-v', '-V', '--version', '-h', '--help', '-?'];
const PY: Interpreter = { inline: ['-c'], valueFlags: ['-W', '-X', '-Q'], harmless: [...VERSION, '-m'] };
const INTERPRETERS: Record<string, Interpreter> = {
  node: { inline: ['-e', '-p', '--eval', '--print'], valueFlags: ['-r', '--require', '--import', '--loader', '-C', '--conditions'], harmless: VERSION },
  nodejs: { inline: ['-e', '-p', '--eval', '--print'], valueFlags: ['-r', '--require', '--import'], harmless: VERSION },
  bun: { inline: ['-e', '--eval', '-p', '--print'], harmless: VERSION, readsStdin: false },
  deno: { inline: ['eval'], harmless: VERSION, readsStdin: false },
  perl: { inline: ['-e', '-E'], valueFlags: ['-I', '-M', '-m'], harmless: VERSION },
  ruby: { inline: ['-e'], valueFlags: ['-I', '-r'], harmless: VERSION },
  php: { inline: ['-r', '-B', '-R', '-E', '-F'], harmless: VERSION },
  lua: { inline: ['-e'], valueFlags: ['-l'], harmless: VERSION },
  luajit: { inline: ['-e'], valueFlags: ['-l'], harmless: VERSION },
  Rscript: { inline: ['-e'], harmless: VERSION, readsStdin: false },
  R: { inline: ['-e'], harmless: VERSION, readsStdin: false },
  osascript: { inline: ['-e'], harmless: VERSION },
  pwsh: { inline: ['-c', '-command', '-encodedcommand', '-ec', '-e'], harmless: VERSION },
  powershell: { inline: ['-c', '-command', '-encodedcommand', '-ec', '-e'], harmless: VERSION },
  expect: { inline: ['-c'], harmless: VERSION },
  tclsh: { inline: [], harmless: VERSION },
  wish: { inline: [], harmless: VERSION },
  irb: { inline: [], harmless: VERSION },
  jshell: { inline: [], harmless: VERSION },
  gdb: { inline: ['-ex', '--eval-command', '-iex'], harmless: VERSION, readsStdin: false },
  vim: { inline: ['-c', '--cmd'], harmless: VERSION, readsStdin: false },
  nvim: { inline: ['-c', '--cmd'], harmless: VERSION, readsStdin: false },
  ex: { inline: ['-c', '--cmd'], harmless: VERSION, readsStdin: false },
  emacs: { inline: ['--eval'], harmless: VERSION, readsStdin: false },
};

const AWKS = new Set(['awk', 'gawk', 'mawk', 'nawk']);

function interpreterFor(program: string): Interpreter | undefined {
  if (/^(python|pypy)[0-9.]*$/.test(program)) return PY;
  return INTERPRETERS[program];
}

/** Why this command's real work cannot be seen (null: it can). `words[0]` is the program. */
export function opaqueReason(words: readonly string[]): string | null {
  const program = programName(words[0]!);
  if (AWKS.has(program)) return awkReason(words);
  if (program === 'sed') return sedReason(words);
  const it = interpreterFor(program);
  if (!it) return null;
  let scriptGiven = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const lower = program === 'pwsh' || program === 'powershell' ? w.toLowerCase() : w;
    if (it.inline.includes(lower) || (/^-[a-zA-Z]{2,}$/.test(w) && it.inline.includes(`-${w.at(-1)}`) && !it.harmless?.includes(w))) {
      return `${program} is given code inline (${w}), which the policy cannot read`;
    }
    if (it.harmless?.includes(w)) return null;
    if (w === '-' ) break; // explicit stdin
    if (w === '--') { scriptGiven = words[i + 1] !== undefined; break; }
    if (w.startsWith('-')) {
      if (it.valueFlags?.includes(w)) i++;
      continue;
    }
    scriptGiven = true;
    break;
  }
  if (!scriptGiven && it.readsStdin !== false) return `${program} reads its program from standard input, which the policy cannot read`;
  return null;
}

function awkReason(words: readonly string[]): string | null {
  let program: string | null = null;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-f' || w.startsWith('--file')) return null; // a program file: a known command, judged as awk
    if (w === '-v' || w === '-F') { i++; continue; }
    if (w.startsWith('-')) continue;
    program = w;
    break;
  }
  if (program !== null && /\bsystem\s*\(|\|/.test(program)) return `the awk program runs commands (system() or a pipe), which the policy cannot read`;
  return null;
}

function sedReason(words: readonly string[]): string | null {
  const scripts: string[] = [];
  let sawScript = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-e' || w === '--expression') { scripts.push(words[i + 1] ?? ''); sawScript = true; i++; continue; }
    if (w.startsWith('--expression=')) { scripts.push(w.slice('--expression='.length)); sawScript = true; continue; }
    if (w.startsWith('-')) continue;
    if (!sawScript) { scripts.push(w); sawScript = true; }
  }
  // GNU sed's `e` command and the `e` flag of `s///` run the pattern space as a shell command.
  const runs = scripts.some((s) => /(^|[;\n{}])\s*\d*\s*e(\s|$|;)/.test(s) || /s(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1[gpIiMm0-9w]*e/.test(s));
  return runs ? 'the sed script runs commands (the e command or flag), which the policy cannot read' : null;
}
