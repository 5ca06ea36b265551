// CPU and memory of an agent and everything it started, for heartbeats. pidtree finds the tree and
// pidusage reads each process's figures on Linux, macOS and Windows alike; a platform or moment
// where that fails sends the heartbeat without figures rather than failing the attempt.
import pidtree from 'pidtree';
import pidusage from 'pidusage';

export interface TreeUsage { cpuPercent: number; memoryMb: number }

export class TreeSampler {
  constructor(private readonly root: number) {}

  async sample(): Promise<TreeUsage | null> {
    try {
      const pids = await pidtree(this.root, { root: true });
      const stats = await pidusage(pids);
      let cpu = 0;
      let bytes = 0;
      for (const s of Object.values(stats)) {
        if (!s) continue;
        cpu += s.cpu;
        bytes += s.memory;
      }
      return { cpuPercent: Math.max(0, Math.round(cpu * 10) / 10), memoryMb: Math.round(bytes / (1024 * 1024)) };
    } catch {
      return null; // the agent ended between the two reads, or the platform has no answer
    }
  }
}
