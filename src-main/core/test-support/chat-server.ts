// A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol (GET /v1/models,
// POST /v1/chat/completions with and without streaming, tool calls) in place of a hosted provider.
// What it answers is a script: a function of the request. The default script is a tiny, predictable
// "model": `run: <command>` asks for exec_shell, `call <tool> <json>` asks for any tool, a tool
// result is summarised, anything else is echoed back.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequestBody {
  model: string;
  messages: Array<{ role: string; content?: unknown; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>; tool_call_id?: string }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  stream?: boolean;
  max_tokens?: number;
}

export interface ScriptedReply {
  text?: string;
  reasoning?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> | string; id?: string }>;
  /** Characters per streamed delta (default 4). */
  chunkSize?: number;
  /** Pause between streamed chunks. */
  delayMs?: number;
  /** Stop streaming once this many characters of the text were sent, until `resume` settles: a
   *  test sees the intermediate state for certain, then lets the reply finish. */
  holdAfterChars?: number;
  resume?: Promise<unknown>;
  /** More stops of the same kind, later in the text (each once, in order). */
  holds?: Array<{ afterChars: number; resume: Promise<unknown> }>;
  /** Answer with this HTTP status and error message instead. */
  status?: number;
  error?: string;
}

export type ChatScript = (body: ChatRequestBody, call: number) => ScriptedReply;

export interface RecordedRequest {
  path: string;
  authorization: string | null;
  body: ChatRequestBody | null;
}

export interface ChatServer {
  /** The base URL a client is configured with: http://127.0.0.1:<port>/v1 */
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  setScript(script: ChatScript): void;
  close(): Promise<void>;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : '')).join('');
  return '';
}

export const defaultScript: ChatScript = (body) => {
  const last = body.messages[body.messages.length - 1];
  if (!last) return { text: 'Hello.' };
  if (last.role === 'tool') {
    const output = textOf(last.content).trim();
    return { text: `The tool said: ${output.slice(0, 400)}` };
  }
  const said = textOf(last.content).trim();
  const tools = new Set((body.tools ?? []).map((t) => t.function.name));
  const run = /^run:\s*(.+)$/s.exec(said);
  if (run) {
    if (!tools.has('exec_shell')) return { text: 'I have no shell tool here.' };
    return { text: 'Running it now.', toolCalls: [{ name: 'exec_shell', arguments: { command: run[1]!.trim() } }] };
  }
  const call = /^call\s+(\S+)\s*(\{.*\})?\s*$/s.exec(said);
  if (call) {
    if (!tools.has(call[1]!)) return { text: `I have no tool called ${call[1]}.` };
    return { toolCalls: [{ name: call[1]!, arguments: call[2] ? (JSON.parse(call[2]) as Record<string, unknown>) : {} }] };
  }
  return { text: `You said: ${said}` };
};

export async function startChatServer(options: { apiKey?: string; models?: string[]; script?: ChatScript } = {}): Promise<ChatServer> {
  let script = options.script ?? defaultScript;
  let calls = 0;
  const requests: RecordedRequest[] = [];
  const models = options.models ?? ['scripted-model'];

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: ChatRequestBody | null = null;
      try {
        body = raw ? (JSON.parse(raw) as ChatRequestBody) : null;
      } catch {
        body = null;
      }
      const authorization = req.headers.authorization ?? null;
      requests.push({ path: url.pathname, authorization, body });
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (options.apiKey && authorization !== `Bearer ${options.apiKey}`) {
        json(401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/v1/models') {
        json(200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'shoal-test' })) });
        return;
      }
      if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions' || !body) {
        json(404, { error: { message: `No route ${req.method} ${url.pathname}`, type: 'invalid_request_error' } });
        return;
      }
      if (!models.includes(body.model)) {
        json(404, { error: { message: `The model \`${body.model}\` does not exist.`, type: 'invalid_request_error', code: 'model_not_found' } });
        return;
      }
      const reply = script(body, ++calls);
      if (reply.status) {
        json(reply.status, { error: { message: reply.error ?? 'scripted failure', type: 'server_error' } });
        return;
      }
      const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
        id: c.id ?? `call_${calls}_${i}`, type: 'function' as const,
        function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
      }));
      const finish = toolCalls.length > 0 ? 'tool_calls' : 'stop';
      const id = `chatcmpl-${calls}`;
      if (!body.stream) {
        json(200, { id, object: 'chat.completion', created: 0, model: body.model, choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', content: reply.text ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) } }] });
        return;
      }
      void streamReply(res, { id, model: body.model, reply, toolCalls, finish });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    setScript: (s) => {
      script = s;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function streamReply(res: http.ServerResponse, r: {
  id: string; model: string; reply: ScriptedReply; finish: string;
  toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (delta: Record<string, unknown>, finish: string | null = null) => {
    res.write(`data: ${JSON.stringify({ id: r.id, object: 'chat.completion.chunk', created: 0, model: r.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
  };
  const pause = () => (r.reply.delayMs ? new Promise((resolve) => setTimeout(resolve, r.reply.delayMs)) : Promise.resolve());
  const size = Math.max(1, r.reply.chunkSize ?? 4);
  send({ role: 'assistant', content: '' });
  for (let i = 0; i < (r.reply.reasoning ?? '').length; i += size) {
    send({ reasoning_content: r.reply.reasoning!.slice(i, i + size) });
    await pause();
  }
  const text = r.reply.text ?? '';
  const holds = [...(r.reply.resume ? [{ afterChars: r.reply.holdAfterChars ?? 0, resume: r.reply.resume }] : []), ...(r.reply.holds ?? [])];
  for (let i = 0; i < text.length; i += size) {
    if (res.destroyed) return;
    send({ content: text.slice(i, i + size) });
    while (holds.length > 0 && i + size >= holds[0]!.afterChars) await holds.shift()!.resume;
    await pause();
  }
  // Tool calls arrive the way hosted providers send them: the id and name first, then the
  // arguments in fragments.
  for (const [index, call] of r.toolCalls.entries()) {
    send({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
    for (let i = 0; i < call.function.arguments.length; i += 7) {
      send({ tool_calls: [{ index, function: { arguments: call.function.arguments.slice(i, i + 7) } }] });
    }
  }
  send({}, r.finish);
  res.write('data: [DONE]\n\n');
  res.end();
}
