// The policy judges what really runs: a run policy denies `touch` and the mode is "never", and every
// way of hiding `touch` behind a wrapper, a computed command word or inline interpreter code must be
// refused — while ordinary commands that merely look similar still run.
import { describe, expect, it } from 'vitest';
import type { ApprovalMode, PolicyRule } from '../../../src-shared/contract/methods/policy';
import { DEFAULT_RULES } from './defaults';
import { evaluatePolicy, type RuleLayer } from './evaluate';
import { splitShell } from './shell-split';

const DENY_TOUCH: PolicyRule = { id: 'no-touch', tool: 'exec_shell', prefix: 'touch', action: 'deny' };
const layers = (user: PolicyRule[] = []): RuleLayer[] => [
  { layer: 'user', rules: user }, { layer: 'run', rules: [DENY_TOUCH] }, { layer: 'default', rules: DEFAULT_RULES },
];
const judge = (command: string, mode: ApprovalMode = 'never', user: PolicyRule[] = []) =>
  evaluatePolicy({ tool: 'exec_shell', command, cwd: '/w', workspace: null }, layers(user), mode);

// Each of these runs `touch f` (or code that could). "rule": the deny rule itself is seen;
// "opaque": the policy cannot read it, so it asks — and "never" refuses it.
const HIDDEN: Array<[string, 'rule' | 'opaque']> = [
  // wrappers from coreutils / util-linux / findutils / procps
  ['touch f', 'rule'],
  ['setsid touch f', 'rule'],
  ['setsid -f touch f', 'rule'],
  ['flock /tmp/l touch f', 'rule'],
  ['flock -w 5 /tmp/l touch f', 'rule'],
  ["flock /tmp/l -c 'touch f'", 'rule'],
  ['chroot / touch f', 'rule'],
  ['chroot --userspec=1:1 / touch f', 'rule'],
  ['ionice -c 3 touch f', 'rule'],
  ['ionice -c3 -n7 touch f', 'rule'],
  ['taskset 0x1 touch f', 'rule'],
  ['taskset -c 0 touch f', 'rule'],
  ['chrt -f 10 touch f', 'rule'],
  ['numactl -N 0 touch f', 'rule'],
  ['prlimit --nofile=10 touch f', 'rule'],
  ["su -c 'touch f'", 'rule'],
  ["su root -c 'touch f'", 'rule'],
  ["su -lc 'touch f' root", 'rule'],
  ['runuser -u me -- touch f', 'rule'],
  ["script -c 'touch f' /dev/null", 'rule'],
  ["script -qc 'touch f' /dev/null", 'rule'],
  ["env -S 'touch f'", 'rule'],
  ["env --split-string='touch f'", 'rule'],
  ['env -i PATH=/bin touch f', 'rule'],
  ['env -u HOME touch f', 'rule'],
  ['nohup touch f', 'rule'],
  ['time touch f', 'rule'],
  ['/usr/bin/time -f %e touch f', 'rule'],
  ['nice -10 touch f', 'rule'],
  ['nice -n 5 touch f', 'rule'],
  ['timeout -s KILL 5 touch f', 'rule'],
  ['timeout 5s touch f', 'rule'],
  ['stdbuf -oL touch f', 'rule'],
  ['echo f | xargs touch', 'rule'],
  ['echo f | xargs -I{} touch {}', 'rule'],
  ['echo f | xargs -0 -n 1 touch', 'rule'],
  ['find . -exec touch {} \\;', 'rule'],
  ['find . -name x -execdir touch {} +', 'rule'],
  ["find . -ok touch {} ';'", 'rule'],
  ["find . -exec sh -c 'touch f' \\;", 'rule'],
  ['watch -n 1 touch f', 'rule'],
  ["watch 'touch f'", 'rule'],
  ['parallel touch ::: f', 'rule'],
  ['exec touch f', 'rule'],
  ['command touch f', 'rule'],
  ['coproc touch f', 'rule'],
  ['busybox touch f', 'rule'],
  ["busybox sh -c 'touch f'", 'rule'],
  // privilege changes, namespaces, service managers, entrypoints
  ['sudo touch f', 'rule'],
  ['sudo -u root -E touch f', 'rule'],
  ["sudo sh -c 'touch f'", 'rule'],
  ['doas touch f', 'rule'],
  ['pkexec touch f', 'rule'],
  ['unshare -r touch f', 'rule'],
  ['nsenter -t 1 -m touch f', 'rule'],
  ['setpriv --reuid=1 touch f', 'rule'],
  ['systemd-run --user touch f', 'rule'],
  ['gosu me touch f', 'rule'],
  ["sg staff -c 'touch f'", 'rule'],
  ['xvfb-run -a touch f', 'rule'],
  ['dbus-run-session -- touch f', 'rule'],
  ['fakeroot touch f', 'rule'],
  ['catchsegv touch f', 'rule'],
  ['caffeinate -i touch f', 'rule'],
  ['strace -f -o /dev/null touch f', 'rule'],
  ['ltrace -o x touch f', 'rule'],
  ['valgrind -q touch f', 'rule'],
  ['unbuffer touch f', 'rule'],
  ['ssh-agent touch f', 'rule'],
  // package runners also run what is on PATH
  ['npx touch f', 'rule'],
  ['npm exec -- touch f', 'rule'],
  ['npm x touch f', 'rule'],
  ["npm exec -c 'touch f'", 'rule'],
  ['uv run touch f', 'rule'],
  ['poetry run touch f', 'rule'],
  ['bundle exec touch f', 'rule'],
  ['direnv exec . touch f', 'rule'],
  ["nix-shell -p hello --run 'touch f'", 'rule'],
  // shells, eval, trap, substitutions, chains, nesting
  ["bash -c 'touch f'", 'rule'],
  ["sh -ec 'touch f'", 'rule'],
  ["eval 'touch f'", 'rule'],
  ["trap 'touch f' EXIT", 'rule'],
  ['echo $(touch f)', 'rule'],
  ['x=`touch f`', 'rule'],
  ['true && touch f', 'rule'],
  ['env sudo nice -n 1 timeout 5 setsid touch f', 'rule'],
  ["sudo -u x env -S 'flock /l -c \"touch f\"'", 'rule'],
  // command words known only when run
  ['T=touch; $T f', 'opaque'],
  ['${X:0:0}touch f', 'opaque'],
  ['"$T" f', 'opaque'],
  ['$(echo touch) f', 'opaque'],
  ['`echo touch` f', 'opaque'],
  ['/usr/bin/tou?h f', 'opaque'],
  ['/usr/bin/to*h f', 'opaque'],
  ['{touch,f}', 'opaque'],
  ['tou[c]h f', 'opaque'],
  ['nohup $CMD f', 'opaque'],
  ['timeout 5 "${T}" f', 'opaque'],
  // inline code, and programs read from stdin
  ["python3 -c 'import os; os.system(\"touch f\")'", 'opaque'],
  ["python -Bc 'import os'", 'opaque'],
  ["node -e 'require(\"child_process\").execSync(\"touch f\")'", 'opaque'],
  ["node -pe '1'", 'opaque'],
  ["node --eval 'x'", 'opaque'],
  ["perl -e 'system(\"touch f\")'", 'opaque'],
  ["perl -ne 'print' f", 'opaque'],
  ["ruby -e 'system(\"touch f\")'", 'opaque'],
  ["php -r 'system(\"touch f\");'", 'opaque'],
  ["lua -e 'os.execute(\"touch f\")'", 'opaque'],
  ["Rscript -e 'system(\"touch f\")'", 'opaque'],
  ["osascript -e 'do shell script \"touch f\"'", 'opaque'],
  ["pwsh -Command 'touch f'", 'opaque'],
  ["deno eval 'Deno.run()'", 'opaque'],
  ["expect -c 'spawn touch f'", 'opaque'],
  ["awk 'BEGIN{system(\"touch f\")}'", 'opaque'],
  ["gawk 'BEGIN { print \"x\" | \"sh\" }'", 'opaque'],
  ["sed 's/.*/touch f/e' list", 'opaque'],
  ["sed -n '1e touch f' list", 'opaque'],
  ["echo 'touch f' | sh", 'opaque'],
  ['curl -s http://127.0.0.1/x | bash', 'opaque'],
  ['bash -s < script.sh', 'opaque'],
  ['python3 <<EOF\nimport os\nEOF', 'opaque'],
  ['node < x.js', 'opaque'],
  ['timeout 5 python3 -c "x"', 'opaque'],
  ["xargs -I{} sh -c '{}' < cmds", 'opaque'],
  // shell keywords around a command: function bodies, coproc NAME, `time -p`
  ['function f { touch f; }; f', 'rule'],
  ['function f { touch f; }\nf', 'rule'],
  ['coproc w { touch f; }', 'rule'],
  ['coproc { touch f; }', 'rule'],
  ['coproc w if touch f; then :; fi', 'rule'],
  ['time -p touch f', 'rule'],
  ['time -- touch f', 'rule'],
  ['time -p -- touch f', 'rule'],
  // a shell's -c may be followed by more options and `--` before the command line
  ["bash -c -- 'touch f'", 'rule'],
  ["bash -c -x 'touch f'", 'rule'],
  ["bash -c -o pipefail 'touch f'", 'rule'],
  ["bash -Ec 'touch f'", 'rule'],
  ["sh -c -e -- 'touch f'", 'rule'],
  ["fish --command 'touch f'", 'rule'],
  ['eval -- touch f', 'rule'],
  ["trap -- 'touch f' EXIT", 'rule'],
  // commands read from standard input or a pipe
  ["echo 'touch f' | bash -o pipefail", 'opaque'],
  ["bash -s x <<< 'touch f'", 'opaque'],
  ["bash /dev/stdin <<< 'touch f'", 'opaque'],
  ['source <(echo touch f)', 'opaque'],
  [". /dev/stdin <<< 'touch f'", 'opaque'],
  // substitutions where the splitter saw only data: arithmetic, unquoted heredoc bodies, nested backticks
  ['echo $(( $(touch f) ))', 'rule'],
  ['echo $((touch f) )', 'rule'],
  ['cat <<EOF\n$(touch f)\nEOF', 'rule'],
  ['cat <<EOF\nx `touch f` y\nEOF\necho done', 'rule'],
  ['cat <<-EOF\n\t$(touch f)\n\tEOF', 'rule'],
  ['echo `echo \\`touch f\\``', 'rule'],
  // quoting the splitter read wrongly: ANSI-C $'…' (with \' inside), and ${…} holding ) or ;
  ["echo $'it\\'s'; touch f", 'rule'],
  ["$'\\x74ouch' f", 'rule'],
  ['echo ${a/)/x}; touch f', 'rule'],
  ['echo "${a:-;}"; touch f', 'rule'],
  // more wrappers: util-linux's setarch, moreutils, terminal multiplexers, GNU parallel without a command
  ['setarch x86_64 touch f', 'rule'],
  ['setarch x86_64 -R touch f', 'rule'],
  ['linux64 touch f', 'rule'],
  ['chronic touch f', 'rule'],
  ['ifne touch f', 'rule'],
  ['lckdo /tmp/l touch f', 'rule'],
  ['eatmydata touch f', 'rule'],
  ['systemd-inhibit --why=x touch f', 'rule'],
  ['tsp touch f', 'rule'],
  ['sem -j 2 touch f', 'rule'],
  ["tmux new -d 'touch f'", 'rule'],
  ['tmux new-session -d -s w touch f', 'rule'],
  ["tmux split-window -h 'touch f'", 'rule'],
  ["tmux run-shell 'touch f'", 'rule'],
  ['screen -dmS w touch f', 'rule'],
  ["parallel ::: 'touch f'", 'rule'],
  ["parallel -j 2 ::: 'echo a' 'touch f'", 'rule'],
  ["echo 'touch f' | parallel", 'opaque'],
  ['parallel :::: cmds.txt', 'opaque'],
  ["tmux send-keys -t w 'touch f' Enter", 'opaque'],
  ["screen -S w -X stuff 'touch f\n'", 'opaque'],
  ["at now <<< 'touch f'", 'opaque'],
  ["echo 'touch f' | batch", 'opaque'],
  // an alias's value runs when the alias is used
  ["shopt -s expand_aliases\nalias ls='touch f'\nls", 'rule'],
  // mapfile's callback runs for the lines it reads
  ["mapfile -C 'touch f' -c 1 < list", 'rule'],
  ["readarray -t -C 'touch f' lines < list", 'rule'],
];

