// An attempt whose files are on another host (an SSH host, a container on another machine) is not
// offered the gateway's built-in file and shell tools: they run on Shoal's computer, against its
// copy of the worktree, not where the agent's files are. Real endpoint, the SDK's MCP client.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();

async function endpoint(remoteFiles: boolean) {
  const c = makeCore();
  const dir = tempDir();
  const session = await c.tools.openAttempt({
    scope: { kind: 'task', runId: `run-${String(remoteFiles)}`, taskId: 't', attempt: 1, workdir: dir }, metadata: {},
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, record: () => {}, ...(remoteFiles ? { remoteFiles: true } : {}),
  });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(session.url)));
  return {
    dir, client, close: async () => {
      await client.close();
      session.close();
    },
  };
}

describe('the tools an attempt endpoint offers', () => {
  it('on another host: the permission prompt, not the built-in tools, and calling one anyway runs nothing here', async () => {
    const { dir, client, close } = await endpoint(true);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('approval_prompt');
      for (const builtin of ['exec_shell', 'read_file', 'write_file']) expect(names).not.toContain(builtin);
      const r = await client.callTool({ name: 'exec_shell', arguments: { command: 'touch made-here.txt' } });
      expect(r.isError).toBe(true);
      expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(/^exec_shell: not offered to an attempt on another host/);
      expect(fs.existsSync(path.join(dir, 'made-here.txt'))).toBe(false);
    } finally {
      await close();
    }
  });

  it('on this computer: the built-in tools too', async () => {
    const { dir, client, close } = await endpoint(false);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['approval_prompt', 'exec_shell', 'read_file', 'write_file']));
      const r = await client.callTool({ name: 'exec_shell', arguments: { command: 'touch made-here.txt' } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect(fs.existsSync(path.join(dir, 'made-here.txt'))).toBe(true);
    } finally {
      await close();
    }
  });
});
