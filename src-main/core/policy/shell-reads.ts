// The files a shell command reads by naming them, so the path rules for read_file judge them too:
// `cat secrets/key` as much as `base64 secrets/key`, `grep -r TOKEN secrets`, `sed -n p secrets/key`,
// `cp -r secrets /tmp/x`, `ln -s secrets s`, `git show HEAD:secrets/key` and `wc < secrets/key`.
// What a program reads on its own (a config file, a script's contents, an interpreter's inline
// code) is out of sight: see evaluate.ts.
import { DYNAMIC_WORD } from './shell-split';

export interface NamedRead {
  path: string;
  /** Read as a whole (a search, a copy, a path only known when it runs): every rule about a file
   *  inside it applies. */
  folder: boolean;
  /** With folder: only a rule that starts from a named folder (`secrets/**`) reaches into it, not one
   *  about files anywhere (`**` then `.env`): a copy or move keeps the names below it, so those rules
   *  still judge the files where they land. */
  anchored?: boolean;
}

/** Programs that read each file operand they are given (options with a value listed). */
export const OPERAND_READERS: Record<string, readonly string[]> = {
  cat: [], tac: [], nl: ['-b', '-d', '-f', '-h', '-i', '-l', '-n', '-s', '-v', '-w'],
  head: ['-n', '-c', '--lines', '--bytes'], tail: ['-n', '-c', '--lines', '--bytes', '-s', '--sleep-interval', '--pid'],
  less: ['-b', '-h', '-j', '-o', '-p', '-x', '-y', '-z', '-O', '-P', '-T'], more: ['-n', '-p'],
  base64: ['-w', '--wrap'], base32: ['-w', '--wrap'], basenc: ['-w', '--wrap'],
  xxd: ['-c', '-g', '-l', '-o', '-s', '-n', '-cols', '-groupsize', '-len', '-seek', '-name'],
  od: ['-A', '-j', '-N', '-S', '-t', '-w', '--address-radix', '--skip-bytes', '--read-bytes', '--strings', '--format', '--width'],
  hexdump: ['-e', '-f', '-n', '-s'], hd: ['-e', '-f', '-n', '-s'],
  strings: ['-n', '-t', '-e', '-T', '--bytes', '--radix', '--encoding', '--target'],
  sort: ['-k', '-t', '-o', '-S', '-T', '--key', '--field-separator', '--output', '--buffer-size', '--temporary-directory'],
  uniq: ['-f', '-s', '-w'], cut: ['-b', '-c', '-d', '-f', '--bytes', '--characters', '--delimiter', '--fields'],
  paste: ['-d', '--delimiters'], fold: ['-w', '--width'], fmt: ['-w', '--width', '-p'], rev: [], expand: ['-t'], unexpand: ['-t'],
  diff: ['-U', '-C', '-I', '-x', '-X', '--label', '-L'], cmp: ['-i', '-n', '--ignore-initial', '--bytes'],
  iconv: ['-f', '-t', '-o', '--from-code', '--to-code', '--output'],
  comm: [], join: ['-a', '-e', '-j', '-o', '-t', '-v', '-1', '-2'], pr: ['-h', '-l', '-w', '-o', '-N', '-s'], column: ['-s', '-c', '-t', '-o', '-N'],
  shuf: ['-n', '-o', '--head-count', '--output', '--random-source'], split: ['-a', '-b', '-C', '-l', '-n', '-t'],
  // `. secrets/env` / `source secrets/env`: the shell reads the file (and may echo what it set).
  source: [], '.': [],
};

/** Options of curl and wget that send a file's contents somewhere: `-d @FILE`, `-F f=@FILE`,
 *  `-T FILE`, `--post-file=FILE`. */
const UPLOAD_VALUES = new Set(['-d', '--data', '--data-binary', '--data-ascii', '--data-urlencode', '--json', '-F', '--form', '--form-string', '-T', '--upload-file', '--post-file', '--body-file', '-K', '--config', '--cert', '--key']);

