// Agents run in their own process group so a whole tree can be signalled at once, and so a restart
// can recognise (pid + start time) and end agents orphaned by a crash.
// Identity (alive? started when?) is portable: /proc on Linux, `ps` on macOS and the BSDs, and
// PowerShell's Get-Process on Windows — a platform without /proc must never see every live pid as
// "the same process" (a recycled pid would pass for an agent or owner that died).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Running (not exited, and not a zombie awaiting a reaper that may never come: in a container
 *  PID 1 often does not reap orphans). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform === 'linux') {
    try {
      const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return raw.slice(raw.lastIndexOf(')') + 2, raw.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  if (process.platform === 'win32') return true; // no zombies: signal 0 succeeding means it runs
  const state = psField(pid, 'stat');
  return state !== null && !state.startsWith('Z');
}

/** One `ps -o FIELD=` value for a pid (macOS, BSDs, and Linux without /proc); null when gone. */
function psField(pid: number, field: 'stat' | 'lstart'): string | null {
  try {
    const out = execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
    return out === '' ? null : out;
  } catch {
    return null;
  }
}

function windowsStartTime(pid: number): string | null {
  try {
    const out = execFileSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `(Get-Process -Id ${pid}).StartTime.ToFileTimeUtc()`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, windowsHide: true }).trim();
    return /^\d+$/.test(out) ? `win:${out}` : null;
  } catch {
    return null;
  }
}

export type StartTimeSource = 'proc' | 'ps' | 'windows';

/** Decided once: start times are read on every attempt spawn and every identity check. */
let detected: StartTimeSource | null = null;
function defaultSource(): StartTimeSource {
  detected ??= process.platform === 'win32' ? 'windows' : process.platform === 'linux' && fs.existsSync('/proc/self/stat') ? 'proc' : 'ps';
  return detected;
}

interface Stat { pid: number; ppid: number; pgrp: number; start: string }

function readStat(pid: number | string): Stat | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return {
      pid: Number(pid),
      ppid: Number(rest[1]),
      pgrp: Number(rest[2]),
      start: rest[19] ?? '',
    };
  } catch {
    return null;
  }
}

/** The process's start time — with the pid, a unique identity. The form depends on the source
 *  (clock ticks since boot from /proc, `ps`'s lstart, a Windows file time); it is only ever compared
 *  with a value read on the same machine. */
export function processStartTime(pid: number, source: StartTimeSource = defaultSource()): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (source === 'proc') return readStat(pid)?.start ?? null;
  if (source === 'windows') return windowsStartTime(pid);
  const lstart = psField(pid, 'lstart');
  return lstart === null ? null : `ps:${lstart.replace(/\s+/g, ' ')}`;
}

/** True when `pid` is still the very process we started (not a recycled pid). A start time taken
 *  by another method (a store moved between machines) cannot be compared: the live pid counts. */
export function isSameProcess(pid: number, start: string | null, source: StartTimeSource = defaultSource()): boolean {
  if (!isAlive(pid)) return false;
  if (start === null) return true;
  const now = processStartTime(pid, source);
  if (now === null) return false;
  const kind = (v: string) => (v.startsWith('ps:') ? 'ps' : v.startsWith('win:') ? 'windows' : 'proc');
  return kind(now) !== kind(start) || now === start;
}

/** True when a process of group `pgid` has `entry` ("NAME=value") in its environment: how a group
 *  whose leader has exited is still told to be an attempt's (a member inherited the agent's
 *  environment) rather than a stranger's that took the number since. Linux only (/proc); elsewhere
 *  nothing is found, and only a live leader counts. */
export function groupMemberCarries(pgid: number, entry: string): boolean {
  if (defaultSource() !== 'proc' || !Number.isInteger(pgid) || pgid <= 1) return false;
  return procPids().some((pid) => readStat(pid)?.pgrp === pgid && environHas(pid, entry));
}

/** The pids /proc lists now (none when it cannot be read). */
function procPids(): string[] {
  try {
    return fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d));
  } catch {
    return [];
  }
}

/** The process's environment as NAME=value entries; none once it is gone, or when it is another
 *  user's. */
function environOf(pid: string): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

function environHas(pid: string, entry: string): boolean {
  return environOf(pid).includes(entry);
}

/** Signals a process that may have ended meanwhile; true when it was signalled. */
export function signalQuietly(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // gone meanwhile
  }
}

/** Every process (but this one) whose environment sets `name`, with the value it has. Linux only
 *  (/proc); elsewhere none. */
export function processesCarrying(name: string): Array<{ pid: number; value: string }> {
  if (defaultSource() !== 'proc' || name === '') return [];
  const prefix = `${name}=`;
  const found: Array<{ pid: number; value: string }> = [];
  for (const pid of procPids()) {
    if (Number(pid) === process.pid) continue;
    const entry = environOf(pid).find((e) => e.startsWith(prefix));
    if (entry !== undefined) found.push({ pid: Number(pid), value: entry.slice(prefix.length) });
  }
  return found;
}

/** Signals every process (but this one) whose environment has `entry` ("NAME=value"), wherever its
 *  group: an attempt's SHOAL_WORKDIR, inherited by everything its agent started, also by a job that
 *  left the agent's group (setsid, as a daemon does), which signalling the group cannot reach. Linux
 *  only (/proc); elsewhere nothing is signalled. Returns how many were. */
export function signalCarriers(entry: string, signal: NodeJS.Signals): number {
  const at = entry.indexOf('=');
  if (at <= 0) return 0;
  const value = entry.slice(at + 1);
  return processesCarrying(entry.slice(0, at)).filter((p) => p.value === value && signalQuietly(p.pid, signal)).length;
}

/** KILLs what signalCarriers would, reading /proc without blocking: it runs as every attempt ends,
 *  and a busy machine lists hundreds of processes (about 40 µs each to read). Resolves with how many
 *  were signalled. */
export async function endCarriers(entry: string): Promise<number> {
  if (defaultSource() !== 'proc' || entry === '') return 0;
  let n = 0;
  for (const pid of procPids()) {
    if (Number(pid) === process.pid) continue;
    const environ = await fs.promises.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(entry) && signalQuietly(Number(pid), 'SIGKILL')) n++;
  }
  return n;
}

/** Signals a whole process group; a group that is already gone is left alone. Never falls back to
 *  signalling the bare pid: once the group is gone its number may belong to an unrelated process
 *  (pids wrap quickly where pid_max is 32768), and 0 or 1 would mean our own group or init. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