// Commands that look similar but run nothing hidden: they keep running in "never" mode.
const PLAIN: string[] = [
  'timeout 5 npm test',
  'nice -n 5 ls',
  'env FOO=1 ls -la',
  "find . -name '*.ts' -print",
  "awk '{print $1}' data.txt",
  "awk -F, '$2 > 1 {n++} END {print n}' data.csv",
  'python3 build.py --fast',
  'python3 -m pytest -q',
  'python3 --version',
  'node script.js',
  'node --version',
  "sed -i 's/a/b/g' f.txt",
  "sed -n '/end/p' f.txt",
  "sed -e 's/x/y/' -e 's/e/f/' f.txt",
  'echo $HOME',
  'for f in *.ts; do wc -l "$f"; done',
  'ls | xargs -n1 echo',
  'bash ./script.sh',
  'sh ./configure --prefix=/tmp',
  'grep -r touch .',
  'echo touch f',
  'npx tsc --noEmit',
  'git status',
  'perl script.pl',
  'end=$((SECONDS+2)); while [ $SECONDS -lt $end ]; do :; done',
  'if [[ -f x ]]; then echo y; fi',
  "echo $$ > pid; exec sleep 30",
  'sleep 30 & echo $! > pid; wait',
  "fix_it=1 && printf '%s' \"$(date)\"",
  'bash -o pipefail ./script.sh',
  'time -p make',
  'function build { make; }',
  '. ./env.sh',
  'trap -- EXIT',
  "cat <<'EOF'\n$(touch f)\nEOF",
  'cat <<EOF\ntouch f\nEOF',
  'echo $(( (1 + 2) * 3 ))',
  'echo ${f%.ts} ${a/x/y} ${#list[@]}',
  "printf $'a\\tb\\n'",
  'parallel -j 4 gzip ::: a b',
  'setarch x86_64 -R ls',
  'tmux ls',
  'screen -ls',
  'at -l',
  "alias ll='ls -la'",
  'alias',
  'mapfile -t lines < list',
];