function uploads(words: readonly string[]): NamedRead[] {
  const reads: NamedRead[] = [];
  const named = (flag: string, value: string): void => {
    if (!UPLOAD_VALUES.has(flag) || flag === '--form-string') return;
    // -T/--upload-file/--post-file/--body-file/-K/--cert/--key name the file; the data options
    // read one only when the value (or a form field's) starts with @ (or < for -F).
    const direct = ['-T', '--upload-file', '--post-file', '--body-file', '-K', '--config', '--cert', '--key'].includes(flag);
    const m = direct ? [value, value] : /^(?:[^=@<]*=)?[@<](.+?)(?:;.*)?$/.exec(value);
    if (m && m[1] && m[1] !== '-') reads.push(operand(m[1], false));
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    if (eq > 0) named(w.slice(0, eq), w.slice(eq + 1));
    else if (UPLOAD_VALUES.has(w) && i + 1 < words.length) named(w, words[++i]!);
    else if (/^-[dFT]./.test(w)) named(w.slice(0, 2), w.slice(2));
  }
  return reads;
}

/** Programs that copy, link or pack what they are given: each operand is read as a whole. */
export const COPIERS: Record<string, readonly string[]> = {
  cp: ['-t', '-S', '--target-directory', '--suffix'], mv: ['-t', '-S', '--target-directory', '--suffix'], ln: ['-t', '-S', '--target-directory', '--suffix'],
  install: ['-m', '-o', '-g', '-t', '-S', '--mode', '--owner', '--group', '--target-directory', '--suffix'],
  rsync: ['-e', '--rsh', '--exclude', '--include', '--filter', '-f', '--files-from', '--exclude-from', '--include-from', '--partial-dir', '--temp-dir', '-T', '--chmod', '--rsync-path'],
  scp: ['-c', '-F', '-i', '-J', '-l', '-o', '-P', '-S'],
  tar: ['-f', '--file', '-C', '--directory', '-T', '--files-from', '-X', '--exclude-from', '--exclude', '-b', '-H', '--format', '-I', '--use-compress-program'],
  zip: ['-x', '-i', '-b', '-n', '-P', '-t', '-tt'], '7z': [],
};

/** Programs whose first operand is a pattern or script unless one is given with an option. */
interface PatternProgram {
  /** Options that give the pattern or script (then every operand is a file). */
  script: readonly string[];
  /** Other options with a value. */
  values: readonly string[];
  /** Searches folders: each operand is read as a whole, `.` when none is named. */
  recursive: (flags: readonly string[]) => boolean;
}
const GREP_VALUES = ['-A', '-B', '-C', '-m', '-d', '-D', '--include', '--exclude', '--exclude-dir', '--exclude-from', '--label', '--max-count', '--context', '--after-context', '--before-context', '--color', '--colour', '--binary-files', '--devices', '--directories'];
const grepRecursive = (flags: readonly string[]) => flags.some((f) => /^-[A-Za-z]*[rR]/.test(f) || f === '--recursive' || f === '--dereference-recursive' || f === '--directories=recurse' || f === 'recurse');
const PATTERN_PROGRAMS: Record<string, PatternProgram> = {
  grep: { script: ['-e', '-f', '--regexp', '--file'], values: GREP_VALUES, recursive: grepRecursive },
  egrep: { script: ['-e', '-f', '--regexp', '--file'], values: GREP_VALUES, recursive: grepRecursive },
  fgrep: { script: ['-e', '-f', '--regexp', '--file'], values: GREP_VALUES, recursive: grepRecursive },
  rg: {
    script: ['-e', '-f', '--regexp', '--file'],
    values: ['-A', '-B', '-C', '-m', '-g', '-t', '-T', '-j', '-M', '-E', '--glob', '--iglob', '--type', '--type-not', '--type-add', '--max-count', '--context', '--after-context', '--before-context', '--max-columns', '--threads', '--encoding', '--max-depth', '--max-filesize', '--replace', '-r', '--sort', '--sortr', '--color', '--colors', '--ignore-file', '--pre', '--pre-glob', '--path-separator', '--engine', '--field-match-separator', '--field-context-separator', '--context-separator'],
    recursive: () => true,
  },
  ag: { script: [], values: ['-A', '-B', '-C', '-m', '-G', '--ignore', '--file-search-regex', '--depth', '--max-count', '--context'], recursive: () => true },
  ack: { script: [], values: ['-A', '-B', '-C', '-m', '--type', '--ignore-dir', '--max-count', '--context'], recursive: () => true },
  sed: { script: ['-e', '-f', '--expression', '--file'], values: ['-l', '--line-length'], recursive: () => false },
  awk: { script: ['-f', '--file'], values: ['-v', '-F', '--assign', '--field-separator'], recursive: () => false },
  gawk: { script: ['-f', '--file'], values: ['-v', '-F', '--assign', '--field-separator'], recursive: () => false },
  mawk: { script: ['-f'], values: ['-v', '-F'], recursive: () => false },
  nawk: { script: ['-f'], values: ['-v', '-F'], recursive: () => false },
  jq: { script: ['-f', '--from-file'], values: ['--indent', '--tab', '--args', '--jsonargs'], recursive: () => false },
};

