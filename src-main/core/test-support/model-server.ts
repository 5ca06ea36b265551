// A scripted model for the real coding-agent CLIs: one HTTP server on 127.0.0.1 that speaks the
// Anthropic Messages API (POST /v1/messages, streaming SSE — what Claude Code talks to through
// ANTHROPIC_BASE_URL) and the OpenAI Responses API (POST /v1/responses, streaming SSE — what Codex
// talks to through a model provider with `wire_api = "responses"`). What it answers is a script of
// turns: each agent request gets the step picked by how many tool results the conversation already
// holds, so "call a tool, then answer" replays the same however often the CLI retries or re-asks.
// Requests without tools (a CLI's side questions: titles, summaries) get a short plain answer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  name: string;
  /** JSON arguments (Anthropic tool_use input; Responses function_call arguments). */
  input?: Record<string, unknown>;
  /** Free-form input for a Responses custom tool (Codex's apply_patch grammar tool). */
  customInput?: string;
  /** The Responses namespace of the tool (Codex offers an MCP server's tools as namespace `mcp__<server>`). */
  namespace?: string;
  id?: string;
}

export interface ModelStep {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Answer with this HTTP error instead (a revoked key, an exhausted quota), in the API's own shape. */
  error?: { status: number; type: string; message: string };
}

export type ModelApi = 'anthropic' | 'openai-responses';

export interface ModelRequest {
  api: ModelApi;
  body: Record<string, unknown>;
  /** Names of the tools the agent offered. */
  tools: string[];
  /** The outputs of earlier tool calls, in order (text only). */
  toolResults: string[];
  /** The first user message's text (the task's instructions, with whatever the CLI wraps around them). */
  userText: string;
}

export type ModelScript = (request: ModelRequest) => ModelStep;

export interface RecordedModelRequest extends ModelRequest {
  path: string;
  authorization: string | null;
  apiKeyHeader: string | null;
}

export interface ModelServer {
  /** http://127.0.0.1:<port> (Anthropic clients add /v1/messages themselves). */
  origin: string;
  /** http://127.0.0.1:<port>/v1 (the Responses base_url). */
  openaiBaseUrl: string;
  requests: RecordedModelRequest[];
  /** Requests the script answered (those offering tools). */
  agentRequests(): RecordedModelRequest[];
  setScript(script: ModelScript): void;
  close(): Promise<void>;
}

/** Replays steps in order: step N once N tool results are in the conversation; the last repeats. */
export function replay(steps: ModelStep[]): ModelScript {
  return (r) => steps[Math.min(r.toolResults.length, steps.length - 1)] ?? { text: 'Done.' };
}

export async function startModelServer(options: { script?: ModelScript } = {}): Promise<ModelServer> {
  let script: ModelScript = options.script ?? (() => ({ text: 'Done.' }));
  const requests: RecordedModelRequest[] = [];
  let seq = 0;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        json(400, { error: { message: 'bad JSON' } });
        return;
      }
      const api: ModelApi | null = req.method === 'POST' && url.pathname === '/v1/messages' ? 'anthropic'
        : req.method === 'POST' && url.pathname === '/v1/responses' ? 'openai-responses' : null;
      if (!api) {
        // Claude Code probes a few endpoints (token counting, its own services); none matter here.
        if (url.pathname === '/v1/messages/count_tokens') return json(200, { input_tokens: 100 });
        if (url.pathname === '/v1/models') return json(200, { object: 'list', data: [{ id: 'scripted-model', object: 'model' }] });
        return json(404, { error: { type: 'not_found_error', message: `no route ${req.method} ${url.pathname}` } });
      }
      const request = api === 'anthropic' ? readAnthropic(body) : readResponses(body);
      requests.push({ ...request, path: url.pathname, authorization: req.headers.authorization ?? null, apiKeyHeader: (req.headers['x-api-key'] as string | undefined) ?? null });
      const step = request.tools.length > 0 ? script(request) : { text: 'Scripted side answer.' };
      if (step.error) {
        const { status, type, message } = step.error;
        return json(status, api === 'anthropic' ? { type: 'error', error: { type, message } } : { error: { type, message, code: type } });
      }
      const id = ++seq;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const model = typeof body.model === 'string' ? body.model : 'scripted-model';
      if (api === 'anthropic') streamAnthropic(res, id, model, step);
      else streamResponses(res, id, model, step);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    agentRequests: () => requests.filter((r) => r.tools.length > 0),
    setScript: (s) => {
      script = s;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

// ── Anthropic Messages ─────────────────────────────────────────────────────────────────────────

type Block = Record<string, unknown>;

function textOfBlocks(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as Block[]).map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : b.type === 'tool_result' ? textOfBlocks(b.content) : '')).join('\n');
}