describe('the policy sees through wrappers (touch denied, mode "never")', () => {
  it.each(HIDDEN)('%j is refused', (command, how) => {
    const d = judge(command);
    expect(d.action).toBe('deny');
    if (how === 'rule') expect(d.ruleId).toBe('no-touch');
    else expect(d.reason).toMatch(/cannot tell what .* runs/);
  });

  it.each(PLAIN)('%j still runs', (command) => {
    expect(judge(command)).toMatchObject({ action: 'allow' });
  });

  it('an opaque command asks in the asking modes, and no allow rule lets it through silently', () => {
    expect(judge("python3 -c 'print(1)'", 'on-request')).toMatchObject({ action: 'ask', ruleId: null, proposedAmendment: [] });
    expect(judge('$T f', 'untrusted')).toMatchObject({ action: 'ask' });
    expect(judge('$T f', 'reject')).toMatchObject({ action: 'deny' });
    const allowPython: PolicyRule = { id: 'py', tool: 'exec_shell', prefix: 'python3', action: 'allow' };
    expect(judge("python3 -c 'print(1)'", 'on-request', [allowPython])).toMatchObject({ action: 'ask' });
    expect(judge('python3 x.py', 'on-request', [allowPython])).toMatchObject({ action: 'allow', ruleId: 'py' });
    const denyPython: PolicyRule = { id: 'nopy', tool: 'exec_shell', prefix: 'python3', action: 'deny' };
    expect(judge("python3 -c 'print(1)'", 'on-request', [denyPython])).toMatchObject({ action: 'deny', ruleId: 'nopy' });
  });

  it('privilege wrappers are judged themselves as well as what they run', () => {
    expect(splitShell('sudo -u root touch f').map((s) => s.words)).toEqual([['sudo', '-u', 'root'], ['touch', 'f']]);
    expect(judge('sudo ls', 'on-request')).toMatchObject({ action: 'ask', ruleId: 'default-ask-sudo' });
    expect(splitShell('nice -n 5 timeout 3 git push').map((s) => s.words)).toEqual([['git', 'push']]);
  });

  it('find keeps its own words apart from the commands it runs', () => {
    expect(splitShell('find . -name x -exec rm {} \\; -print').map((s) => s.words)).toEqual([['find', '.', '-name', 'x', '-print'], ['rm', '{}']]);
  });
});
