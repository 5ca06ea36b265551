// Commands that run another command: `sudo X`, `timeout 5 X`, `flock f -c 'X'`, `npx X`, …
// The policy must judge X, so each wrapper is described by how its words are laid out: which of its
// flags take a value, how many positional words come before the command, which flags carry a whole
// shell command line, and whether the wrapper is itself worth judging (privilege changes and package
// runners are: `sudo` has its own default rule; a rule for `npx` sees npx and its options, and the
// command it runs is judged by that command's own rules).
// Sources: coreutils (env, nice, nohup, stdbuf, timeout, chroot), util-linux (setsid, flock, ionice, setarch,
// taskset, chrt, script, su, runuser, nsenter, unshare, setpriv, prlimit), findutils (xargs), procps
// (watch), sudo/doas/pkexec/run0, daemontools/runit (setuidgid, envdir, softlimit, chpst), container
// entrypoints (gosu, su-exec, tini, dumb-init), debugging/tracing (strace, ltrace, valgrind, catchsegv),
// moreutils (chronic, ifne, lckdo), tmux/screen (new sessions and windows), GNU parallel (also with the
// command lines as its arguments), and language package runners (npx, npm/pnpm/yarn exec, bunx, uv
// run, poetry/pipenv run, bundle exec).

export interface WrapperSpec {
  /** Flags whose value is the next word (`-u root`). `--long=value` and `-uroot` are understood too. */
  valueFlags?: readonly string[];
  /** Positional words between the options and the command (timeout's duration, flock's file). */
  leadingValues?: number;
  /** The positional words come before the options (`setarch ARCH -R X`). */
  leadingFirst?: boolean;
  /** Flags whose value is a shell command line, searched among all the wrapper's words (`su root -c 'X'`). */
  shellFlags?: readonly string[];
  /** env -S: the value is split into words that come before the rest. */
  splitFlags?: readonly string[];
  /** Flags that make it act on a process id instead of running a command (`ionice -p 42`). */
  noCommandFlags?: readonly string[];
  /** False when the trailing words are not a command (script without -c writes a typescript file). */
  commandFollows?: boolean;
  /** watch: its words are joined and run through `sh -c`. */
  joinAsShell?: boolean;
  /** The command ends before this word (GNU parallel's `:::`). Without a command, each argument
   *  after it is a command line, and without those the command lines come from standard input. */
  endsAt?: string;
  /** Judge the wrapper's own words as well as the command it runs. */
  keepSelf?: boolean;
}

const SUDO_VALUES = ['-u', '--user', '-g', '--group', '-p', '--prompt', '-C', '--close-from', '-h', '--host', '-r', '--role', '-t', '--type', '-U', '--other-user', '-D', '--chdir', '-R', '--chroot', '-T', '--command-timeout'];
const STRACE_VALUES = ['-o', '-e', '-p', '-s', '-u', '-E', '-P', '-a', '-b', '-I', '-O', '-S', '-X', '-U'];

