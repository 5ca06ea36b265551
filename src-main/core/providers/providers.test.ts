// Providers against a real chat-completions server on 127.0.0.1: streaming text, tool calls
// assembled from fragments, connection checks, errors a person can act on; API keys sealed at rest.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderView } from '../../../src-shared/contract';
import { openStore, type Store } from '../store/open';
import { runtimeHarness, until, type RuntimeHarness } from '../test-support/runtime-core';
import { startChatServer, type ChatServer } from '../test-support/chat-server';
import { tempDir } from '../test-support/temp-core';
import { SettingsTable } from '../store/settings-table';
import { streamChat } from './chat-client';
import { checkProvider } from './check-provider';
import { ProviderRegistry } from './provider-registry';
import { KeyFileCipher, SecretVault, type SecretCipher } from './secret-store';

const servers: ChatServer[] = [];
const stores: Store[] = [];
const harnesses: RuntimeHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose();
  for (const s of servers.splice(0)) await s.close();
  for (const s of stores.splice(0)) s.close();
});

async function server(opts: Parameters<typeof startChatServer>[0] = {}): Promise<ChatServer> {
  const s = await startChatServer(opts);
  servers.push(s);
  return s;
}

function registry(dir = tempDir(), cipher?: SecretCipher): { registry: ProviderRegistry; store: Store; dir: string } {
  const store = openStore(path.join(dir, 'shoal.db'));
  stores.push(store);
  const kv = new SettingsTable(store);
  return { registry: new ProviderRegistry(kv, new SecretVault(kv, cipher ?? new KeyFileCipher(dir))), store, dir };
}

