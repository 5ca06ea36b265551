// An SSH host's load for heartbeats, read from /proc (Linux) in one short exec over the connection
// the attempt already uses. The load average is over all CPUs, so it is divided by their count to
// read like a CPU percentage; memory is what the host has in use (total minus available), not the
// agent's share, because the question a heartbeat answers for a remote host is "is it overloaded".
import type { HostUsage } from '../host-driver';

export const HOST_LOAD = 'cat /proc/loadavg; getconf _NPROCESSORS_ONLN 2>/dev/null || nproc; grep -E "^(MemTotal|MemAvailable):" /proc/meminfo';

/** null when the host is not Linux-like (no /proc) or answered something else. */
export function parseHostLoad(text: string): HostUsage | null {
  const lines = text.split('\n');
  const load1 = Number(lines[0]?.split(/\s+/)[0]);
  const cpus = Number(lines[1]?.trim());
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1]);
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  if (!Number.isFinite(load1) || !(cpus > 0) || !Number.isFinite(total) || !Number.isFinite(available)) return null;
  return { cpuPercent: Math.round((load1 / cpus) * 1000) / 10, memoryMb: Math.round((total - available) / 1024) };
}