/** Single-word wrappers, by program name. */
export const WRAPPERS: Readonly<Record<string, WrapperSpec>> = {
  exec: { valueFlags: ['-a'] },
  command: {},
  builtin: {},
  coproc: {},
  nohup: {},
  time: { valueFlags: ['-f', '--format', '-o', '--output'] },
  env: { valueFlags: ['-u', '--unset', '-C', '--chdir', '--default-signal', '--ignore-signal', '--block-signal'], splitFlags: ['-S', '--split-string'] },
  nice: { valueFlags: ['-n', '--adjustment'] },
  timeout: { valueFlags: ['-s', '--signal', '-k', '--kill-after'], leadingValues: 1 },
  stdbuf: { valueFlags: ['-i', '-o', '-e', '--input', '--output', '--error'] },
  xargs: { valueFlags: ['-I', '-i', '-n', '-P', '-d', '-a', '-E', '-e', '-L', '-l', '-s', '--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-lines', '--max-chars', '--replace', '--eof', '--process-slot-var'] },
  setsid: {},
  flock: { valueFlags: ['-w', '--timeout', '-E', '--conflict-exit-code'], leadingValues: 1, shellFlags: ['-c', '--command'] },
  ionice: { valueFlags: ['-c', '--class', '-n', '--classdata'], noCommandFlags: ['-p', '--pid', '-P', '--pgid', '-u', '--uid'] },
  taskset: { leadingValues: 1, noCommandFlags: ['-p', '--pid'] },
  chrt: { valueFlags: ['-T', '--sched-runtime', '-P', '--sched-period', '-D', '--sched-deadline'], leadingValues: 1, noCommandFlags: ['-p', '--pid', '-m', '--max'] },
  numactl: { valueFlags: ['-N', '--cpunodebind', '-m', '--membind', '-C', '--physcpubind', '-i', '--interleave', '-p', '--preferred', '-P', '--preferred-many'] },
  prlimit: { noCommandFlags: ['-p', '--pid'] },
  script: { valueFlags: ['-E', '--echo', '-I', '--log-in', '-O', '--log-out', '-B', '--log-io', '-T', '--log-timing', '-m', '--logging-format'], shellFlags: ['-c', '--command'], commandFollows: false },
  watch: { valueFlags: ['-n', '--interval', '-d', '--differences', '-q', '--equexit'], joinAsShell: true },
  parallel: { valueFlags: ['-j', '--jobs', '-S', '--sshlogin', '--joblog', '-a', '--arg-file', '--delay', '--timeout', '--retries'], endsAt: ':::' },
  sem: { valueFlags: ['-j', '--jobs', '--id', '--timeout'] },
  // util-linux's setarch and its per-architecture names; moreutils; small run-it-for-me tools.
  setarch: { leadingValues: 1, leadingFirst: true },
  linux32: {},
  linux64: {},
  i386: {},
  x86_64: {},
  uname26: {},
  chronic: {},
  ifne: {},
  lckdo: { valueFlags: ['-w'], leadingValues: 1 },
  eatmydata: {},
  nocache: {},
  tsp: { valueFlags: ['-L', '-N', '-D', '-W'] },
  'systemd-inhibit': { valueFlags: ['--what', '--who', '--why', '--mode'] },
  screen: { valueFlags: ['-S', '-c', '-e', '-h', '-p', '-s', '-t', '-T', '-X', '-Q'], noCommandFlags: ['-X', '-Q', '-r', '-R', '-x', '-ls', '-list', '-wipe'] },
  busybox: {},
  toybox: {},
  sudo: { valueFlags: SUDO_VALUES, keepSelf: true },
  doas: { valueFlags: ['-u', '-C'], keepSelf: true },
  pkexec: { valueFlags: ['--user'], keepSelf: true },
  run0: { valueFlags: ['-u', '--user', '-g', '--group', '-D', '--chdir', '--unit', '--property', '--setenv', '--nice', '--slice'], keepSelf: true },
  su: { valueFlags: ['-s', '--shell', '-g', '--group', '-G', '--supp-group', '-w', '--whitelist-environment'], shellFlags: ['-c', '--command', '-C', '--session-command'], commandFollows: false, keepSelf: true },
  runuser: { valueFlags: ['-u', '--user', '-s', '--shell', '-g', '--group', '-G', '--supp-group', '-w', '--whitelist-environment'], shellFlags: ['-c', '--command', '--session-command'], keepSelf: true },
  sg: { leadingValues: 1, shellFlags: ['-c'], keepSelf: true },
  chroot: { valueFlags: ['--userspec', '--groups'], leadingValues: 1, keepSelf: true },
  nsenter: { valueFlags: ['-t', '--target', '-S', '--setuid', '-G', '--setgid', '-W', '--wd'], keepSelf: true },
  unshare: { valueFlags: ['-S', '--setuid', '-G', '--setgid', '-R', '--root', '-w', '--wd'], keepSelf: true },
  setpriv: { valueFlags: ['--reuid', '--regid', '--groups', '--inh-caps', '--ambient-caps', '--bounding-set', '--securebits', '--pdeathsig', '--selinux-label', '--apparmor-profile'], keepSelf: true },
  'systemd-run': { valueFlags: ['-u', '--unit', '-p', '--property', '-E', '--setenv', '-M', '--machine', '-H', '--host', '--uid', '--gid', '--nice', '--slice', '--description', '--working-directory', '--on-calendar', '--on-active'], keepSelf: true },
  gosu: { leadingValues: 1, keepSelf: true },
  'su-exec': { leadingValues: 1, keepSelf: true },
  setuidgid: { leadingValues: 1, keepSelf: true },
  chpst: { valueFlags: ['-u', '-U', '-b', '-e', '-/', '-C', '-n', '-l', '-L', '-m', '-d', '-o', '-p', '-f', '-c'], keepSelf: true },
  envdir: { leadingValues: 1 },
  softlimit: { valueFlags: ['-m', '-d', '-s', '-l', '-a', '-o', '-p', '-f', '-c', '-r', '-t'] },
  tini: { valueFlags: ['-p', '-e'] },
  'dumb-init': { valueFlags: ['-r', '--rewrite'] },
  cgexec: { valueFlags: ['-g'] },
  firejail: {},
  fakeroot: { valueFlags: ['-l', '--lib', '--faked', '-s', '-i'] },
  'xvfb-run': { valueFlags: ['-n', '--server-num', '-s', '--server-args', '-f', '--auth-file', '-e', '--error-file', '-p', '--xauth-protocol', '-l'] },
  'dbus-run-session': { valueFlags: ['--config-file', '--dbus-daemon'] },
  'dbus-launch': {},
  'ssh-agent': { valueFlags: ['-a', '-E', '-t', '-P'] },
  catchsegv: {},
  unbuffer: {},
  rlwrap: { valueFlags: ['-a', '-f', '-H', '-l', '-p', '-P', '-S'] },
  torsocks: { valueFlags: ['-u', '-p', '-a', '-P'] },
  proxychains: { valueFlags: ['-f'] },
  proxychains4: { valueFlags: ['-f'] },
  caffeinate: { valueFlags: ['-w', '-t'] },
  arch: { valueFlags: ['-arch'] },
  strace: { valueFlags: STRACE_VALUES },
  ltrace: { valueFlags: ['-o', '-e', '-p', '-s', '-u', '-n', '-a', '-l', '-x', '-L'] },
  valgrind: {},
  // Package runners: they also run what is on PATH (`npx touch f` runs touch).
  npx: { valueFlags: ['-p', '--package', '--cache', '--userconfig'], shellFlags: ['-c', '--call'], keepSelf: true },
  bunx: { valueFlags: ['-p', '--package'], keepSelf: true },
  uvx: { valueFlags: ['--from', '--with', '--python', '-p'], keepSelf: true },
};