const LS_VALUES = ['-I', '-T', '-w', '--ignore', '--hide', '--tabsize', '--width', '--block-size', '--color', '--format', '--sort', '--time', '--time-style', '--quoting-style', '--indicator-style'];
const TREE_VALUES = ['-L', '-P', '-I', '-o', '-H', '-T', '--filelimit', '--charset', '--timefmt', '--sort'];

/** find's starting folders: the words after its options (-H -L -P -D X -OX) up to the expression. */
export function findFolders(words: readonly string[]): string[] {
  let i = 1;
  while (i < words.length && /^-(?:[HLP]|O\d*|D)$/.test(words[i]!)) i += words[i] === '-D' ? 2 : 1;
  const folders: string[] = [];
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-') || w === '(' || w === '!' || w === ',') break;
    folders.push(w);
  }
  return folders;
}

/** git subcommands that print what a `REV:PATH` names, or the files after `--`. */
const GIT_READERS = new Set(['show', 'cat-file', 'log', 'diff', 'blame', 'grep', 'archive', 'whatchanged']);

/** The literal folder a word only known when it runs (`secrets/*`, `$F`) can land in. */
function literalFolder(w: string): string {
  const literal: string[] = [];
  for (const seg of w.split('/')) {
    if (DYNAMIC_WORD.test(seg)) break;
    literal.push(seg);
  }
  return literal.join('/') || (w.startsWith('/') ? '/' : '.');
}

export function operand(w: string, folder: boolean): NamedRead {
  return DYNAMIC_WORD.test(w) ? { path: literalFolder(w), folder: true } : { path: w, folder };
}

/** Splits a command's words after the program into option words and operands. */
export function operandsOf(words: readonly string[], values: readonly string[]): { flags: string[]; operands: string[]; given: Map<string, string[]> } {
  const flags: string[] = [];
  const operands: string[] = [];
  const given = new Map<string, string[]>();
  let only = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (!only && w === '--') {
      only = true;
      continue;
    }
    if (!only && w.startsWith('-') && w !== '-') {
      const eq = w.startsWith('--') ? w.indexOf('=') : -1;
      const name = eq > 0 ? w.slice(0, eq) : w;
      flags.push(w);
      if (eq > 0) given.set(name, [...(given.get(name) ?? []), w.slice(eq + 1)]);
      else if (values.includes(w) && i + 1 < words.length) {
        given.set(name, [...(given.get(name) ?? []), words[i + 1]!]);
        flags.push(words[++i]!);
      }
      continue;
    }
    if (w !== '-') operands.push(w);
  }
  return { flags, operands, given };
}

/** A pattern program's file operands (those after its pattern or script), its flags and option values. */
function patternFiles(pattern: PatternProgram, words: readonly string[]): { flags: string[]; files: string[]; given: Map<string, string[]> } {
  const { flags, operands, given } = operandsOf(words, [...pattern.values, ...pattern.script]);
  const scriptGiven = pattern.script.some((s) => given.has(s)) || flags.some((f) => pattern.script.some((s) => s.length === 2 && f.startsWith(s) && f.length > 2));
  return { flags, files: scriptGiven ? operands : operands.slice(1), given };
}