function readAnthropic(body: Record<string, unknown>): ModelRequest {
  const messages = (Array.isArray(body.messages) ? body.messages : []) as Array<{ role: string; content: unknown }>;
  const toolResults: string[] = [];
  for (const m of messages) {
    if (m.role !== 'user' || !Array.isArray(m.content)) continue;
    for (const b of m.content as Block[]) if (b.type === 'tool_result') toolResults.push(textOfBlocks(b.content));
  }
  const firstUser = messages.find((m) => m.role === 'user');
  const tools = (Array.isArray(body.tools) ? body.tools : []) as Array<{ name?: string }>;
  return { api: 'anthropic', body, tools: tools.map((t) => String(t.name ?? '')), toolResults, userText: firstUser ? textOfBlocks(firstUser.content) : '' };
}

function sse(res: http.ServerResponse, event: string, data: Record<string, unknown>): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
}

function streamAnthropic(res: http.ServerResponse, id: number, model: string, step: ModelStep): void {
  const usage = { input_tokens: 120, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  sse(res, 'message_start', { message: { id: `msg_${id}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } });
  let index = 0;
  if (step.text) {
    sse(res, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (let i = 0; i < step.text.length; i += 16) sse(res, 'content_block_delta', { index, delta: { type: 'text_delta', text: step.text.slice(i, i + 16) } });
    sse(res, 'content_block_stop', { index });
    index++;
  }
  for (const [n, call] of (step.toolCalls ?? []).entries()) {
    const args = JSON.stringify(call.input ?? {});
    sse(res, 'content_block_start', { index, content_block: { type: 'tool_use', id: call.id ?? `toolu_${id}_${n}`, name: call.name, input: {} } });
    for (let i = 0; i < args.length; i += 16) sse(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: args.slice(i, i + 16) } });
    sse(res, 'content_block_stop', { index });
    index++;
  }
  const stop = step.toolCalls?.length ? 'tool_use' : 'end_turn';
  sse(res, 'message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 42 } });
  sse(res, 'message_stop', {});
}

// ── OpenAI Responses ───────────────────────────────────────────────────────────────────────────

function readResponses(body: Record<string, unknown>): ModelRequest {
  const input = (Array.isArray(body.input) ? body.input : []) as Block[];
  const toolResults: string[] = [];
  let userText = '';
  for (const item of input) {
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const out = item.output;
      toolResults.push(typeof out === 'string' ? out : typeof out === 'object' && out && 'content' in out ? String((out as { content: unknown }).content) : JSON.stringify(out));
    }
    if (item.type === 'message' && item.role === 'user') {
      const text = Array.isArray(item.content) ? (item.content as Block[]).map((c) => (typeof c.text === 'string' ? c.text : '')).join('\n') : String(item.content ?? '');
      // Codex sends its environment context as user messages too; the instructions are the last.
      userText = text;
    }
  }
  const tools = (Array.isArray(body.tools) ? body.tools : []) as Array<{ name?: string; type?: string }>;
  return { api: 'openai-responses', body, tools: tools.map((t) => String(t.name ?? t.type ?? '')), toolResults, userText };
}

function streamResponses(res: http.ServerResponse, id: number, model: string, step: ModelStep): void {
  const respId = `resp_${id}`;
  sse(res, 'response.created', { response: { id: respId, object: 'response', model, status: 'in_progress', output: [] } });
  const output: Block[] = [];
  if (step.text) {
    const item = { type: 'message', id: `msg_${id}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text, annotations: [] }] };
    sse(res, 'response.output_item.added', { output_index: output.length, item: { ...item, content: [] } });
    sse(res, 'response.output_text.delta', { output_index: output.length, item_id: item.id, content_index: 0, delta: step.text });
    sse(res, 'response.output_item.done', { output_index: output.length, item });
    output.push(item);
  }
  for (const [n, call] of (step.toolCalls ?? []).entries()) {
    const callId = call.id ?? `call_${id}_${n}`;
    const item = call.customInput !== undefined
      ? { type: 'custom_tool_call', id: `ctc_${id}_${n}`, call_id: callId, name: call.name, input: call.customInput, status: 'completed' }
      : { type: 'function_call', id: `fc_${id}_${n}`, call_id: callId, name: call.name, ...(call.namespace ? { namespace: call.namespace } : {}), arguments: JSON.stringify(call.input ?? {}), status: 'completed' };
    sse(res, 'response.output_item.added', { output_index: output.length, item });
    sse(res, 'response.output_item.done', { output_index: output.length, item });
    output.push(item);
  }
  sse(res, 'response.completed', {
    response: { id: respId, object: 'response', model, status: 'completed', output, usage: { input_tokens: 120, input_tokens_details: { cached_tokens: 0 }, output_tokens: 42, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 162 } },
  });
}
