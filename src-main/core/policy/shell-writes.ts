// The files a shell command writes, creates or deletes by naming them, so the path rules for
// write_file judge them too: `tee secrets/key` as much as a Write of it, `sed -i … secrets/key`,
// `rm secrets/key`, `mv a secrets/key` (and the file it moves away), `cp a secrets/`, `touch`,
// `truncate`, `mkdir`, `chmod`, `dd of=`, `git checkout -- secrets/key`, `patch secrets/key`,
// `find secrets -delete`. A `>` redirection's file comes from shell-split. What a program writes on
// its own (a build's outputs, an interpreter's inline code, the files a patch names inside it) is
// out of sight: see evaluate.ts.
import path from 'node:path';
import { COPIERS, findFolders, OPERAND_READERS, operand, operandsOf, sedFiles, type NamedRead } from './shell-reads';

/** Programs that write (create, change or delete) each file operand they are given: the options
 *  with a value, and whether a flag makes them work on everything under a folder. */
interface Writer {
  values: readonly string[];
  folder?: (flags: readonly string[]) => boolean;
}
const recursiveFlag = (flags: readonly string[]): boolean => flags.some((f) => /^-[A-Za-z]*[rR]/.test(f) || f === '--recursive');
const OPERAND_WRITERS: Record<string, Writer> = {
  tee: { values: [] },
  touch: { values: ['-d', '-t', '-r', '--date', '--reference'] },
  truncate: { values: ['-s', '-r', '--size', '--reference'] },
  rm: { values: [], folder: recursiveFlag },
  unlink: { values: [] },
  rmdir: { values: [], folder: () => true },
  shred: { values: ['-n', '-s', '--iterations', '--size', '--random-source'] },
  mkdir: { values: ['-m', '--mode', '--context'] },
};

/** chmod, chown and chgrp: the first operand is the mode or owner unless `--reference` gives it. */
const ATTRIBUTE_SETTERS: Record<string, readonly string[]> = { chmod: [], chown: ['--from'], chgrp: [] };

/** Programs that copy, move or link operands to a destination: the last operand, or the folder
 *  `-t` names. mv also takes each source away. Their options with a value are the copiers' (shell-reads.ts). */
const DESTINATION_PROGRAMS = new Set(['cp', 'mv', 'ln', 'install', 'rsync', 'scp']);

/** Programs that write the file an option names (`sort -o out`); their options with a value are
 *  the readers' (shell-reads.ts). */
const OUTPUT_OPTIONS: Record<string, readonly string[]> = { sort: ['-o', '--output'], shuf: ['-o', '--output'], iconv: ['-o', '--output'] };

/** git subcommands that write the working tree's files they name (after `--`, or every operand),
 *  and their options with a value. */
const GIT_WRITERS: Record<string, readonly string[]> = {
  checkout: ['-b', '-B', '--orphan', '--conflict', '--pathspec-from-file'],
  restore: ['-s', '--source', '--pathspec-from-file'],
  rm: ['--pathspec-from-file'],
  mv: [],
  clean: ['-e', '--exclude'],
};

const PATCH_VALUES = ['-p', '-i', '-o', '-d', '-D', '-F', '-B', '-V', '-Y', '-z', '-r', '--strip', '--input', '--output', '--directory', '--ifdef', '--fuzz', '--prefix', '--version-control', '--basename-prefix', '--suffix', '--reject-file'];

/** A destination on another host (`host:path`, `user@host:`) is not a file here. */
const remote = (w: string): boolean => /^[^/]*:/.test(w);

