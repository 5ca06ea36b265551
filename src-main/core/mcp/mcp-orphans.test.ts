// An MCP stdio server that ignores the end of its input outlives a Shoal that was killed: the next
// Shoal to start ends it, found by the owner its environment names, and leaves the servers of a
// Shoal that still runs alone. Real processes throughout (Linux: /proc).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, processStartTime } from '../fleet/process-tree';
import { runtimeHarness, until, type RuntimeHarness } from '../test-support/runtime-core';
import { MCP_OWNER_VAR, mcpOwnerValue } from './mcp-orphans';

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-support/mcp-test-server.mjs');
const harnesses: RuntimeHarness[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A process that stands for a server left by the Shoal `owner` names ("pid@start"). */
function serverOf(owner: string, seconds: string): ChildProcess {
  const child = spawn('sleep', [seconds], { env: { ...process.env, [MCP_OWNER_VAR]: owner }, stdio: 'ignore' });
  children.push(child);
  return child;
}

describe.runIf(fs.existsSync('/proc/self/environ'))('MCP servers left by a Shoal that was killed', () => {
  it('carry their Shoal in their environment', async () => {
    const h = await runtimeHarness();
    harnesses.push(h);
    h.core.runtime.mcpConfig.save({ name: 'good', transport: 'stdio', command: process.execPath, args: [SERVER] });
    h.core.start();
    await until(() => h.core.runtime.mcp.summary(), 30_000, 'startup summary');
    const pid = h.core.runtime.mcp.list().find((s) => s.config.name === 'good')!.pid!;
    expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`${MCP_OWNER_VAR}=${mcpOwnerValue()}`);
  });

  it('are ended when the next Shoal starts; those of a Shoal still running are not', async () => {
    // A Shoal that was killed: its pid and start time, then it is gone.
    const dead = spawn('sleep', ['60'], { stdio: 'ignore' });
    const deadOwner = `${dead.pid}@${processStartTime(dead.pid!)}`;
    dead.kill('SIGKILL');
    await new Promise((r) => dead.once('exit', r));
    // One still running (another Shoal on this machine).
    const live = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(live);
    const liveOwner = `${live.pid}@${processStartTime(live.pid!)}`;
    // A recycled pid: the number lives, but it is not the process that started the server.
    const recycled = `${live.pid}@1`;

    const orphan = serverOf(deadOwner, '58.71');
    const other = serverOf(liveOwner, '58.72');
    const stale = serverOf(recycled, '58.73');
    await until(() => [orphan, other, stale].every((c) => c.pid && isAlive(c.pid)) || null, 5_000, 'the servers started');

    const h = await runtimeHarness();
    harnesses.push(h);
    h.core.start();
    await until(() => h.core.runtime.mcp.summary(), 30_000, 'startup summary');
    await until(() => (!isAlive(orphan.pid!) && !isAlive(stale.pid!)) || null, 5_000, 'the orphaned servers ended');
    expect(isAlive(other.pid!)).toBe(true);
  });
});