describe('secrets', () => {
  it('seals API keys with a key file only this user can read, and never stores them in the clear', () => {
    const { registry: r, store, dir } = registry();
    const view = r.save({ name: 'Hosted', baseUrl: 'https://api.example.test/v1/', model: 'gpt-test', apiKey: 'sk-very-secret-123' });
    expect(view).toMatchObject({ name: 'Hosted', baseUrl: 'https://api.example.test/v1', hasApiKey: true, isDefault: true });
    expect(JSON.stringify(view)).not.toContain('sk-very-secret');
    const keyFile = path.join(dir, 'secret.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const dump = (store.db.prepare('SELECT key, value FROM settings').all() as Array<{ value: string }>).map((r) => r.value).join('\n');
    expect(dump).not.toContain('sk-very-secret-123');
    expect(r.resolve(view.id)?.apiKey).toBe('sk-very-secret-123');

    r.save({ id: view.id, name: 'Hosted', baseUrl: 'https://api.example.test/v1', model: 'gpt-test' });
    expect(r.resolve(view.id)?.apiKey).toBe('sk-very-secret-123'); // absent keeps it
    r.save({ id: view.id, name: 'Hosted', baseUrl: 'https://api.example.test/v1', model: 'gpt-test', apiKey: null });
    expect(r.get(view.id)?.hasApiKey).toBe(false);
  });

  it('reports a key sealed by another cipher as unreadable instead of misreading it', () => {
    const dir = tempDir();
    const first = registry(dir);
    const id = first.registry.save({ name: 'P', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKey: 'k1' }).id;
    first.store.close();
    stores.splice(stores.indexOf(first.store), 1);
    const other: SecretCipher = { kind: 'safe-storage', encrypt: (s) => s, decrypt: (s) => s };
    const second = registry(dir, other);
    expect(second.registry.get(id)).toMatchObject({ hasApiKey: false, apiKeyUnreadable: true });
    expect(second.registry.resolve(id)?.apiKey).toBeNull();
  });

  it('says a stored key that cannot be opened here must be entered again, rather than sending none and showing a bare 401', async () => {
    const h = await runtimeHarness({ apiKey: 'sk-sealed-elsewhere', start: true });
    harnesses.push(h);
    // The key as another machine sealed it (another cipher): present, but not to be opened here.
    h.core.store.db.prepare('INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, ?)')
      .run(`secret:provider:${h.providerId}:api_key`, JSON.stringify({ cipher: 'safe-storage', data: 'c2VhbGVk' }), new Date().toISOString());
    const { threadId } = await h.call<{ threadId: string }>('threads.start', {});
    const accepted = await h.call<{ responseId: string }>('threads.message', { threadId, input: 'hello' });
    const error = await until(() => h.frames.find((f) => f.frame.event === 'error' && f.frame.response_id === accepted.responseId), 30_000, 'the error frame');
    expect(error.frame).toMatchObject({ message: 'The API key stored for "Scripted" cannot be opened on this machine (it was saved on another one, or with another key); enter it again in Settings → Providers.' });
    expect(h.chat.requests).toHaveLength(0);
    await expect(h.call('threads.prompt', { prompt: 'hi' })).rejects.toThrow('cannot be opened on this machine');
  });

  it('names the field when a provider is not usable', () => {
    const { registry: r } = registry();
    expect(() => r.save({ name: 'x', baseUrl: 'ftp://nope', model: 'm' })).toThrow(/baseUrl: must start with http/);
    expect(() => r.save({ name: 'x', baseUrl: 'not a url', model: 'm' })).toThrow(/baseUrl: not a URL/);
    expect(() => r.save({ name: ' ', baseUrl: 'http://127.0.0.1/v1', model: 'm' })).toThrow(/name: required/);
    expect(() => r.save({ name: 'x', baseUrl: 'http://127.0.0.1/v1', model: '' })).toThrow(/model: required/);
  });

  it('sends a key unencrypted to no other machine, and keeps names apart', async () => {
    const { registry: r } = registry();
    expect(() => r.save({ name: 'remote', baseUrl: 'http://example.com/v1', model: 'm', apiKey: 'sk-1' })).toThrow('apiKey: would be sent unencrypted to example.com; use https:// for a server on another machine, or save it without a key');
    expect(r.list()).toEqual([]);
    // Without a key, or over https, or on this machine: kept.
    const lan = r.save({ name: 'lan', baseUrl: 'http://10.0.0.5:11434/v1', model: 'm' });
    r.save({ name: 'tls', baseUrl: 'https://example.com/v1', model: 'm', apiKey: 'sk-2' });
    r.save({ name: 'here', baseUrl: 'http://127.0.0.1:8080/v1', model: 'm', apiKey: 'sk-3' });
    // A key added later to the plain-http one is refused too; the provider is left as it was.
    expect(() => r.save({ id: lan.id, name: 'lan', baseUrl: lan.baseUrl, model: 'm', apiKey: 'sk-4' })).toThrow(/apiKey: would be sent unencrypted to 10\.0\.0\.5:11434/);
    expect(r.get(lan.id)).toMatchObject({ hasApiKey: false });
    expect(() => r.save({ name: 'LAN', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' })).toThrow('name: a model provider "lan" already exists; choose another name');
    expect(r.list().map((p) => p.name)).toEqual(['lan', 'tls', 'here']);
  });

  it('keeps one default provider', () => {
    const { registry: r } = registry();
    const a = r.save({ name: 'A', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' });
    const b = r.save({ name: 'B', baseUrl: 'http://127.0.0.1:2/v1', model: 'm' });
    expect(r.list().map((p) => [p.name, p.isDefault])).toEqual([['A', true], ['B', false]]);
    r.save({ ...b, makeDefault: true });
    expect(r.resolve(null)?.config.name).toBe('B');
    r.delete(b.id);
    expect(r.resolve(null)?.config.id).toBe(a.id);
  });
});

describe('a stored key and a new URL', () => {
  it('refuses to send the stored key to a different server: the key must be given again (or removed) with the new URL', async () => {
    const h = await runtimeHarness({ apiKey: 'sk-for-the-right-server' });
    harnesses.push(h);
    const typo = await server();
    const before = h.core.runtime.providers.get(h.providerId)!;
    const edit = { id: h.providerId, name: 'Scripted', model: 'scripted-model', baseUrl: typo.baseUrl };
    const refused = /^apiKey: give the key again when you change baseUrl \(the stored key was saved for http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+\)/;
    await expect(h.call('providers.save', edit)).rejects.toThrow(refused);
    await expect(h.call('providers.save', { ...edit, apiKey: '' })).rejects.toThrow(refused);
    await expect(h.call('providers.check', { id: h.providerId, baseUrl: typo.baseUrl })).rejects.toThrow(refused);
    // Nothing changed, and the other server never saw the key (nor any request).
    expect(h.core.runtime.providers.get(h.providerId)).toEqual(before);
    expect(typo.requests).toEqual([]);

    // The same server under another path keeps its key; a new key or removing it is accepted.
    await h.call('providers.save', { ...edit, baseUrl: `${h.chat.baseUrl}/` });
    expect(h.core.runtime.providers.resolve(h.providerId)?.apiKey).toBe('sk-for-the-right-server');
    const moved = await h.call<ProviderView>('providers.save', { ...edit, apiKey: 'sk-for-the-typo-server' });
    expect(moved).toMatchObject({ baseUrl: typo.baseUrl, hasApiKey: true });
    expect(h.core.runtime.providers.resolve(h.providerId)?.apiKey).toBe('sk-for-the-typo-server');
    await h.call('providers.save', { ...edit, baseUrl: h.chat.baseUrl, apiKey: null });
    expect(h.core.runtime.providers.get(h.providerId)).toMatchObject({ baseUrl: h.chat.baseUrl, hasApiKey: false });
    // With no key stored there is nothing to protect: the URL may change freely.
    await h.call('providers.save', edit);
    expect(typo.requests.map((r) => r.authorization)).toEqual([]);
  });
});

describe('chat client', () => {
  it('streams text deltas and sends the API key', async () => {
    const s = await server({ apiKey: 'sk-live' });
    s.setScript(() => ({ text: 'Hello there, streaming works.', chunkSize: 5 }));
    const deltas: string[] = [];
    const result = await streamChat({
      provider: { id: 'p', name: 'Test', baseUrl: s.baseUrl, model: 'scripted-model' }, apiKey: 'sk-live',
      messages: [{ role: 'user', content: 'hi' }], tools: [], onDelta: (d) => deltas.push(d),
    });
    expect(result).toEqual({ text: 'Hello there, streaming works.', toolCalls: [], finishReason: 'stop' });
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(result.text);
    const call = s.requests.find((r) => r.path === '/v1/chat/completions')!;
    expect(call.authorization).toBe('Bearer sk-live');
    expect(call.body?.stream).toBe(true);
  });

  it('assembles streamed tool calls and offers the tools it was given', async () => {
    const s = await server();
    s.setScript(() => ({ text: 'Let me look.', toolCalls: [{ name: 'exec_shell', arguments: { command: 'ls -la "my dir"' } }, { name: 'read_file', arguments: { path: 'README.md' } }] }));
    const result = await streamChat({
      provider: { id: 'p', name: 'Test', baseUrl: s.baseUrl, model: 'scripted-model' }, apiKey: null,
      messages: [{ role: 'user', content: 'look' }],
      tools: [{ name: 'exec_shell', description: 'Run a command', parameters: { type: 'object', properties: { command: { type: 'string' } } } }],
    });
    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([['exec_shell', { command: 'ls -la "my dir"' }], ['read_file', { path: 'README.md' }]]);
    expect(result.toolCalls.every((c) => c.id.startsWith('call_'))).toBe(true);
    expect(s.requests[0]!.body?.tools?.map((t) => t.function.name)).toEqual(['exec_shell']);
  });

  it('offers tools under names the chat API accepts and hands calls back under their own names', async () => {
    // MCP tool names may hold dots and run past 64 characters; OpenAI refuses the whole request for one such name.
    const dotted = 'docs__search.pages';
    const long = `server__${'a_very_long_tool_name_'.repeat(4)}end`;
    const valid = /^[a-zA-Z0-9_-]{1,64}$/;
    const s = await server();
    s.setScript((body) => {
      const names = (body.tools ?? []).map((t) => t.function.name);
      const invalid = names.filter((n) => !valid.test(n));
      if (invalid.length > 0) return { status: 400, error: `Invalid 'tools[].function.name': ${invalid.join(', ')}` };
      const said = (body.messages ?? []).flatMap((m) => m.tool_calls ?? []).map((c) => c.function.name).filter((n) => !valid.test(n));
      if (said.length > 0) return { status: 400, error: `Invalid 'messages[].tool_calls[].function.name': ${said.join(', ')}` };
      return { toolCalls: names.filter((n) => n !== 'exec_shell').map((name) => ({ name, arguments: {} })) };
    });
    const tool = (name: string) => ({ name, description: name, parameters: { type: 'object', properties: {} } });
    const result = await streamChat({
      provider: { id: 'p', name: 'Test', baseUrl: s.baseUrl, model: 'scripted-model' }, apiKey: null,
      messages: [
        { role: 'user', content: 'look' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c0', type: 'function', function: { name: dotted, arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c0', content: 'found' },
      ],
      tools: [tool('exec_shell'), tool(dotted), tool(long)],
    });
    expect(result.toolCalls.map((c) => c.name)).toEqual([dotted, long]);
    const offered = s.requests[0]!.body!.tools!.map((t) => t.function.name);
    expect(offered[0]).toBe('exec_shell');
    expect(new Set(offered).size).toBe(3);
  });

  it('explains a refused key, an unknown model and a server that is not there', async () => {
    const s = await server({ apiKey: 'right' });
    const provider = { id: 'p', name: 'Test', baseUrl: s.baseUrl, model: 'scripted-model' };
    await expect(streamChat({ provider, apiKey: 'wrong', messages: [{ role: 'user', content: 'x' }], tools: [] })).rejects.toThrow(/Test refused the API key \(401\)/);
    await expect(streamChat({ provider: { ...provider, model: 'nope' }, apiKey: 'right', messages: [{ role: 'user', content: 'x' }], tools: [] })).rejects.toThrow(/404 for model "nope"/);
    const port = s.port;
    await s.close();
    servers.splice(0);
    await expect(streamChat({ provider: { ...provider, baseUrl: `http://127.0.0.1:${port}/v1` }, apiKey: null, messages: [{ role: 'user', content: 'x' }], tools: [] }))
      .rejects.toThrow(/Nothing is listening at http:\/\/127\.0\.0\.1/);
  });

  it('never repeats the API key a server echoes back in its error', async () => {
    const key = 'sk-echoed-secret-0123456789';
    const s = await server();
    s.setScript(() => ({ status: 401, error: `Incorrect API key provided: ${key}. Header was: Bearer ${key}` }));
    const provider = { id: 'p', name: 'Proxy', baseUrl: s.baseUrl, model: 'scripted-model' };
    const error = await streamChat({ provider, apiKey: key, messages: [{ role: 'user', content: 'x' }], tools: [] }).then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/Proxy refused the API key \(401\): Incorrect API key provided/);
    expect(error?.message).not.toContain('echoed-secret');
    s.setScript(() => ({ status: 500, error: `upstream said no to ${key}` }));
    const other = await streamChat({ provider, apiKey: key, messages: [{ role: 'user', content: 'x' }], tools: [] }).then(() => null, (e: Error) => e);
    expect(other?.message).toMatch(/Proxy answered 500: upstream said no to/);
    expect(other?.message).not.toContain('echoed-secret');
  });

  it('stops when aborted', async () => {
    const s = await server();
    s.setScript(() => ({ text: 'a'.repeat(400), chunkSize: 1, delayMs: 10 }));
    const controller = new AbortController();
    let seen = 0;
    const pending = streamChat({
      provider: { id: 'p', name: 'Test', baseUrl: s.baseUrl, model: 'scripted-model' }, apiKey: null, signal: controller.signal,
      messages: [{ role: 'user', content: 'x' }], tools: [], onDelta: () => {
        if (++seen === 5) controller.abort();
      },
    });
    await expect(pending).rejects.toMatchObject({ aborted: true });
  });
});

describe('connection check', () => {
  it('confirms the connection and the model, or says what is wrong', async () => {
    const s = await server({ apiKey: 'k', models: ['scripted-model', 'other'] });
    const provider = { id: 'p', name: 'Local', baseUrl: s.baseUrl, model: 'scripted-model' };
    expect(await checkProvider(provider, 'k')).toMatchObject({ ok: true, modelFound: true, models: ['scripted-model', 'other'], message: 'Connected to Local; model "scripted-model" is available.' });
    const missing = await checkProvider({ ...provider, model: 'gpt-9' }, 'k');
    expect(missing).toMatchObject({ ok: false, modelFound: false });
    expect(missing.message).toContain('does not list the model "gpt-9"');
    expect((await checkProvider(provider, 'bad')).message).toMatch(/refused the API key \(401\)/);
  });

  it('never repeats the API key a server echoes back in its error', async () => {
    const key = 'sk-echoed-secret-0123456789';
    // A proxy that answers every request with the key it was sent.
    const echo = http.createServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}` } }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const check = await checkProvider({ id: 'p', name: 'Proxy', baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v1`, model: 'm' }, key);
      expect(check).toMatchObject({ ok: false, message: expect.stringMatching(/^Proxy refused the API key \(401\): Incorrect API key provided: Bearer /) });
      expect(check.message).not.toContain('echoed-secret');
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });
});