/** The files (and folders) a simple command names to write, create or delete; [] for one that names none. */
export function namedWrites(program: string, words: readonly string[], key: readonly string[]): NamedRead[] {
  const writer = OPERAND_WRITERS[program];
  if (writer) {
    const { flags, operands } = operandsOf(words, writer.values);
    const folder = writer.folder?.(flags) ?? false;
    return operands.map((w) => operand(w, folder));
  }
  const attrs = ATTRIBUTE_SETTERS[program];
  if (attrs) {
    const { flags, operands, given } = operandsOf(words, attrs);
    const files = given.has('--reference') ? operands : operands.slice(1);
    return files.map((w) => operand(w, recursiveFlag(flags)));
  }
  if (DESTINATION_PROGRAMS.has(program)) {
    const { flags, operands, given } = operandsOf(words, [...COPIERS[program]!, '-t', '--target-directory']);
    const target = [...(given.get('-t') ?? []), ...(given.get('--target-directory') ?? [])];
    if (program === 'install' && flags.some((f) => /^-[A-Za-z]*d/.test(f) || f === '--directory')) return operands.map((w) => operand(w, false));
    // Into the folder -t names, else to the last of two or more operands: that path itself (a new
    // name) and, when it is a folder, each source's name inside it (everything under it for a
    // recursive copy). `ln -s ../x` links into `.`.
    const sources = target.length > 0 ? operands : operands.length >= 2 ? operands.slice(0, -1) : program === 'ln' ? operands : [];
    const dest = target.length > 0 ? target[0]! : operands.length >= 2 ? operands[operands.length - 1]! : program === 'ln' && operands.length === 1 ? '.' : undefined;
    const writes: NamedRead[] = [];
    if (dest === undefined || remote(dest)) return writes;
    const recursive = program !== 'ln' && program !== 'mv' && program !== 'install' && flags.some((f) => /^-[A-Za-z]*[rRa]/.test(f) || f === '--recursive' || f === '--archive');
    if (dest !== '.') writes.push(operand(dest, false));
    for (const src of sources) if (!remote(src)) writes.push(operand(path.posix.join(dest, path.posix.basename(src)), recursive));
    // mv takes each source away: a write (a delete) of it too.
    if (program === 'mv') writes.push(...sources.map((w) => operand(w, false)));
    return writes;
  }
  const output = OUTPUT_OPTIONS[program];
  if (output) {
    const { given } = operandsOf(words, OPERAND_READERS[program]!);
    return output.flatMap((o) => given.get(o) ?? []).map((w) => operand(w, false));
  }
  if (program === 'sed') {
    // Only in place (`-i`, `-i.bak`, `-Ei`, `--in-place=.bak`) does sed write the files it reads.
    const { flags, files } = sedFiles(words);
    const inPlace = flags.some((f) => /^-[nrEsuz]*i/.test(f) || f.startsWith('--in-place'));
    return inPlace ? files.map((w) => operand(w, false)) : [];
  }
  if (program === 'curl' || program === 'wget') return downloads(program, words);
  if (program === 'tar') return tarWrites(words);
  if (program === 'unzip') {
    // Into -d DIR, else the folder it runs in; nothing when it lists, tests or prints (-l -v -t -p -Z).
    if (words.some((w) => /^-[A-Za-z]*[lvtpZ]/.test(w))) return [];
    const d = words.indexOf('-d');
    return [operand(d > 0 && d + 1 < words.length ? words[d + 1]! : '.', true)];
  }
  if (program === 'zip') {
    const archive = operandsOf(words, COPIERS.zip!).operands[0];
    return archive !== undefined ? [operand(archive, false)] : [];
  }
  if (program === 'dd') return words.slice(1).filter((w) => w.startsWith('of=')).map((w) => operand(w.slice(3), false));
  if (program === 'patch') {
    // `patch FILE [PATCHFILE]`, `-o OUT`, `-r REJECTS`. Without FILE it patches the files the
    // patch itself names: out of sight.
    const { operands, given } = operandsOf(words, PATCH_VALUES);
    const named = [...operands.slice(0, 1), ...(given.get('-o') ?? []), ...(given.get('--output') ?? []), ...(given.get('-r') ?? []), ...(given.get('--reject-file') ?? [])];
    return named.filter((w) => w !== '-').map((w) => operand(w, false));
  }
  if (program === 'find') {
    // `find secrets -delete` removes what it finds; `-fprint FILE` and its kind write FILE.
    const writes: NamedRead[] = [];
    if (words.includes('-delete')) {
      const folders = findFolders(words);
      writes.push(...(folders.length > 0 ? folders : ['.']).map((w) => operand(w, true)));
    }
    for (let i = 1; i + 1 < words.length; i++) if (/^-f(?:print0?|printf|ls)$/.test(words[i]!)) writes.push(operand(words[i + 1]!, false));
    return writes;
  }
  if (program === 'git' && key[1] !== undefined) {
    const values = GIT_WRITERS[key[1]];
    if (!values) return [];
    const at = words.indexOf(key[1]);
    const rest = words.slice(at);
    const dd = rest.indexOf('--');
    // `git checkout REV -- PATH`: only the paths after `--` are files; without it every operand may
    // be one (a branch name judged as a path only adds what a rule about that path says).
    const { operands } = operandsOf(dd >= 0 ? ['', ...rest.slice(dd + 1)] : rest, dd >= 0 ? [] : values);
    if (key[1] === 'clean' && operands.length === 0) return [{ path: '.', folder: true }];
    return operands.map((w) => operand(w, true));
  }
  return [];
}

