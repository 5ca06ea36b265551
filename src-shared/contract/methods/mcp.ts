// MCP servers started with Shoal; their tools are offered to threads and agents through the tool
// gateway. Environment values and headers are secrets: they go in, and only their names come out.
import { z } from 'zod';
import { defineMethod } from '../define';
import { McpServerViewSchema, McpStatusSchema } from '../runtime-views';
import { Ok } from './common';

/** Values by name; null keeps the stored value, a name left out is removed. */
const SecretMap = z.record(z.string().max(200), z.string().max(10_000).nullable());
const ServerName = z.string().max(40);

export const McpServerInputSchema = z.discriminatedUnion('transport', [
  z.object({
    name: ServerName, transport: z.literal('stdio'), command: z.string().max(4096), args: z.array(z.string().max(4096)).max(200).optional(),
    cwd: z.string().max(4096).nullable().optional(), enabled: z.boolean().optional(), env: SecretMap.optional(),
  }).strict(),
  z.object({ name: ServerName, transport: z.literal('http'), url: z.string().max(2000), enabled: z.boolean().optional(), headers: SecretMap.optional() }).strict(),
]);

export const mcpMethods = {
  'mcp.list': defineMethod({ name: 'mcp.list', summary: 'Configured MCP servers with their status and tools, and the startup summary.', input: z.object({}).strict(), output: McpStatusSchema, invalidates: [] }),
  'mcp.save': defineMethod({
    name: 'mcp.save',
    summary: 'Adds or updates an MCP server and (re)starts it.',
    input: z.object({ previousName: ServerName.optional(), server: McpServerInputSchema }).strict(),
    output: McpServerViewSchema,
    invalidates: ['mcp'],
  }),
  'mcp.delete': defineMethod({ name: 'mcp.delete', summary: 'Stops and removes an MCP server.', input: z.object({ name: ServerName }).strict(), output: Ok, invalidates: ['mcp'] }),
  'mcp.restart': defineMethod({ name: 'mcp.restart', summary: 'Restarts an MCP server.', input: z.object({ name: ServerName }).strict(), output: McpServerViewSchema, invalidates: ['mcp'] }),
  'mcp.check': defineMethod({
    name: 'mcp.check',
    summary: 'Connects once with these settings and lists the tools, without saving.',
    input: z.object({ previousName: ServerName.optional(), server: McpServerInputSchema }).strict(),
    output: z.object({ ok: z.boolean(), message: z.string(), tools: z.array(z.string()) }),
    invalidates: [],
  }),
} as const;
