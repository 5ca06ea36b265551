// The gateway's MCP endpoint: one HTTP server on 127.0.0.1 for this Shoal process, one path per
// attempt (`/mcp/<secret>`, and `/hook/<secret>` for Claude Code's PreToolUse hook), speaking MCP Streamable HTTP (stateless: each POST is answered on its
// own, by an SSE stream that stays open — with keep-alives — while a call waits for a person).
// A closed connection aborts the call it carried — except a call that may ask again (Claude's
// permission prompt, which names its call): its stream opens with an event id (the MCP spec's
// resumability), and a GET with that Last-Event-ID re-attaches to the same call and is answered on
// its own stream. The SDK's transport cannot take that GET in stateless mode (one request per
// transport, and its replay only holds what was already sent), so the resume is written here.
import crypto from 'node:crypto';
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
  /** A call whose cut connection only detaches it (it can be asked again and answered by the same
   *  wait): its stream can be resumed. */
  resumable?(name: string, args: Record<string, unknown>): boolean;
}

const MAX_BODY = 10 * 1024 * 1024;
/** The reconnect delay a resumable stream asks its client for (SSE `retry:`). Claude Code's client
 *  tries a cut stream twice (at this delay each, its own default 1 s then 1.5 s): 5 s each covers a
 *  forward that is down for up to about 10 s, well inside the gateway's reconnect grace. */
export const RESUME_RETRY_MS = 5_000;
/** How long a cut call stays resumable after its last stream closed unanswered. */
const RESUME_KEEP_MS = 60_000;
const KEEP_ALIVE_MS = 15_000;

/** A resumable call: what its client's GET with a Last-Event-ID of it asks again. */
interface Resumable {
  token: string;
  secret: string;
  requestId: string | number;
  name: string;
  args: Record<string, unknown>;
  events: number;
  expiry: NodeJS.Timeout | null;
}

export class GatewayHttpServer {
  private server: http.Server | null = null;
  private starting: Promise<number> | null = null;
  private readonly sockets = new Set<Socket>();
  /** Resumable calls by token (an event id is `<token>.<n>`). */
  private readonly resumable = new Map<string, Resumable>();

  constructor(private readonly resolve: (secret: string) => McpScope | null, private readonly version: string) {}

  async urlFor(secret: string): Promise<string> {
    const port = await this.listen();
    return `http://127.0.0.1:${port}/mcp/${secret}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.starting = null;
    for (const r of this.resumable.values()) keepResumable(r);
    this.resumable.clear();
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
    const lastEventId = req.method === 'GET' ? req.headers['last-event-id'] : undefined;
    if (typeof lastEventId === 'string' && lastEventId) return this.resume(scope, m![2]!, lastEventId, res);
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = JSON.parse(await readBody(req));
      } catch (e) {
        return plain(res, 400, `bad JSON-RPC body: ${(e as Error).message}`);
      }
    }
    const abort = new AbortController();
    // Clients before protocol 2025-11-25 cannot take a priming event: their calls stay as they were.
    const version = req.headers['mcp-protocol-version'];
    const call = typeof version === 'string' && version >= '2025-11-25' ? this.resumableCall(scope, m![2]!, body) : null;
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
      // Answered on this stream; a cut one leaves the call to be resumed.
      if (call && !abort.signal.aborted) this.forget(call);
      return callResult(r);
    });
    // A resumable call's stream opens with an event id (and how long to wait before resuming); the
    // SDK sends it to clients that can take it (protocol 2025-11-25 and later) and numbers the rest.
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      ...(call ? { eventStore: { storeEvent: () => Promise.resolve(this.nextEventId(call)), replayEventsAfter: () => Promise.reject(new Error('resumed by the gateway, not replayed')) }, retryInterval: RESUME_RETRY_MS } : {}),
    });
    res.on('close', () => {
      if (call && this.resumable.get(call.token) === call) this.expireLater(call);
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

  /** The call a POST carries, when it is one the client may resume (a single tools/call the scope
   *  says can ask again); registered until it is answered or nobody resumed it for a while. */
  private resumableCall(scope: McpScope, secret: string, body: unknown): Resumable | null {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
    const msg = body as { method?: unknown; id?: unknown; params?: { name?: unknown; arguments?: unknown } };
    if (msg.method !== 'tools/call' || (typeof msg.id !== 'string' && typeof msg.id !== 'number')) return null;
    const name = msg.params?.name;
    const args = msg.params?.arguments;
    if (typeof name !== 'string' || !args || typeof args !== 'object' || Array.isArray(args)) return null;
    if (!scope.resumable?.(name, args as Record<string, unknown>)) return null;
    const call: Resumable = { token: crypto.randomUUID(), secret, requestId: msg.id, name, args: args as Record<string, unknown>, events: 0, expiry: null };
    this.resumable.set(call.token, call);
    return call;
  }

  private nextEventId(call: Resumable): string {
    return `${call.token}.${++call.events}`;
  }

  private forget(call: Resumable): void {
    keepResumable(call);
    if (this.resumable.get(call.token) === call) this.resumable.delete(call.token);
  }

  private expireLater(call: Resumable): void {
    keepResumable(call);
    call.expiry = setTimeout(() => this.forget(call), RESUME_KEEP_MS);
    call.expiry.unref();
  }

  /** A GET with a Last-Event-ID: the client resumes a cut call's stream. The call asks again (the
   *  gateway re-attaches it to the wait it started) and its answer — with the original request's
   *  id — is the event after that id, on this stream. */
  private async resume(scope: McpScope, secret: string, lastEventId: string, res: http.ServerResponse): Promise<void> {
    const call = this.resumable.get(lastEventId.slice(0, lastEventId.lastIndexOf('.')));
    if (!call || call.secret !== secret) return plain(res, 404, `no call to resume after event ${lastEventId.slice(0, 80)} (it was answered, or nobody resumed it in time)`);
    keepResumable(call);
    const abort = new AbortController();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // This stream can be cut too: its own first event gives the client an id to resume from.
    res.write(`id: ${this.nextEventId(call)}\nretry: ${RESUME_RETRY_MS}\ndata: \n\n`);
    const keepAlive = setInterval(() => res.write(': keepalive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
    res.on('close', () => {
      clearInterval(keepAlive);
      if (this.resumable.get(call.token) === call && !res.writableFinished) this.expireLater(call);
      abort.abort();
    });
    let message: Record<string, unknown>;
    try {
      message = { jsonrpc: '2.0', id: call.requestId, result: callResult(await scope.callTool(call.name, call.args, { signal: abort.signal })) };
    } catch (e) {
      message = { jsonrpc: '2.0', id: call.requestId, error: { code: -32603, message: (e as Error).message } };
    }
    clearInterval(keepAlive);
    // Cut again before the answer: the call stays resumable (the close above) for the next GET.
    if (abort.signal.aborted || res.destroyed) return;
    this.forget(call);
    res.end(`event: message\nid: ${this.nextEventId(call)}\ndata: ${JSON.stringify(message)}\n\n`);
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

/** Stops a call's pending expiry (it is being resumed, answered, or given a new one). */
function keepResumable(call: Resumable): void {
  if (call.expiry) clearTimeout(call.expiry);
  call.expiry = null;
}

function callResult(r: McpCallResult): { content: Array<{ type: 'text'; text: string }>; isError: boolean; structuredContent?: Record<string, unknown> } {
  return { content: [{ type: 'text' as const, text: r.text }], isError: r.isError, ...(r.structured ? { structuredContent: r.structured } : {}) };
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
