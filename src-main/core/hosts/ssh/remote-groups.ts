// Signalling an attempt's process group on an SSH host. These commands run in the remote user's
// login shell, which may be dash (Debian's /bin/sh): only the POSIX form `kill -s SIG -- -PGID`
// works everywhere (dash refuses `kill -TERM -- -PGID` as "Illegal number").
import { shellQuote as q } from '../shell-quote';

export type GroupSignal = 'TERM' | 'KILL' | '0';

/** Signals every process of group `pgid` (given as a number or a shell word such as `$p`);
 *  prints nothing, and fails when no process of the group could be signalled. */
export function killGroup(pgid: number | string, signal: GroupSignal): string {
  return `kill -s ${signal} -- -${pgid} 2>/dev/null`;
}

/** The environment entry that names an attempt's agent: it is inherited by everything the agent
 *  starts, so any member of its group carries it. */
export function workdirEntry(workdir: string): string {
  return `SHOAL_WORKDIR=${workdir}`;
}

/** A shell function `owned PGID ENTRY`, true while group PGID is still the attempt's: its leader's
 *  environment has ENTRY or, once the leader has exited while children of it run on, a member's
 *  has. Being in group PGID alone proves nothing: after ours ended, a stranger may have taken the
 *  number as its pid and made its own group, so a member must carry the attempt's entry. Members
 *  are found in /proc (field 5 of stat, read after the command name's last ")"), builtins only. */
export const OWNED_GROUP_FN = [
  'owned() { _g=$1; _e=$2',
  `{ tr '\\0' '\\n' < /proc/$_g/environ | grep -qxF "$_e"; } 2>/dev/null && return 0`,
  `${killGroup('$_g', '0')} || return 1`,
  'for _d in /proc/[0-9]*; do _l=; { read -r _l < "$_d/stat"; } 2>/dev/null || continue; set -- ${_l##*\\) }; [ "$3" = "$_g" ] || continue',
  `{ tr '\\0' '\\n' < "$_d/environ" | grep -qxF "$_e"; } 2>/dev/null && return 0; done; return 1; }`,
].join('; ');

/** Ends what is left of the group once its leader (the agent) has exited. */
export function endLeftoversCommand(pgid: number, workdir: string): string {
  return `${OWNED_GROUP_FN}\nowned ${pgid} ${q(workdirEntry(workdir))} && ${killGroup(pgid, 'KILL')}; true`;
}

/** KILLs every process (but this shell) whose environment has the attempt's entry, in whatever
 *  group: a job that left the agent's group (setsid, as a daemon does) still carries it, and
 *  signalling the group does not reach it. One grep reads every environment (-z: NUL-separated
 *  entries); a grep without -z finds none, and then nothing is signalled. */
export function endCarriersCommand(workdir: string): string {
  return `for _f in $(grep -lzxF -- ${q(workdirEntry(workdir))} /proc/[0-9]*/environ 2>/dev/null); do _p=\${_f#/proc/}; _p=\${_p%/environ}; [ "$_p" = "$$" ] || kill -s KILL "$_p" 2>/dev/null; done; true`;
}

/** Ends the group at once (KILL) while it is still the attempt's, printing "ended" when it did,
 *  then removes the attempt's remote directories. */
export function reapGroupCommand(pgid: number, workdir: string): string {
  return [
    OWNED_GROUP_FN,
    `if owned ${pgid} ${q(workdirEntry(workdir))}; then ${killGroup(pgid, 'KILL')}; echo ended; fi`,
    `rm -rf ${q(workdir)} ${q(`${workdir}.artifacts`)}`,
  ].join('\n');
}