/** curl's and wget's files: `-o FILE`, `--output FILE`, `-sSLo FILE`, `--output-dir DIR` (curl);
 *  `-O FILE`, `--output-document=FILE`, `-P DIR`, `-o LOG`, `-a LOG` (wget). */
function downloads(program: 'curl' | 'wget', words: readonly string[]): NamedRead[] {
  const files = program === 'curl' ? ['-o', '--output'] : ['-O', '--output-document', '-o', '--output-file', '-a', '--append-output'];
  const folders = program === 'curl' ? ['--output-dir'] : ['-P', '--directory-prefix'];
  const short = program === 'curl' ? 'o' : 'OoaP';
  const writes: NamedRead[] = [];
  const named = (flag: string, value: string): void => {
    if (value === '-' || value === '') return;
    if (files.includes(flag)) writes.push(operand(value, false));
    else if (folders.includes(flag)) writes.push(operand(value, true));
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    if (eq > 0) named(w.slice(0, eq), w.slice(eq + 1));
    else if ((files.includes(w) || folders.includes(w)) && i + 1 < words.length) named(w, words[++i]!);
    else if (/^-[A-Za-z]+$/.test(w) && !w.startsWith('--') && short.includes(w[w.length - 1]!) && i + 1 < words.length) named(`-${w[w.length - 1]}`, words[++i]!);
    else if (/^-[A-Za-z]/.test(w) && !w.startsWith('--') && short.includes(w[1]!) && w.length > 2) named(w.slice(0, 2), w.slice(2));
  }
  return writes;
}

/** tar: the archive it creates (`-czf out.tgz`, `--file=out.tar`), or the folder it extracts into
 *  (`-C DIR`, else the folder it runs in). */
function tarWrites(words: readonly string[]): NamedRead[] {
  const args = words.slice(1);
  const cluster = (w: string, i: number): string | null => (/^-[A-Za-z]+$/.test(w) ? w.slice(1) : i === 0 && /^[A-Za-z]+$/.test(w) ? w : null);
  let extract = false;
  let create = false;
  let archive: string | undefined;
  let into: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === '--extract' || w === '--get') extract = true;
    else if (w === '--create' || w === '--append' || w === '--update') create = true;
    else if (w.startsWith('--file=')) archive = w.slice(7);
    else if (w.startsWith('--directory=')) into = w.slice(12);
    else if ((w === '--file' || w === '-f') && i + 1 < args.length) archive = args[++i];
    else if ((w === '--directory' || w === '-C') && i + 1 < args.length) into = args[++i];
    else {
      const c = cluster(w, i);
      if (c === null) continue;
      if (c.includes('x')) extract = true;
      if (/[cruA]/.test(c)) create = true;
      if (c.endsWith('f') && i + 1 < args.length) archive = args[++i];
      else if (c.endsWith('C') && i + 1 < args.length) into = args[++i];
    }
  }
  if (extract) return [operand(into ?? '.', true)];
  return create && archive !== undefined && archive !== '-' ? [operand(archive, false)] : [];
}