/** Two-word wrappers: `npm exec X`, `uv run X`, `direnv exec DIR X`. Keyed "program sub". */
export const SUB_WRAPPERS: Readonly<Record<string, WrapperSpec>> = {
  'npm exec': { valueFlags: ['-p', '--package', '-w', '--workspace'], shellFlags: ['-c', '--call'], keepSelf: true },
  'npm x': { valueFlags: ['-p', '--package', '-w', '--workspace'], shellFlags: ['-c', '--call'], keepSelf: true },
  'pnpm exec': { valueFlags: ['-C', '--dir', '--filter', '-F'], shellFlags: ['-c'], keepSelf: true },
  'pnpm dlx': { valueFlags: ['--package'], shellFlags: ['-c', '--shell-mode'], keepSelf: true },
  'yarn exec': { keepSelf: true },
  'yarn dlx': { valueFlags: ['-p', '--package'], keepSelf: true },
  'bun x': { valueFlags: ['-p', '--package'], keepSelf: true },
  'uv run': { valueFlags: ['--with', '--python', '-p', '--directory', '--project', '--package', '--extra', '--group', '--env-file'], keepSelf: true },
  'poetry run': { valueFlags: ['-C', '--directory', '-P', '--project'], keepSelf: true },
  'pipenv run': { keepSelf: true },
  'bundle exec': { keepSelf: true },
  'conda run': { valueFlags: ['-n', '--name', '-p', '--prefix'], keepSelf: true },
  'mamba run': { valueFlags: ['-n', '--name', '-p', '--prefix'], keepSelf: true },
  'direnv exec': { leadingValues: 1, keepSelf: true },
  'nix-shell': { valueFlags: ['-p', '--packages', '-A', '--attr', '-I', '--arg', '--argstr'], shellFlags: ['--run', '--command'], commandFollows: false, keepSelf: true },
  'nix develop': { valueFlags: ['-i', '--keep', '--override-input'], keepSelf: true },
  // tmux runs its shell-command argument (or its words, joined) in a new pane.
  'tmux new-session': { valueFlags: ['-c', '-e', '-F', '-f', '-n', '-s', '-t', '-x', '-y'], joinAsShell: true },
  'tmux new': { valueFlags: ['-c', '-e', '-F', '-f', '-n', '-s', '-t', '-x', '-y'], joinAsShell: true },
  'tmux new-window': { valueFlags: ['-c', '-e', '-F', '-n', '-t'], joinAsShell: true },
  'tmux neww': { valueFlags: ['-c', '-e', '-F', '-n', '-t'], joinAsShell: true },
  'tmux split-window': { valueFlags: ['-c', '-e', '-F', '-l', '-t'], joinAsShell: true },
  'tmux splitw': { valueFlags: ['-c', '-e', '-F', '-l', '-t'], joinAsShell: true },
  'tmux run-shell': { valueFlags: ['-d', '-t', '-c'], joinAsShell: true },
  'tmux run': { valueFlags: ['-d', '-t', '-c'], joinAsShell: true },
};

