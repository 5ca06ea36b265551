import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HOST_LOAD, HostLoadSampler } from './host-load';

const mem = 'MemTotal:        8192000 kB\nMemAvailable:    2048000 kB\n';

describe('an SSH host\'s load for heartbeats', () => {
  it('reads the CPUs\' busy share between two samples and the memory in use', () => {
    const s = new HostLoadSampler();
    // Before any previous sample: the load average per CPU.
    expect(s.read(`3.00 1.50 1.00 2/345 6789\n4\n${mem}cpu  100 0 100 800 0 0 0 0 0 0\n`)).toEqual({ cpuPercent: 75, memoryMb: 6000 });
    // 300 of the next 1000 ticks busy (user, system), 700 idle.
    expect(s.read(`3.00 1.50 1.00 2/345 6789\n4\n${mem}cpu  300 0 200 1500 0 0 0 0 0 0\n`)).toEqual({ cpuPercent: 30, memoryMb: 6000 });
  });

  it('never reads over 100 %: a load above the CPU count is capped on the first sample', () => {
    expect(new HostLoadSampler().read(`9.00 8.00 7.00 9/345 6789\n2\n${mem}`)).toEqual({ cpuPercent: 100, memoryMb: 6000 });
  });

  it('has no figures for a host without /proc', () => {
    expect(new HostLoadSampler().read('cat: /proc/loadavg: No such file or directory\n8\n')).toBeNull();
  });

  it('reads this Linux machine\'s own /proc with the command sent to hosts', () => {
    const s = new HostLoadSampler();
    const run = () => execFileSync('sh', ['-c', HOST_LOAD], { encoding: 'utf8' });
    s.read(run());
    execFileSync('sh', ['-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done']);
    const usage = s.read(run())!;
    expect(usage.cpuPercent).toBeGreaterThan(0);
    expect(usage.cpuPercent).toBeLessThanOrEqual(100);
    expect(usage.memoryMb).toBeGreaterThan(0);
  });
});
