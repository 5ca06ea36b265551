// Word-aware prefix matching with arity. A command's arity is how many leading words name what it
// does: `git push` (2), `gh pr create` (3), `ls` (1). Global flags among those words are ignored
// (`git -C repo status -s` is `git status`), so a rule for `git status` matches `git status -s` but
// never `git push`. After the named part, a rule's plain words must follow in order and its flags
// must be present anywhere (`git push --force` matches `git push origin main --force`).
import { programName, splitShell, wordsOf } from './shell-split';

const ARITY: Record<string, number> = {
  git: 2, npm: 2, pnpm: 2, yarn: 2, bun: 2, npx: 2, cargo: 2, go: 2, docker: 2, podman: 2, kubectl: 2, helm: 2,
  terraform: 2, pip: 2, pip3: 2, poetry: 2, uv: 2, apt: 2, 'apt-get': 2, brew: 2, systemctl: 2, dotnet: 2, mvn: 2,
  gradle: 2, make: 2, gh: 3, aws: 3, gcloud: 3, az: 3,
};

/** Global flags that take the next word as their value, per program. */
const VALUE_FLAGS: Record<string, string[]> = {
  git: ['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '--shallow-file', '--attr-source', '--super-prefix'],
  docker: ['-H', '--host', '--context', '-c', '--config', '-l', '--log-level'],
  podman: ['--url', '--connection', '-c', '--root', '--runroot'],
  kubectl: ['-n', '--namespace', '--context', '--kubeconfig', '-s', '--server', '--cluster', '--user'],
  helm: ['-n', '--namespace', '--kube-context', '--kubeconfig'],
  npm: ['--prefix', '-w', '--workspace'],
  pnpm: ['-C', '--dir', '--filter', '-F'],
  yarn: ['--cwd'],
  cargo: ['-Z', '--config', '--color', '-C'],
  make: ['-C', '-f', '--file', '--directory', '-j', '--jobs'],
  gh: ['-R', '--repo'],
  aws: ['--profile', '--region', '--output'],
  terraform: ['-chdir'],
};

export interface CommandShape {
  program: string;
  /** The words that name the command: program plus up to arity−1 subcommands. */
  key: string[];
  /** Non-flag words after the key, in order. */
  args: string[];
  /** Flags after the key (short clusters expanded: -rf → -r, -f). */
  flags: Set<string>;
}

export function arityOf(program: string): number {
  return ARITY[program] ?? 1;
}

export function shapeOf(words: readonly string[]): CommandShape | null {
  if (words.length === 0) return null;
  const program = programName(words[0]!);
  const arity = arityOf(program);
  const valueFlags = VALUE_FLAGS[program] ?? [];
  const key = [program];
  let i = 1;
  while (key.length < arity && i < words.length) {
    const w = words[i]!;
    if (w.startsWith('-') && w !== '-') {
      i += valueFlags.includes(w) ? 2 : 1;
      continue;
    }
    key.push(w);
    i++;
  }
  const args: string[] = [];
  const flags = new Set<string>();
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      args.push(...words.slice(i + 1));
      break;
    }
    if (/^-[A-Za-z]{2,}$/.test(w)) for (const c of w.slice(1)) flags.add(`-${c}`);
    else if (w.startsWith('-') && w !== '-') flags.add(w.split('=')[0]!);
    else args.push(w);
  }
  return { program, key, args, flags };
}

/** Parses a rule's prefix text into words, the same way a command is read. */
export function prefixWords(prefix: string): string[] {
  return wordsOf(prefix);
}

/** True when the command's words start with the rule's prefix in the sense described above. */
export function matchesPrefix(rule: CommandShape, command: CommandShape): boolean {
  if (rule.program !== command.program) return false;
  for (let k = 1; k < rule.key.length; k++) if (rule.key[k] !== command.key[k]) return false;
  if (rule.key.length < arityOf(rule.program) && (rule.args.length > 0 || rule.flags.size > 0)) {
    // A rule that names fewer subcommands than the arity yet has more words: compare word by word.
    return false;
  }
  for (let k = 0; k < rule.args.length; k++) if (rule.args[k] !== command.args[k]) return false;
  for (const f of rule.flags) if (!command.flags.has(f)) return false;
  return true;
}

/** How many words the rule pins down: more words, more specific. */
export function prefixSpecificity(rule: CommandShape): number {
  return rule.key.length + rule.args.length + rule.flags.size;
}

/** The words an "always allow" rule would add for this command: its key (`git push`). */
export function proposedPrefix(words: readonly string[]): string[] {
  return shapeOf(words)?.key ?? [];
}

/** Why a rule's prefix could never match what the policy judges, or null when it can. Commands are
 *  judged one simple command at a time, through wrappers and assignments, so a prefix must be one
 *  such command as the policy would see it: `sudo rm` is judged as `sudo` and `rm`, `FOO=1 make` as
 *  `make`, and `#` or `&&` name nothing (and would match every command). */
export function prefixProblem(prefix: string): string | null {
  let words: string[];
  try {
    words = prefixWords(prefix);
  } catch (e) {
    return `cannot be read as a command (${(e as Error).message})`;
  }
  if (words.length === 0) return 'names no command';
  const segments = splitShell(prefix);
  if (segments.length === 0) return 'names no command the policy judges (a shell keyword)';
  if (segments.length > 1) {
    return `is judged as ${segments.length} separate commands (${segments.map((s) => JSON.stringify(s.words.join(' '))).join(', ')}), so it never matches; write one rule for each`;
  }
  const seen = segments[0]!.words;
  if (seen.join('\u0000') !== words.join('\u0000')) {
    return `is judged as ${JSON.stringify(seen.join(' '))} (the policy looks through ${JSON.stringify(words[0])}), so it never matches; write the rule for that`;
  }
  return null;
}
