// An SSH host's load for heartbeats, read from /proc (Linux) in one short exec over the connection
// the attempt already uses. CPU is the share of time the host's CPUs were busy since the previous
// sample (from /proc/stat's counters), so it reads 0–100 % like the figures of this computer and of
// containers. The first sample has no previous one: it falls back to the load average per CPU,
// capped at 100 (a load above the CPU count means work waits, not that the CPUs are over-busy).
// Memory is what the host has in use (total minus available), not the agent's share, because the
// question a heartbeat answers for a remote host is "is it overloaded".
import type { HostUsage } from '../host-driver';

export const HOST_LOAD = 'cat /proc/loadavg; getconf _NPROCESSORS_ONLN 2>/dev/null || nproc; grep -E "^(MemTotal|MemAvailable):" /proc/meminfo; head -n 1 /proc/stat';

interface CpuCounters { busy: number; total: number }

/** Keeps the previous sample of one host, for the busy share between two heartbeats. */
export class HostLoadSampler {
  private previous: CpuCounters | null = null;

  /** null when the host is not Linux-like (no /proc) or answered something else. */
  read(text: string): HostUsage | null {
    const lines = text.split('\n');
    const load1 = Number(lines[0]?.split(/\s+/)[0]);
    const cpus = Number(lines[1]?.trim());
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1]);
    const total = kb('MemTotal');
    const available = kb('MemAvailable');
    if (!Number.isFinite(load1) || !(cpus > 0) || !Number.isFinite(total) || !Number.isFinite(available)) return null;
    const now = cpuCounters(text);
    const before = this.previous;
    this.previous = now;
    const busyShare = now && before && now.total > before.total ? (now.busy - before.busy) / (now.total - before.total) : Math.min(1, load1 / cpus);
    return { cpuPercent: Math.round(Math.min(1, Math.max(0, busyShare)) * 1000) / 10, memoryMb: Math.round((total - available) / 1024) };
  }
}

/** /proc/stat's aggregate line: user nice system idle iowait irq softirq steal …; idle and iowait are not busy. */
function cpuCounters(text: string): CpuCounters | null {
  const m = /^cpu\s+([\d\s]+)$/m.exec(text);
  if (!m) return null;
  const n = m[1]!.trim().split(/\s+/).map(Number);
  if (n.length < 4 || n.some((x) => !Number.isFinite(x))) return null;
  // guest and guest_nice (9th, 10th) are already counted in user and nice.
  const counted = n.slice(0, 8);
  const total = counted.reduce((a, b) => a + b, 0);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  return { busy: total - idle, total };
}
