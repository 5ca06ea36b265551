// Heartbeat figures cover the agent's whole tree, not only the process Shoal started.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TreeSampler } from './tree-usage';

describe('TreeSampler', () => {
  it('counts the memory of a child the agent started, and answers null once the tree is gone', async () => {
    // A shell whose child holds ~64 MB: the shell alone is a few MB.
    const agent = spawn('sh', ['-c', `node -e "const b = Buffer.alloc(64 * 1024 * 1024, 1); setTimeout(() => b, 60000)" & wait`], { stdio: 'ignore', detached: true });
    try {
      const sampler = new TreeSampler(agent.pid!);
      let usage = await sampler.sample();
      for (let i = 0; i < 100 && (usage?.memoryMb ?? 0) < 64; i++) {
        await new Promise((r) => setTimeout(r, 50));
        usage = await sampler.sample();
      }
      expect(usage!.memoryMb).toBeGreaterThanOrEqual(64);
      expect(usage!.cpuPercent).toBeGreaterThanOrEqual(0);
    } finally {
      process.kill(-agent.pid!, 'SIGKILL'); // the whole group: the child must not outlive the test
    }
    await new Promise((r) => agent.once('exit', r));
    await new Promise((r) => setTimeout(r, 100));
    expect(await new TreeSampler(agent.pid!).sample()).toBeNull();
  });
});
