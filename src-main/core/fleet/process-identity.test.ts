// Process identity without /proc: the `ps` path (macOS, BSDs) tells a live process from a dead one
// and a recycled pid from the process that was recorded — the same answers as /proc gives on Linux.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../test-support/wait-for';
import { isAlive, isSameProcess, processStartTime, type StartTimeSource } from './process-tree';

const sources: StartTimeSource[] = process.platform === 'win32' ? ['windows'] : process.platform === 'linux' ? ['proc', 'ps'] : ['ps'];

describe.each(sources)('process identity via %s', (source) => {
  it('a live process keeps its start time; a dead one has none and is not alive', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const pid = child.pid!;
    const start = processStartTime(pid, source);
    expect(start).not.toBeNull();
    expect(processStartTime(pid, source)).toBe(start);
    expect(isAlive(pid)).toBe(true);
    expect(isSameProcess(pid, start, source)).toBe(true);
    // Another process's start time under this pid: a recycled pid is not the recorded process.
    const other = processStartTime(1, source)!; // init: started long before the child
    expect(other).not.toBe(start);
    expect(isSameProcess(pid, other, source)).toBe(false);
    child.kill('SIGKILL');
    await waitFor('the child to exit', () => child.exitCode !== null || child.signalCode !== null);
    expect(isAlive(pid)).toBe(false);
    expect(processStartTime(pid, source)).toBeNull();
    expect(isSameProcess(pid, start, source)).toBe(false);
  });
});

it('no pid, or nonsense, is never alive', () => {
  expect(isAlive(0)).toBe(false);
  expect(isAlive(-1)).toBe(false);
  expect(isAlive(2 ** 22 + 7)).toBe(false);
});
