// One streamed chat completion against an OpenAI-compatible endpoint, through the `openai` package
// with a base URL (hosted providers, Ollama, llama.cpp server all speak it). Text (and reasoning,
// where a server streams it separately) arrives delta by delta; tool calls are assembled from their
// streamed fragments and handed back whole.
import crypto from 'node:crypto';
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionFunctionTool, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { hideSecrets } from './hide-secrets';
import type { ProviderConfig } from './provider-registry';

export type ChatMessage = ChatCompletionMessageParam;

export interface ChatTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatToolCall {
  id: string;
  name: string;
  /** The raw JSON text the model produced. */
  arguments: string;
}

export interface ChatResult {
  text: string;
  toolCalls: ChatToolCall[];
  finishReason: string | null;
}

export interface ChatRequest {
  provider: ProviderConfig;
  apiKey: string | null;
  /** Overrides the provider's model ('auto' or absent uses it). */
  model?: string;
  messages: ChatMessage[];
  tools: ChatTool[];
  signal?: AbortSignal;
  onDelta?: (delta: string, channel: 'text' | 'reasoning') => void;
  timeoutMs?: number;
}

export function clientFor(provider: ProviderConfig, apiKey: string | null, timeoutMs = 120_000): OpenAI {
  // Local servers need no key, but the client insists on one; they ignore the placeholder.
  return new OpenAI({ apiKey: apiKey ?? 'no-key', baseURL: provider.baseUrl, timeout: timeoutMs, maxRetries: 1 });
}

export function modelFor(provider: ProviderConfig, model?: string): string {
  return model && model !== 'auto' ? model : provider.model;
}

/** The chat API takes function names of 1-64 letters, digits, '_' and '-', and refuses the whole
 *  request for one that is not (an MCP server's `search.pages`, a long `<server>__<tool>`). Such a
 *  name is offered as a plain one with a hash of the real name; the same name always maps the same. */
export function chatToolName(name: string): string {
  if (/^[a-zA-Z0-9_-]{1,64}$/.test(name)) return name;
  const hash = crypto.createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 55)}_${hash}`;
}

/** The conversation as the chat API sees it: earlier tool calls under their offered names. */
function chatMessages(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((m) => {
    if (m.role !== 'assistant' || !m.tool_calls?.some((c) => c.type === 'function' && chatToolName(c.function.name) !== c.function.name)) return m;
    return { ...m, tool_calls: m.tool_calls.map((c) => (c.type === 'function' ? { ...c, function: { ...c.function, name: chatToolName(c.function.name) } } : c)) };
  });
}

export async function streamChat(req: ChatRequest): Promise<ChatResult> {
  const client = clientFor(req.provider, req.apiKey, req.timeoutMs);
  const realName = new Map(req.tools.map((t) => [chatToolName(t.name), t.name]));
  const tools: ChatCompletionFunctionTool[] = req.tools.map((t) => ({ type: 'function', function: { name: chatToolName(t.name), description: t.description, parameters: t.parameters } }));
  try {
    const stream = await client.chat.completions.create({
      model: modelFor(req.provider, req.model),
      messages: chatMessages(req.messages),
      stream: true,
      ...(tools.length > 0 ? { tools } : {}),
    }, { signal: req.signal });
    let text = '';
    let finishReason: string | null = null;
    const calls = new Map<number, ChatToolCall>();
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta as typeof choice.delta & { reasoning_content?: string | null; reasoning?: string | null };
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) req.onDelta?.(reasoning, 'reasoning');
      if (delta.content) {
        text += delta.content;
        req.onDelta?.(delta.content, 'text');
      }
      for (const part of delta.tool_calls ?? []) {
        const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name += part.function.name;
        if (part.function?.arguments) call.arguments += part.function.arguments;
        calls.set(part.index, call);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    // An abort mid-stream ends the iteration quietly; a half reply must not pass for a whole one.
    if (req.signal?.aborted) throw new ProviderError('Stopped.', true);
    const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b)
      .map(([i, c]) => ({ ...c, name: realName.get(c.name) ?? c.name, id: c.id || `call-${i}-${Date.now().toString(36)}` }));
    return { text, toolCalls: toolCalls.filter((c) => c.name !== ''), finishReason };
  } catch (error) {
    throw describeProviderError(error, req.provider, req.model, req.apiKey);
  }
}

export class ProviderError extends Error {
  constructor(message: string, readonly aborted = false) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Turns a client error into a sentence a person can act on. Never includes the key, even when the
 *  server's own message repeats it (some proxies echo what they were sent). `model` is the model
 *  asked for (a thread's own overrides the provider's). */
export function describeProviderError(error: unknown, provider: ProviderConfig, model?: string, apiKey?: string | null): ProviderError {
  const described = describe(error, provider, model);
  if (!apiKey || !described.message.includes(apiKey)) return described;
  return new ProviderError(hideSecrets(described.message, [apiKey], '[API key]'), described.aborted);
}

function describe(error: unknown, provider: ProviderConfig, model?: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIUserAbortError || (error instanceof Error && error.name === 'AbortError')) return new ProviderError('Stopped.', true);
  if (error instanceof APIConnectionError) {
    const cause = (error.cause as NodeJS.ErrnoException | undefined)?.code ?? (error.cause as { cause?: NodeJS.ErrnoException } | undefined)?.cause?.code;
    if (cause === 'ECONNREFUSED') return new ProviderError(`Nothing is listening at ${provider.baseUrl}: is the server running?`);
    if (cause === 'ENOTFOUND') return new ProviderError(`Could not resolve the host of ${provider.baseUrl}: check the base URL.`);
    return new ProviderError(`Could not reach ${provider.baseUrl}: ${error.message}`);
  }
  if (error instanceof APIError) {
    const detail = error.message.replace(/^\d{3}\s*/, '');
    if (error.status === 401 || error.status === 403) return new ProviderError(`${provider.name} refused the API key (${error.status}): ${detail}`);
    if (error.status === 404) return new ProviderError(`${provider.name} answered 404 for model "${modelFor(provider, model)}" at ${provider.baseUrl}: check the base URL (it usually ends in /v1) and the model name. ${detail}`);
    if (error.status === 429) return new ProviderError(`${provider.name} is rate limiting or out of quota (429): ${detail}`);
    return new ProviderError(`${provider.name} answered ${error.status ?? 'an error'}: ${detail}`);
  }
  return new ProviderError(`${provider.name}: ${error instanceof Error ? error.message : String(error)}`);
}
