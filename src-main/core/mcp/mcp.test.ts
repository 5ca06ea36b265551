// MCP servers with a real MCP server process (src-main/core/test-support/mcp-test-server.mjs, built
// with the SDK): startup reports and summary, tools offered through the gateway to threads, secrets
// kept out of views, servers that fail, die or never answer, and the Streamable HTTP transport.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { McpServerView, ThreadResponse } from '../../../src-shared/contract';
import { runtimeHarness, until, type RuntimeHarness } from '../test-support/runtime-core';
import { freePort } from '../test-support/free-port';
import { tempDir } from '../test-support/temp-core';

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-support/mcp-test-server.mjs');
const harnesses: RuntimeHarness[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function harness(): Promise<RuntimeHarness> {
  const h = await runtimeHarness();
  harnesses.push(h);
  return h;
}

const stdio = (name: string, extra: string[] = [], env?: Record<string, string | null>) =>
  ({ name, transport: 'stdio' as const, command: process.execPath, args: [SERVER, ...extra], ...(env ? { env } : {}) });

function statusOf(h: RuntimeHarness, name: string): string | undefined {
  return h.core.runtime.mcp.list().find((s) => s.config.name === name)?.status;
}

describe('MCP servers', () => {
  it('start with Shoal, report starting then ready, and a summary of ready, failed and cancelled', async () => {
    const h = await harness();
    h.core.runtime.mcpConfig.save(stdio('good'));
    h.core.runtime.mcpConfig.save(stdio('broken', ['--broken']));
    h.core.runtime.mcpConfig.save({ ...stdio('off'), enabled: false });
    h.core.start();
    const summary = await until(() => h.core.runtime.mcp.summary(), 30_000, 'startup summary');
    expect(summary.ready).toEqual(['good']);
    expect(summary.cancelled).toEqual([]);
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]!.server_name).toBe('broken');
    expect(summary.failed[0]!.error).toContain('missing configuration file shoal-test.toml');

    const updates = h.frames.map((f) => f.frame).filter((f) => f.event === 'mcp_startup_update').map((f) => f.event === 'mcp_startup_update' && [f.update.server_name, f.update.status]);
    expect(updates.filter((u) => u && u[0] === 'good')).toEqual([['good', 'starting'], ['good', 'ready']]);
    expect(updates.filter((u) => u && u[0] === 'broken')).toEqual([['broken', 'starting'], ['broken', 'failed']]);
    expect(h.frames.at(-1)!.frame).toEqual({ event: 'mcp_startup_complete', summary });

    const listed = await h.call<{ servers: McpServerView[]; summary: unknown }>('mcp.list', {});
    expect(listed.summary).toEqual(summary);
    expect(listed.servers.map((s) => [s.name, s.status])).toEqual([['good', 'ready'], ['broken', 'failed'], ['off', 'disabled']]);
    expect(listed.servers[0]!.tools.map((t) => t.name)).toEqual(['echo', 'add', 'env', 'fail', 'write_note']);
  });

  it('offers its tools to threads through the gateway, named <server>__<tool>', async () => {
    const h = await harness();
    await h.call('mcp.save', { server: stdio('test') });
    expect(statusOf(h, 'test')).toBe('ready');
    const names = h.core.tools.listTools({ kind: 'thread', threadId: 'x', turnId: 'y', workdir: '/tmp' }).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['exec_shell', 'test__echo', 'test__add']));

    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const accepted = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'call test__add {"a": 2, "b": 40}' });
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === accepted.responseId));
    const messages = h.core.runtime.readThread(t).data.history!;
    expect(messages.find((m) => m.role === 'tool_result')?.item).toMatchObject({ tool: 'test__add', status: 'completed', output: '42' });
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', content: 'The tool said: 42' });
    // The model was offered the server's tools with their schemas.
    const offered = h.chat.requests.find((r) => r.path === '/v1/chat/completions')!.body!.tools!;
    expect(offered.find((o) => o.function.name === 'test__echo')?.function.parameters).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
  });

  it('caps a tool\'s huge output before it reaches the model and the store, and says how much there was', async () => {
    const h = await harness();
    await h.call('mcp.save', { server: stdio('big', ['--huge']) });
    expect(statusOf(h, 'big')).toBe('ready');
    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const total = 3 * 1024 * 1024;
    const accepted = await h.call<ThreadResponse>('threads.message', { threadId: t, input: `call big__huge {"bytes": ${total}}` });
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === accepted.responseId), 30_000, 'the reply');
    const result = h.core.runtime.readThread(t).data.history!.find((m) => m.role === 'tool_result')!;
    const output = String(result.item!.output);
    expect(result.item).toMatchObject({ tool: 'big__huge', status: 'completed' });
    expect(output.length).toBeLessThan(70 * 1024);
    expect(output).toMatch(new RegExp(`\\[output truncated: ${total} bytes; the first 65536 are shown\\]$`));
    expect(output).not.toContain('TAIL');
    // The stored row and the model's context hold the capped text, not megabytes.
    const stored = h.core.store.db.prepare("SELECT MAX(LENGTH(content)) AS n FROM messages WHERE thread_id = ? AND role = 'tool_result'").get(t) as { n: number };
    expect(stored.n).toBeLessThan(70 * 1024);
    const toModel = h.chat.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body!.messages.at(-1)!;
    expect(toModel.role).toBe('tool');
    expect(JSON.stringify(toModel.content).length).toBeLessThan(70 * 1024);
    // A small answer is untouched.
    const small = await h.core.tools.invoke({ tool: 'big__huge', arguments: { bytes: 10 }, callId: 'c2', scope: { kind: 'thread', threadId: t, turnId: 'u', workdir: '/tmp' } });
    expect(small).toMatchObject({ status: 'completed', output: 'xxxxxxTAIL' });
  });

  it('offers its tools to a fleet agent through the gateway\'s MCP endpoint', async () => {
    const h = await harness();
    await h.call('mcp.save', { server: stdio('test') });
    const session = await h.core.tools.openAttempt({
      scope: { kind: 'task', runId: 'run-x', taskId: 'task-x', attempt: 1, workdir: os.tmpdir() }, metadata: {}, env: {}, record: () => {},
    });
    const client = new Client({ name: 'agent', version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(session.url)));
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['exec_shell', 'test__echo', 'test__add']));
      const result = await client.callTool({ name: 'test__echo', arguments: { text: 'from an agent' } });
      expect(JSON.stringify(result.content)).toContain('echo: from an agent');
    } finally {
      await client.close();
      session.close();
    }
  });

  it('keeps environment values secret: the server gets them, views only show the names', async () => {
    const h = await harness();
    const saved = await h.call<McpServerView>('mcp.save', { server: stdio('envy', [], { SHOAL_TEST_SECRET: 'tok-123-secret' }) });
    expect(saved.envKeys).toEqual(['SHOAL_TEST_SECRET']);
    expect(JSON.stringify(saved)).not.toContain('tok-123-secret');
    expect(JSON.stringify(await h.call('mcp.list', {}))).not.toContain('tok-123-secret');
    const settings = (h.core.store.db.prepare('SELECT value FROM settings').all() as Array<{ value: string }>).map((r) => r.value).join('\n');
    expect(settings).not.toContain('tok-123-secret');
    const provider = h.core.tools.listTools({ kind: 'thread', threadId: 'x', turnId: 'y', workdir: '/tmp' });
    expect(provider.some((p) => p.name === 'envy__env')).toBe(true);

    const t = (await h.call<ThreadResponse>('threads.create', {})).threadId;
    const accepted = await h.call<ThreadResponse>('threads.message', { threadId: t, input: 'call envy__env {"name": "SHOAL_TEST_SECRET"}' });
    await until(() => h.frames.some((f) => f.frame.event === 'response_end' && f.frame.response_id === accepted.responseId));
    expect(h.core.runtime.readThread(t).data.history!.find((m) => m.role === 'tool_result')?.item).toMatchObject({ output: 'tok-123-secret' });

    // Editing without the values (the UI never has them) keeps them; null keeps one, leaving it out drops it.
    await h.call('mcp.save', { previousName: 'envy', server: { ...stdio('envy'), args: [SERVER] } });
    expect(h.core.runtime.mcpConfig.launch(h.core.runtime.mcpConfig.get('envy')!).env).toEqual({ SHOAL_TEST_SECRET: 'tok-123-secret' });
    await h.call('mcp.save', { previousName: 'envy', server: stdio('envy', [], { SHOAL_TEST_SECRET: null, OTHER: 'x' }) });
    expect(h.core.runtime.mcpConfig.launch(h.core.runtime.mcpConfig.get('envy')!).env).toEqual({ SHOAL_TEST_SECRET: 'tok-123-secret', OTHER: 'x' });
    await h.call('mcp.save', { previousName: 'envy', server: stdio('envy', [], {}) });
    expect(h.core.runtime.mcpConfig.get('envy')).toMatchObject({ envKeys: [] });
  });

  it('never hands stored secrets to another program or server: a changed command, args or URL needs them given again', async () => {
    const h = await harness();
    await h.call('mcp.save', { server: stdio('envy', [], { SHOAL_TEST_SECRET: 'tok-123-secret' }) });
    // A program that writes out the environment it was given.
    const dir = tempDir('shoal-mcp-');
    const spy = path.join(dir, 'spy.mjs');
    const seen = path.join(dir, 'seen.txt');
    fs.writeFileSync(spy, `import fs from 'node:fs'; fs.writeFileSync(${JSON.stringify(seen)}, String(process.env.SHOAL_TEST_SECRET)); process.exit(1);`);
    const before = h.core.runtime.mcpConfig.get('envy');
    const refused = /^env\.SHOAL_TEST_SECRET: give the value again when you change command or args/;
    for (const server of [{ ...stdio('envy'), args: [spy] }, { ...stdio('envy', [], { SHOAL_TEST_SECRET: null }), args: [spy] }, { ...stdio('envy'), command: 'node-typo' }]) {
      await expect(h.call('mcp.save', { previousName: 'envy', server })).rejects.toThrow(refused);
      await expect(h.call('mcp.check', { previousName: 'envy', server })).rejects.toThrow(refused);
    }
    expect(fs.existsSync(seen)).toBe(false);
    expect(h.core.runtime.mcpConfig.get('envy')).toEqual(before);
    expect(h.core.runtime.mcpConfig.launch(before!).env).toEqual({ SHOAL_TEST_SECRET: 'tok-123-secret' });
    // Given again, or dropped, the change is accepted.
    await h.call('mcp.save', { previousName: 'envy', server: { ...stdio('envy', [], { SHOAL_TEST_SECRET: 'for-the-spy' }), args: [spy] } });
    await until(() => fs.existsSync(seen) && fs.readFileSync(seen, 'utf8'), 20_000, 'the spy ran');
    expect(fs.readFileSync(seen, 'utf8')).toBe('for-the-spy');
    await h.call('mcp.save', { previousName: 'envy', server: { ...stdio('envy', [], {}), args: [spy, '--again'] } });
    expect(h.core.runtime.mcpConfig.get('envy')).toMatchObject({ envKeys: [] });

    // Headers of an HTTP server: the same rule for a URL on another host or port.
    const heard: Array<string | undefined> = [];
    const other = http.createServer((req, res) => {
      heard.push(req.headers['x-token'] as string | undefined);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${await freePort()}/mcp`;
      await h.call('mcp.save', { server: { name: 'web', transport: 'http', url, enabled: false, headers: { 'x-token': 'hdr-secret-1' } } });
      const moved = { name: 'web', transport: 'http', url: `http://127.0.0.1:${(other.address() as AddressInfo).port}/mcp`, enabled: false };
      const noHeader = /^headers\.x-token: give the value again when you change url/;
      await expect(h.call('mcp.check', { previousName: 'web', server: moved })).rejects.toThrow(noHeader);
      await expect(h.call('mcp.save', { previousName: 'web', server: { ...moved, headers: { 'x-token': null } } })).rejects.toThrow(noHeader);
      expect(heard).toEqual([]);
      // Another path on the same server keeps them.
      await h.call('mcp.save', { previousName: 'web', server: { name: 'web', transport: 'http', url: `${url}/v2`, enabled: false } });
      expect(h.core.runtime.mcpConfig.launch(h.core.runtime.mcpConfig.get('web')!).headers).toEqual({ 'x-token': 'hdr-secret-1' });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('reports a server that dies after starting as failed and withdraws its tools', async () => {
    const h = await harness();
    await h.call('mcp.save', { server: stdio('brief', ['--exit-after-ms', '1500']) });
    expect(statusOf(h, 'brief')).toBe('ready');
    await until(() => statusOf(h, 'brief') === 'failed', 20_000, 'failed status');
    const view = h.core.runtime.mcp.list()[0]!;
    expect(view.error).toContain('shutting down on purpose');
    expect(h.core.tools.listTools({ kind: 'thread', threadId: 'x', turnId: 'y', workdir: '/tmp' }).some((t) => t.name.startsWith('brief__'))).toBe(false);
    const restarted = await h.call<McpServerView>('mcp.restart', { name: 'brief' });
    expect(restarted.status).toBe('ready');
  });

  it('cancels a server still starting when Shoal shuts down', async () => {
    const h = await harness();
    // A program that never speaks MCP: it stays "starting" until cancelled.
    h.core.runtime.mcpConfig.save({ name: 'silent', transport: 'stdio', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });
    const startup = h.core.runtime.mcpStartup();
    await until(() => statusOf(h, 'silent') === 'starting');
    await h.core.runtime.mcp.stopAll();
    const summary = await startup;
    expect(summary).toEqual({ ready: [], failed: [], cancelled: ['silent'] });
  });

  it('checks a connection without saving, and says why one fails', async () => {
    const h = await harness();
    const ok = await h.call<{ ok: boolean; message: string; tools: string[] }>('mcp.check', { server: stdio('probe') });
    expect(ok).toMatchObject({ ok: true, tools: ['echo', 'add', 'env', 'fail', 'write_note'] });
    expect(ok.message).toMatch(/^Connected: 5 tools/);
    expect(h.core.runtime.mcp.list()).toEqual([]);
    const missing = await h.call<{ ok: boolean; message: string }>('mcp.check', { server: { name: 'nope', transport: 'stdio', command: 'shoal-no-such-program' } });
    expect(missing.ok).toBe(false);
    expect(missing.message).toMatch(/not found|ENOENT/);
    const noFolder = path.join(tempDir('shoal-mcp-'), 'gone');
    const misplaced = await h.call<{ ok: boolean; message: string }>('mcp.check', { server: { ...stdio('probe'), cwd: noFolder } });
    expect(misplaced).toMatchObject({ ok: false, message: `Could not connect: could not start it: its working folder ${noFolder} does not exist` });
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const refused = await h.call<{ ok: boolean; message: string }>('mcp.check', { server: { name: 'web', transport: 'http', url } });
    expect(refused).toMatchObject({ ok: false, message: `Could not connect: nothing is listening at ${url}` });
    await expect(h.call('mcp.save', { server: { name: 'bad name!', transport: 'stdio', command: 'x' } })).rejects.toThrow(/^name: use 1-40 letters/);
    await expect(h.call('mcp.save', { server: { name: 'x', transport: 'http', url: 'ftp://x' } })).rejects.toThrow(/url: must start with http/);
    // A relative folder would be taken from wherever Shoal runs.
    await expect(h.call('mcp.save', { server: { ...stdio('rel'), cwd: 'servers/rel' } })).rejects.toThrow(/^cwd: must be an absolute path, got "servers\/rel"/);
    await expect(h.call('mcp.check', { server: { ...stdio('rel'), cwd: '~/servers' } })).rejects.toThrow(/^cwd: must be an absolute path/);
    expect(h.core.runtime.mcp.list()).toEqual([]);
  });

  it('connects to a server over Streamable HTTP with secret headers', async () => {
    const child = spawn(process.execPath, [SERVER, '--http'], { env: { ...process.env, TEST_TOKEN: 'hdr-secret' }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const port = await new Promise<number>((resolve) => child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    }));
    const h = await harness();
    const url = `http://127.0.0.1:${port}/mcp`;
    const refused = await h.call<{ ok: boolean }>('mcp.check', { server: { name: 'web', transport: 'http', url, headers: { 'x-test-token': 'wrong' } } });
    expect(refused.ok).toBe(false);
    const saved = await h.call<McpServerView>('mcp.save', { server: { name: 'web', transport: 'http', url, headers: { 'x-test-token': 'hdr-secret' } } });
    expect(saved).toMatchObject({ status: 'ready', headerKeys: ['x-test-token'], url });
    const result = await h.core.tools.invoke({ tool: 'web__echo', arguments: { text: 'over http' }, callId: 'c1', scope: { kind: 'thread', threadId: 't', turnId: 'u', workdir: '/tmp' } });
    expect(result).toMatchObject({ status: 'completed', output: 'echo: over http' });
  });

  it('never shows or logs a secret value a server repeats in its error', async () => {
    const logged: string[] = [];
    const h = await runtimeHarness({ log: (m) => logged.push(m) });
    harnesses.push(h);
    // A stdio server that prints its token on stderr, then dies: once at startup, once after it was ready.
    const script = path.join(tempDir('shoal-mcp-'), 'leaky.mjs');
    fs.writeFileSync(script, `process.stderr.write('using token ' + process.env.MY_TOKEN + '\\n'); process.exit(2);`);
    const failed = await h.call<McpServerView>('mcp.save', { server: { name: 'leaky', transport: 'stdio', command: process.execPath, args: [script], env: { MY_TOKEN: 'env-secret-7777' } } });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('its stderr said: using token');
    expect(failed.error).not.toContain('env-secret-7777');
    await h.call('mcp.save', { server: stdio('brief', ['--exit-after-ms', '1000'], { SHOAL_TEST_SECRET: 'shutting' }) });
    await until(() => statusOf(h, 'brief') === 'failed', 20_000, 'failed status');
    expect(JSON.stringify(await h.call('mcp.list', {}))).not.toMatch(/env-secret-7777|shutting down/);
    expect(logged.join('\n')).not.toMatch(/env-secret-7777|shutting down/);

    // An HTTP server that answers with the header it was sent.
    const echo = http.createServer((req, res) => res.writeHead(401).end(`bad token ${String(req.headers['x-token'])}`));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/mcp`;
      const check = await h.call<{ ok: boolean; message: string }>('mcp.check', { server: { name: 'web', transport: 'http', url, headers: { 'x-token': 'hdr-secret-9999' } } });
      expect(check.ok).toBe(false);
      expect(check.message).toContain('bad token');
      expect(check.message).not.toContain('hdr-secret-9999');
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });
});
