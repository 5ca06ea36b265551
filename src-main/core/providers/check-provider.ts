// "Check connection" in Settings: can Shoal reach the provider with this key, and does it know the
// model? Lists the models (every OpenAI-compatible server has /models); a server without that
// route is asked for a one-token completion instead.
import { APIError } from 'openai';
import { clientFor, describeProviderError } from './chat-client';
import type { ProviderConfig } from './provider-registry';

export interface ProviderCheck {
  ok: boolean;
  message: string;
  models: string[];
  /** null when the server lists no models to compare with. */
  modelFound: boolean | null;
  latencyMs: number;
}

export async function checkProvider(provider: ProviderConfig, apiKey: string | null, timeoutMs = 15_000): Promise<ProviderCheck> {
  const client = clientFor(provider, apiKey, timeoutMs);
  const started = Date.now();
  try {
    const models: string[] = [];
    for await (const m of client.models.list()) {
      models.push(m.id);
      if (models.length >= 500) break;
    }
    const modelFound = models.length === 0 ? null : models.includes(provider.model);
    const latencyMs = Date.now() - started;
    const message = modelFound === false
      ? `Connected, but ${provider.name} does not list the model "${provider.model}". Available: ${models.slice(0, 8).join(', ')}${models.length > 8 ? ', …' : ''}`
      : `Connected to ${provider.name}${modelFound ? `; model "${provider.model}" is available` : ''}.`;
    return { ok: modelFound !== false, message, models, modelFound, latencyMs };
  } catch (error) {
    if (error instanceof APIError && error.status === 404) return checkByCompletion(provider, apiKey, timeoutMs, started);
    return { ok: false, message: describeProviderError(error, provider, provider.model, apiKey).message, models: [], modelFound: null, latencyMs: Date.now() - started };
  }
}

async function checkByCompletion(provider: ProviderConfig, apiKey: string | null, timeoutMs: number, started: number): Promise<ProviderCheck> {
  try {
    await clientFor(provider, apiKey, timeoutMs).chat.completions.create({ model: provider.model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
    return { ok: true, message: `Connected to ${provider.name}; model "${provider.model}" answered.`, models: [], modelFound: true, latencyMs: Date.now() - started };
  } catch (error) {
    return { ok: false, message: describeProviderError(error, provider, provider.model, apiKey).message, models: [], modelFound: null, latencyMs: Date.now() - started };
  }
}