export interface Unwrapped {
  /** The wrapper's own words (program and options), for judging the wrapper itself. */
  self: string[];
  /** The command it runs, or null when it runs none. */
  inner: string[] | null;
  /** Shell command lines it runs (`-c` values, watch's joined words). */
  shells: string[];
  /** Set when the commands it runs come from standard input or a file: why, for people. */
  opaque?: string;
}

function flagName(word: string): string {
  return word.startsWith('--') ? word.split('=')[0]! : word;
}

/** How `words` (starting with the wrapper's name, `subWords` long) lay out, per `spec`. */
export function unwrapOnce(words: readonly string[], spec: WrapperSpec, subWords = 1): Unwrapped {
  const shells: string[] = [];
  const valueFlags = spec.valueFlags ?? [];
  const shellFlags = spec.shellFlags ?? [];
  let inner: string[] | null = null;
  let split: string[] = [];
  let j = subWords;
  let noCommand = false;
  if (spec.leadingFirst) {
    let k = 0;
    while (k < (spec.leadingValues ?? 0) && j < words.length && !words[j]!.startsWith('-')) { j++; k++; }
  }
  // Options first.
  while (j < words.length) {
    const w = words[j]!;
    if (w === '--') { j++; break; }
    if (!w.startsWith('-') || w === '-') break;
    if (/^-\d+$/.test(w)) { j++; continue; } // `nice -10 X`
    const long = w.startsWith('--');
    const head = long ? w.split('=')[0]! : w.slice(0, 2);
    const known = (f: string) => valueFlags.includes(f) || shellFlags.includes(f) || (spec.splitFlags ?? []).includes(f);
    // `--flag=value`, `-uroot` (value attached), or a cluster `-lc` whose last letter may take the next word.
    let name = head;
    let value: string | undefined;
    let width = 1;
    if (long && w.includes('=')) value = w.slice(w.indexOf('=') + 1);
    else if (!long && w.length > 2 && known(head)) value = w.slice(2);
    else {
      if (!long && w.length > 2) name = `-${w.at(-1)}`;
      if (known(name)) { value = words[j + 1]; width = 2; }
    }
    if ((spec.noCommandFlags ?? []).includes(name) || (spec.noCommandFlags ?? []).includes(head)) noCommand = true;
    if (shellFlags.includes(name) && value !== undefined) shells.push(value);
    if ((spec.splitFlags ?? []).includes(name) && value !== undefined) split = value.split(/\s+/).filter(Boolean);
    j += width;
  }
  const self = words.slice(0, j);
  if (!spec.leadingFirst) j += spec.leadingValues ?? 0;
  let rest = words.slice(Math.min(j, words.length));
  // Shell flags may follow the positional words too (`su root -c X`, `flock FILE -c X`).
  if (shellFlags.length > 0) {
    for (let k = 0; k < rest.length; k++) {
      if (shellFlags.includes(flagName(rest[k]!)) && rest[k + 1] !== undefined) {
        shells.push(rest[k + 1]!);
        rest = rest.slice(0, k);
        break;
      }
    }
  }
  let opaque: string | undefined;
  if (spec.endsAt) {
    const marker = spec.endsAt;
    const end = rest.findIndex((w) => w.startsWith(marker));
    const inputs = end >= 0 ? rest.slice(end) : [];
    if (end >= 0) rest = rest.slice(0, end);
    if (rest.length === 0 && !noCommand && shells.length === 0) {
      // No command: the inputs themselves are the command lines (`parallel ::: 'make a' 'make b'`).
      // Only one plain group can be read here; from stdin, a file (`::::`) or several groups
      // combined, what runs is not known.
      const lines = inputs.slice(1);
      if ((inputs[0] === marker || inputs[0] === `${marker}+`) && lines.length > 0 && !lines.some((w) => w.startsWith(marker))) shells.push(...lines);
      else opaque = 'it runs command lines it reads from its input (standard input, a file, or combined arguments), which the policy cannot read';
    }
  }
  if (spec.joinAsShell) {
    if (rest.length > 0) shells.push(rest.join(' '));
  } else if (!noCommand && spec.commandFollows !== false && shells.length === 0) {
    inner = [...split, ...rest];
  } else if (split.length > 0) {
    inner = split;
  }
  if (inner !== null && inner.length === 0) inner = null;
  return { self, inner, shells, ...(opaque ? { opaque } : {}) };
}
