// Model providers: OpenAI-compatible chat-completions endpoints (hosted, Ollama, llama.cpp server)
// configured in Settings. The configuration lives in the settings table; each API key is sealed in
// the SecretVault and never leaves main: views carry `hasApiKey` only.
import { isLoopbackHost } from '../alerts/alert-config';
import crypto from 'node:crypto';
import { ShoalError } from '../../../src-shared/contract/envelope';
import { z } from 'zod';
import { listOf, setting, type SettingsTable } from '../store/settings-table';
import type { SecretVault } from './secret-store';
import { urlOrigin } from './secret-destination';

export interface ProviderConfig {
  id: string;
  name: string;
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8080/v1 (llama.cpp). */
  baseUrl: string;
  model: string;
}

export interface ProviderView extends ProviderConfig {
  hasApiKey: boolean;
  /** A key is stored but cannot be opened here (sealed by the desktop app's keychain, say). */
  apiKeyUnreadable: boolean;
  isDefault: boolean;
}

export interface ProviderInput {
  id?: string;
  name: string;
  baseUrl: string;
  model: string;
  /** A new key; null removes the stored one; absent keeps it. */
  apiKey?: string | null;
  makeDefault?: boolean;
}

export interface ResolvedProvider {
  config: ProviderConfig;
  apiKey: string | null;
  /** A key is stored but cannot be opened here (sealed on another machine, or with another key):
   *  sending none would come back as a bare 401 that says nothing of why. */
  keyUnreadable: boolean;
}

/** What a person is told when the provider's stored key cannot be opened here. */
export function unreadableKeyMessage(config: ProviderConfig): string {
  return `The API key stored for "${config.name}" cannot be opened on this machine (it was saved on another one, or with another key); enter it again in Settings → Providers.`;
}

interface Stored { providers: ProviderConfig[]; defaultId: string | null }
const ProviderConfigSchema = z.object({ id: z.string(), name: z.string(), baseUrl: z.string(), model: z.string() });
const PROVIDERS = setting<Stored>('providers', z.object({
  providers: listOf(ProviderConfigSchema),
  defaultId: z.string().nullable().catch(null),
}), { providers: [], defaultId: null });

/** A base URL the client can use, or a message naming what is wrong with it. */
export function normalizeBaseUrl(raw: string): string {
  const text = raw.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ShoalError('invalid_input', 'baseUrl: not a URL; expected something like http://127.0.0.1:11434/v1', ['baseUrl: not a URL']);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ShoalError('invalid_input', 'baseUrl: must start with http:// or https://', ['baseUrl: must start with http:// or https://']);
  }
  return text;
}

/** A stored key is only ever sent to the server it was saved for. Moving the provider to another
 *  server (a typo in the host, say) needs the key given again, or removed: otherwise the next
 *  request would hand the old server's key to the new one. */
export function checkKeyFollows(saved: ProviderConfig, baseUrl: string, apiKey: string | null | undefined, keyStored: boolean): void {
  const from = urlOrigin(saved.baseUrl);
  const to = urlOrigin(baseUrl);
  if (!keyStored || from === to || apiKey === null || (apiKey !== undefined && apiKey.trim() !== '')) return;
  const what = 'apiKey: give the key again when you change baseUrl';
  throw new ShoalError('invalid_input', `${what} (the stored key was saved for ${from}, not ${to}), or remove it`, [what]);
}

/** An API key travels in every request's headers: in plain http it may only stay on this machine
 *  (a local model server); a key for another machine needs https. A keyless server (Ollama on the
 *  next desk) may still be plain http. */
export function checkKeyTransport(baseUrl: string): void {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return;
  const what = `apiKey: would be sent unencrypted to ${url.host}`;
  throw new ShoalError('invalid_input', `${what}; use https:// for a server on another machine, or save it without a key`, [what]);
}

export class ProviderRegistry {
  constructor(private readonly settings: SettingsTable, private readonly vault: SecretVault) {}

  list(): ProviderView[] {
    const stored = this.stored();
    return stored.providers.map((p) => this.view(p, stored.defaultId));
  }

  get(id: string): ProviderView | null {
    return this.list().find((p) => p.id === id) ?? null;
  }

