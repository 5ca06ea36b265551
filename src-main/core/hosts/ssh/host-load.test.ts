import { describe, expect, it } from 'vitest';
import { parseHostLoad } from './host-load';

describe('an SSH host\'s load for heartbeats', () => {
  it('reads the load average per CPU and the memory in use', () => {
    const text = '3.00 1.50 1.00 2/345 6789\n4\nMemTotal:        8192000 kB\nMemAvailable:    2048000 kB\n';
    expect(parseHostLoad(text)).toEqual({ cpuPercent: 75, memoryMb: 6000 });
  });

  it('has no figures for a host without /proc', () => {
    expect(parseHostLoad('cat: /proc/loadavg: No such file or directory\n8\n')).toBeNull();
  });
});
