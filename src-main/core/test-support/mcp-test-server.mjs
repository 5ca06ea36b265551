#!/usr/bin/env node
/* global process, setTimeout */
// A small, real MCP server for tests, built with the SDK: stdio by default, Streamable HTTP on
// 127.0.0.1 with --http (it prints `listening <port>`). Tools: echo, add, env (reads one of its
// environment variables), fail (an error result), write_note (writes a file in its cwd).
// --exit-after-ms N makes it exit on its own (a server that dies after starting); --broken exits
// at once with a message on stderr (a server that cannot start). --huge adds the tool huge, which
// answers with `bytes` bytes of text (a tool whose output is far too big for a model's context).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? '') : null;
};

if (args.includes('--broken')) {
  process.stderr.write('fatal: missing configuration file shoal-test.toml\n');
  process.exit(3);
}

function server() {
  const s = new McpServer({ name: 'shoal-test', version: '1.0.0' });
  s.registerTool('echo', { description: 'Echoes the text back', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
  s.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  s.registerTool('env', { description: 'Reads an environment variable of the server', inputSchema: { name: z.string() } },
    async ({ name }) => ({ content: [{ type: 'text', text: process.env[name] ?? '(unset)' }] }));
  s.registerTool('fail', { description: 'Always fails', inputSchema: {} },
    async () => ({ content: [{ type: 'text', text: 'this tool always fails' }], isError: true }));
  s.registerTool('write_note', { description: 'Writes a note file in the working directory', inputSchema: { path: z.string(), text: z.string() } },
    async ({ path: file, text }) => {
      fs.writeFileSync(path.resolve(process.cwd(), file), text);
      return { content: [{ type: 'text', text: `wrote ${file}` }] };
    });
  if (args.includes('--huge')) {
    s.registerTool('huge', { description: 'Answers with that many bytes of text', inputSchema: { bytes: z.number() } },
      async ({ bytes }) => ({ content: [{ type: 'text', text: 'x'.repeat(bytes - 4) + 'TAIL' }] }));
  }
  return s;
}

const exitAfter = flag('--exit-after-ms');
if (exitAfter) setTimeout(() => {
  process.stderr.write('shutting down on purpose\n');
  process.exit(7);
}, Number(exitAfter)).unref?.();

if (args.includes('--http')) {
  const httpServer = http.createServer(async (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      if (req.headers['x-test-token'] !== (process.env.TEST_TOKEN ?? req.headers['x-test-token'])) {
        res.writeHead(401).end('bad token');
        return;
      }
      // Stateless: a fresh server and transport per request, as the SDK's examples do.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const s = server();
      res.on('close', () => {
        void transport.close();
        void s.close();
      });
      await s.connect(transport);
      await transport.handleRequest(req, res, body ? JSON.parse(body) : undefined);
    });
  });
  httpServer.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${httpServer.address().port}\n`));
} else {
  await server().connect(new StdioServerTransport());
}
