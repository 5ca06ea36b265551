// Processes on this machine, for tests that check an agent ran, or that nothing was left running.
// The SSH and Docker test hosts run on this kernel too, so what they start is visible here.
import { execFileSync } from 'node:child_process';

/** pgrep's matches; it exits 1 when there are none. */
function pgrep(args: string[]): number[] {
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Processes whose command line contains `pattern` (an extended regular expression), wrappers that
 *  carry it as an argument included. */
export function processesMatching(pattern: string): number[] {
  return pgrep(['-f', pattern]);
}

/** Processes whose whole command line is `pattern`: a wrapper holding the command in its argv (a
 *  shell's `-c` script) does not count, so it is found only once it really runs. */
export function processesRunning(pattern: string): number[] {
  return pgrep(['-f', `^${pattern}$`]);
}

export function childrenOf(pid: number): number[] {
  return pgrep(['-P', String(pid)]);
}
