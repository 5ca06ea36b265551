// The gateway's MCP endpoint: one HTTP server on 127.0.0.1 for this Shoal process, one path per
// attempt (`/mcp/<secret>`, and `/hook/<secret>` for Claude Code's PreToolUse hook), speaking MCP Streamable HTTP (stateless: each POST is answered on its
// own, by an SSE stream that stays open — with keep-alives — while a call waits for a person).
// A closed connection aborts the call it carried.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ToolDescriptor } from '../tools/tool-gateway';
import { ENDPOINT_PATH } from './endpoints';

export interface McpCallResult {
  text: string;
  isError: boolean;
  structured?: Record<string, unknown>;
}

/** Claude Code's PreToolUse hook input (the fields Shoal reads) and the answer it expects. */
export interface PreToolUseInput {
  tool_name: string;
  tool_input: Record<string, unknown>;
  tool_use_id?: string;
  /** The folder Claude's shell is in (a `cd` in one Bash call carries to the next). */
  cwd?: string;
}
export interface PreToolUseAnswer {
  hookSpecificOutput: { hookEventName: 'PreToolUse'; permissionDecision: 'allow' | 'deny' | 'ask'; permissionDecisionReason?: string };
}

export interface McpScope {
  listTools(): ToolDescriptor[];
  preToolUse(input: PreToolUseInput, signal: AbortSignal): Promise<PreToolUseAnswer>;
  callTool(name: string, args: Record<string, unknown>, extra: { signal: AbortSignal; progress?: (message: string) => void }): Promise<McpCallResult>;
}

const MAX_BODY = 10 * 1024 * 1024;

export class GatewayHttpServer {
  private server: http.Server | null = null;
  private starting: Promise<number> | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly resolve: (secret: string) => McpScope | null, private readonly version: string) {}

  async urlFor(secret: string): Promise<string> {
    const port = await this.listen();
    return `http://127.0.0.1:${port}/mcp/${secret}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.starting = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private listen(): Promise<number> {
    this.starting ??= new Promise<number>((resolve, reject) => {
      const server = http.createServer((req, res) => void this.handle(req, res));
      server.on('connection', (s) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      // Requests wait as long as a person takes to decide.
      server.requestTimeout = 0;
      server.headersTimeout = 60_000;
      server.keepAliveTimeout = 5_000;
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        this.server = server;
        server.unref();
        resolve((server.address() as AddressInfo).port);
      });
    });
    return this.starting;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (host !== '127.0.0.1' && host !== 'localhost') return plain(res, 403, 'forbidden host');
    const m = ENDPOINT_PATH.exec((req.url ?? '').split('?')[0]!);
    const scope = m ? this.resolve(m[2]!) : null;
    if (!scope) return plain(res, 404, 'no such gateway endpoint (the attempt may have ended)');
    if (m![1] === 'hook') return this.hook(scope, req, res);
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = JSON.parse(await readBody(req));
      } catch (e) {
        return plain(res, 400, `bad JSON-RPC body: ${(e as Error).message}`);
      }
    }
    const abort = new AbortController();
    const server = new Server({ name: 'shoal', version: this.version }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: scope.listTools().map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema as { type: 'object' } })),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const token = request.params._meta?.progressToken;
      let n = 0;
      const progress = token === undefined ? undefined : (message: string) => {
        void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: ++n, message } }).catch(() => undefined);
      };
      const r = await scope.callTool(request.params.name, (request.params.arguments ?? {}) as Record<string, unknown>, { signal: abort.signal, ...(progress ? { progress } : {}) });
      return { content: [{ type: 'text' as const, text: r.text }], isError: r.isError, ...(r.structured ? { structuredContent: r.structured } : {}) };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      abort.abort();
      void transport.close().catch(() => undefined);
      void server.close().catch(() => undefined);
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (e) {
      if (!res.headersSent) plain(res, 500, (e as Error).message);
    }
  }

  /** PreToolUse: answered (possibly minutes later, after a person decided) with Claude's JSON. */
  private async hook(scope: McpScope, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') return plain(res, 405, 'POST a PreToolUse hook input');
    let input: PreToolUseInput;
    try {
      const body = JSON.parse(await readBody(req)) as Partial<PreToolUseInput>;
      if (typeof body.tool_name !== 'string') throw new Error('tool_name is missing');
      input = { tool_name: body.tool_name, tool_input: body.tool_input && typeof body.tool_input === 'object' ? body.tool_input : {}, ...(typeof body.tool_use_id === 'string' ? { tool_use_id: body.tool_use_id } : {}), ...(typeof body.cwd === 'string' && body.cwd ? { cwd: body.cwd } : {}) };
    } catch (e) {
      return plain(res, 400, `bad hook input: ${(e as Error).message}`);
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let answer: PreToolUseAnswer;
    try {
      answer = await scope.preToolUse(input, abort.signal);
    } catch (e) {
      // Claude takes a failed hook (any non-2xx) as "no objection" and runs its read-only tools
      // without asking anyone: a call the gateway could not judge is refused instead.
      answer = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: `Shoal could not judge this call: ${(e as Error).message}` } };
    }
    if (!res.destroyed && !res.headersSent) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