  defaultId(): string | null {
    return this.stored().defaultId;
  }

  save(input: ProviderInput): ProviderView {
    const stored = this.stored();
    const name = input.name.trim();
    const model = input.model.trim();
    if (!name) throw new ShoalError('invalid_input', 'name: required', ['name: required']);
    if (!model) throw new ShoalError('invalid_input', 'model: required (the model id the server knows, e.g. gpt-4o-mini or llama3.1)', ['model: required']);
    const baseUrl = normalizeBaseUrl(input.baseUrl);
    const existing = input.id ? stored.providers.find((p) => p.id === input.id) : undefined;
    if (input.id && !existing) throw new ShoalError('not_found', `No model provider with id "${input.id}".`);
    if (existing) checkKeyFollows(existing, baseUrl, input.apiKey, this.hasStoredKey(existing.id));
    // Two providers of one name cannot be told apart in the list, nor in a thread's picker.
    const sameName = stored.providers.find((p) => p.id !== existing?.id && p.name.toLowerCase() === name.toLowerCase());
    if (sameName) throw new ShoalError('invalid_input', `name: a model provider "${sameName.name}" already exists; choose another name`, [`name: a model provider "${sameName.name}" already exists`]);
    const keyGoesThere = input.apiKey !== null && ((input.apiKey !== undefined && input.apiKey.trim() !== '') || (existing !== undefined && this.hasStoredKey(existing.id)));
    if (keyGoesThere) checkKeyTransport(baseUrl);
    const config: ProviderConfig = { id: existing?.id ?? `provider-${crypto.randomBytes(4).toString('hex')}`, name, baseUrl, model };
    const providers = existing ? stored.providers.map((p) => (p.id === config.id ? config : p)) : [...stored.providers, config];
    const defaultId = input.makeDefault || stored.defaultId === null || !providers.some((p) => p.id === stored.defaultId) ? config.id : stored.defaultId;
    if (input.apiKey === null) this.vault.delete(this.secretName(config.id));
    else if (input.apiKey !== undefined && input.apiKey.trim() !== '') this.vault.set(this.secretName(config.id), input.apiKey.trim());
    this.settings.set(PROVIDERS, { providers, defaultId } satisfies Stored);
    return this.view(config, defaultId);
  }

  delete(id: string): boolean {
    const stored = this.stored();
    if (!stored.providers.some((p) => p.id === id)) return false;
    const providers = stored.providers.filter((p) => p.id !== id);
    const defaultId = stored.defaultId === id ? (providers[0]?.id ?? null) : stored.defaultId;
    this.vault.delete(this.secretName(id));
    this.settings.set(PROVIDERS, { providers, defaultId } satisfies Stored);
    return true;
  }

  /** The provider a thread talks to (its own, else the default) with its key. Main only. */
  resolve(id: string | null): ResolvedProvider | null {
    const config = this.configFor(id);
    if (!config) return null;
    const name = this.secretName(config.id);
    const apiKey = this.vault.get(name);
    return { config, apiKey, keyUnreadable: apiKey === null && this.vault.state(name) === 'unreadable' };
  }

  /** The provider a thread talks to (its own, else the default), without its key. */
  configFor(id: string | null): ProviderConfig | null {
    const stored = this.stored();
    return (id ? stored.providers.find((p) => p.id === id) : undefined) ?? stored.providers.find((p) => p.id === stored.defaultId) ?? stored.providers[0] ?? null;
  }

  /** A key is stored for it (readable here or not). */
  hasStoredKey(id: string): boolean {
    return this.vault.state(this.secretName(id)) !== 'unset';
  }

  private view(p: ProviderConfig, defaultId: string | null): ProviderView {
    const state = this.vault.state(this.secretName(p.id));
    return { ...p, hasApiKey: state === 'set', apiKeyUnreadable: state === 'unreadable', isDefault: p.id === defaultId };
  }

  private stored(): Stored {
    const value = this.settings.get(PROVIDERS);
    return { providers: [...value.providers], defaultId: value.defaultId };
  }

  private secretName(id: string): string {
    return `provider:${id}:api_key`;
  }
}