/** `sed -i`'s files: the files sed reads, as the program table says. */
export function sedFiles(words: readonly string[]): { flags: string[]; files: string[] } {
  return patternFiles(PATTERN_PROGRAMS.sed!, words);
}

/** The files (and folders) a simple command names to read; [] for one that names none. */
export function namedReads(program: string, words: readonly string[], key: readonly string[]): NamedRead[] {
  const reader = OPERAND_READERS[program];
  if (reader) return operandsOf(words, reader).operands.map((w) => operand(w, false));
  const copier = COPIERS[program];
  if (copier) {
    // Every operand, the destination too (copying into a denied folder is refused as well); a
    // value an option cluster takes (`tar -czf out.tgz`) is judged as an operand: it only adds.
    // cp, mv, ln and install keep the names (`cp a.ts b.ts` is not a read of every .env); an
    // archive or another host does not, so there every rule about a file below applies.
    const anchored = program === 'cp' || program === 'mv' || program === 'ln' || program === 'install';
    return operandsOf(words, copier).operands.map((w) => (anchored ? { ...operand(w, true), anchored: true } : operand(w, true)));
  }
  const pattern = PATTERN_PROGRAMS[program];
  if (pattern) {
    const { flags, files, given } = patternFiles(pattern, words);
    const scriptFiles = (given.get('-f') ?? []).concat(given.get('--file') ?? [], given.get('--from-file') ?? []);
    const recursive = pattern.recursive(flags);
    const reads = files.map((w) => operand(w, recursive));
    if (recursive && files.length === 0) reads.push({ path: '.', folder: true });
    // grep -f FILE reads its patterns from FILE (and prints them back with -o); awk -f and sed -f
    // run a script: a path rule about that file judges it too.
    return [...reads, ...scriptFiles.map((w) => operand(w, false))];
  }
  if (program === 'ls') {
    // `ls secrets` lists the names in secrets: judged as a read of the folder itself, as Claude's LS
    // is; `ls -R secrets` lists everything under it, as Glob does.
    const { flags, operands } = operandsOf(words, LS_VALUES);
    const recursive = flags.some((f) => /^-[A-Za-z1]*R/.test(f) || f === '--recursive');
    const reads = operands.map((w) => operand(w, recursive));
    if (recursive && operands.length === 0) reads.push({ path: '.', folder: true });
    return reads;
  }
  if (program === 'find' || program === 'tree') {
    // Both list everything under the folders they are given (`.` when none), as Glob does.
    const folders = program === 'find' ? findFolders(words) : operandsOf(words, TREE_VALUES).operands;
    return folders.length > 0 ? folders.map((w) => operand(w, true)) : [{ path: '.', folder: true }];
  }
  if (program === 'curl' || program === 'wget') return uploads(words);
  if (program === 'dd') return words.slice(1).filter((w) => w.startsWith('if=')).map((w) => operand(w.slice(3), false));
  if (program === 'git' && key[1] !== undefined && GIT_READERS.has(key[1])) {
    const at = words.indexOf(key[1]);
    const rest = words.slice(at + 1);
    const dd = rest.indexOf('--');
    const reads: NamedRead[] = [];
    for (const w of dd >= 0 ? rest.slice(0, dd) : rest) {
      // `HEAD:secrets/key`, `:secrets/key` (the index), `HEAD~2:./key`: a path in the repository.
      const m = /^[^-:][^:]*:(.+)$|^:(?:[0-3]:)?(.+)$/.exec(w);
      const p = m?.[1] ?? m?.[2];
      if (p !== undefined && !/^\/\//.test(p)) reads.push(operand(p.replace(/^\/+/, ''), true));
    }
    if (dd >= 0) for (const w of rest.slice(dd + 1)) reads.push(operand(w, true));
    else if (key[1] === 'blame') {
      const last = rest.filter((w) => !w.startsWith('-')).pop();
      if (last !== undefined) reads.push(operand(last, false));
    }
    if (key[1] === 'grep' && dd < 0) reads.push({ path: '.', folder: true });
    return reads;
  }
  return [];
}
