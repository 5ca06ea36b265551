// One live connection to an MCP server through the SDK's Client: a child process over stdio, or a
// Streamable HTTP endpoint. Knows the server's tools (refreshed when it says they changed), calls
// them, notices when the server goes away, and keeps the tail of a stdio server's stderr so a
// failure can say why.
import fs from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ToolDescriptor } from '../tools/tool-gateway';
import type { McpLaunch } from './mcp-config';
import { hideSecrets } from '../providers/hide-secrets';
import { MCP_OWNER_VAR, mcpOwnerValue } from './mcp-orphans';

const STDERR_TAIL = 2000;
/** What one tool call may put into a model's context and the store: a tool that answers with
 *  megabytes would otherwise fill both (and every later request of the conversation). */
export const MAX_TOOL_OUTPUT_BYTES = 64 * 1024;

/** The text, or its first `max` bytes (UTF-8) followed by a marker saying how big it was. */
export function capToolOutput(text: string, max = MAX_TOOL_OUTPUT_BYTES): string {
  if (text.length <= max / 4) return text;
  const bytes = Buffer.byteLength(text);
  if (bytes <= max) return text;
  // A cut in the middle of a character decodes as U+FFFD: drop it rather than show garbage.
  const head = Buffer.from(text).subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '');
  return `${head}\n[output truncated: ${bytes} bytes; the first ${max} are shown]`;
}

export interface McpTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export class McpConnection {
  tools: McpTool[] = [];
  private stderrTail = '';
  private closedByUs = false;
  private closeListeners = new Set<(error: string) => void>();

  private constructor(readonly config: McpLaunch, private readonly client: Client, private readonly transport: Transport) {}

  /** Connects, initializes and lists the tools, or throws with the reason (stderr included). */
  static async open(config: McpLaunch, opts: { version: string; timeoutMs: number; signal?: AbortSignal; onToolsChanged?: () => void }): Promise<McpConnection> {
    const transport: Transport = config.transport === 'stdio'
      ? new StdioClientTransport({ command: config.command, args: config.args, env: { ...getDefaultEnvironment(), ...config.env, [MCP_OWNER_VAR]: mcpOwnerValue() }, cwd: config.cwd ?? undefined, stderr: 'pipe' })
      : new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
    const client = new Client({ name: 'shoal', version: opts.version }, { capabilities: {} });
    const conn = new McpConnection(config, client, transport);
    if (transport instanceof StdioClientTransport) {
      transport.stderr?.on('data', (chunk: Buffer) => {
        conn.stderrTail = (conn.stderrTail + chunk.toString()).slice(-STDERR_TAIL);
      });
    }
    client.onclose = () => {
      if (conn.closedByUs) return;
      const why = conn.redact(conn.describeExit('the server closed the connection'));
      for (const l of conn.closeListeners) l(why);
    };
    try {
      await withTimeout(client.connect(transport, { timeout: opts.timeoutMs, signal: opts.signal }), opts.timeoutMs, opts.signal,
        `did not finish starting within ${Math.round(opts.timeoutMs / 1000)} s`);
      await conn.refreshTools(opts.timeoutMs);
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        await conn.refreshTools(opts.timeoutMs).catch(() => undefined);
        opts.onToolsChanged?.();
      });
      return conn;
    } catch (error) {
      await conn.close();
      throw new Error(conn.redact(conn.describeExit(describeError(error, config))));
    }
  }

  onClose(listener: (error: string) => void): void {
    this.closeListeners.add(listener);
  }

  get pid(): number | null {
    return this.transport instanceof StdioClientTransport ? this.transport.pid : null;
  }

  async refreshTools(timeoutMs: number): Promise<void> {
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
      for (const t of page.tools) tools.push({ name: t.name, description: t.description ?? '', inputSchema: t.inputSchema as Record<string, unknown> });
      cursor = page.nextCursor;
    } while (cursor);
    this.tools = tools;
  }

  descriptors(prefix: string): ToolDescriptor[] {
    return this.tools.map((t) => ({ name: `${prefix}__${t.name}`, description: t.description ? `[${prefix}] ${t.description}` : `Tool ${t.name} of the MCP server ${prefix}`, inputSchema: t.inputSchema }));
  }

  async call(tool: string, args: Record<string, unknown>, signal?: AbortSignal, timeoutMs = 10 * 60_000): Promise<{ output: string; isError: boolean }> {
    const result = await this.client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: timeoutMs });
    const parts = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
    const text = parts.map((p) => {
      if (p.type === 'text') return String(p.text ?? '');
      if (p.type === 'resource') {
        const r = p.resource as { text?: string; uri?: string } | undefined;
        return r?.text ?? `[resource ${r?.uri ?? ''}]`;
      }
      if (p.type === 'resource_link') return `[resource ${String(p.uri ?? '')}]`;
      return `[${String(p.type)} content]`;
    }).join('\n');
    const structured = !text && result.structuredContent ? JSON.stringify(result.structuredContent) : '';
    return { output: capToolOutput(text || structured), isError: result.isError === true };
  }

  async close(): Promise<void> {
    this.closedByUs = true;
    await this.client.close().catch(() => undefined);
  }

  /** A reason shown in Settings and written to the log must not carry the server's secret
   *  environment values or headers, even when the server itself repeats them (stderr, a 401 body). */
  private redact(text: string): string {
    // Very short values (a flag like "1") are not secrets, and hiding them would garble the text.
    return hideSecrets(text, [...Object.values(this.config.env), ...Object.values(this.config.headers)].filter((v) => v.length >= 4), '[secret]');
  }

  private describeExit(reason: string): string {
    const tail = this.stderrTail.trim().split('\n').slice(-5).join('\n').trim();
    return tail ? `${reason}; its stderr said: ${tail}` : reason;
  }
}

function describeError(error: unknown, config: McpLaunch): string {
  const e = error as NodeJS.ErrnoException;
  // spawn reports a missing working folder as the command not being found.
  if (e?.code === 'ENOENT' && config.transport === 'stdio' && config.cwd && !fs.existsSync(config.cwd)) return `could not start it: its working folder ${config.cwd} does not exist`;
  if (e?.code === 'ENOENT') return `could not start it: ${e.path ?? 'the command'} was not found (is it installed and on PATH?)`;
  // fetch says only "fetch failed"; the reason is in its cause.
  const code = errorCode(error);
  const where = config.transport === 'http' ? config.url : 'its URL';
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(e?.message))) return `nothing is listening at ${where}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `could not resolve the host of ${where}`;
  if (code && config.transport === 'http') return `could not reach ${where} (${code})`;
  if (/Connection closed/i.test(String(e?.message))) return 'it exited before it was ready';
  return e instanceof Error ? e.message : String(error);
}

function errorCode(error: unknown): string | null {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return null;
}

function withTimeout<T>(promise: Promise<T>, ms: number, signal: AbortSignal | undefined, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    const onAbort = () => reject(new Error('cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}
