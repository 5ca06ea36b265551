// MCP servers configured in Settings: a stdio command (args, environment, working directory) or a
// URL (Streamable HTTP, with optional headers). Names become tool prefixes (`<server>__<tool>`), so
// they are short and plain. Environment values and headers often hold tokens: they are sealed in
// the SecretVault, and only their names are stored here or shown in the UI.
import path from 'node:path';
import { ShoalError } from '../../../src-shared/contract/envelope';
import type { SecretVault } from '../providers/secret-store';
import { z } from 'zod';
import { listOf, setting, type SettingsTable } from '../store/settings-table';
import { urlOrigin } from '../providers/secret-destination';

export type McpServerConfig =
  | { name: string; transport: 'stdio'; command: string; args: string[]; cwd: string | null; enabled: boolean; envKeys: string[] }
  | { name: string; transport: 'http'; url: string; enabled: boolean; headerKeys: string[] };

export type McpServerInput =
  | { name: string; transport: 'stdio'; command: string; args?: string[]; cwd?: string | null; enabled?: boolean; env?: SecretMap }
  | { name: string; transport: 'http'; url: string; enabled?: boolean; headers?: SecretMap };

/** Secret values by name; null keeps the stored value (the UI never has it), a missing name drops it.
 *  Absent altogether: keep everything stored. */
export type SecretMap = Record<string, string | null>;

/** What a connection needs: the config plus its secret values (main only). */
export type McpLaunch = McpServerConfig & { env: Record<string, string>; headers: Record<string, string> };

const McpServerConfigSchema: z.ZodType<McpServerConfig> = z.discriminatedUnion('transport', [
  z.object({ name: z.string(), transport: z.literal('stdio'), command: z.string(), args: z.array(z.string()), cwd: z.string().nullable(), enabled: z.boolean(), envKeys: z.array(z.string()) }),
  z.object({ name: z.string(), transport: z.literal('http'), url: z.string(), enabled: z.boolean(), headerKeys: z.array(z.string()) }),
]);
const SERVERS = setting<McpServerConfig[]>('mcp_servers', listOf(McpServerConfigSchema), []);
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

function invalid(field: string, what: string): ShoalError {
  return new ShoalError('invalid_input', `${field}: ${what}`, [`${field}: ${what}`]);
}

export function validateMcpInput(input: McpServerInput): void {
  if (!NAME.test(input.name) || input.name.includes('__')) {
    throw invalid('name', 'use 1-40 letters, digits, "-" or "_" (no "__"), starting with a letter or digit; it prefixes the server\'s tool names');
  }
  if (input.transport === 'stdio') {
    if (!input.command.trim()) throw invalid('command', 'required (the program that starts the server, e.g. npx or node)');
    // A relative folder would be taken from wherever the Shoal process runs; "~" is not expanded.
    const cwd = input.cwd?.trim();
    if (cwd && !path.isAbsolute(cwd)) throw invalid('cwd', `must be an absolute path, got "${cwd}"`);
    for (const k of Object.keys(input.env ?? {})) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw invalid(`env.${k}`, 'not a valid environment variable name');
  } else {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw invalid('url', 'not a URL; expected something like http://127.0.0.1:3000/mcp');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('url', 'must start with http:// or https://');
  }
}

/** Where a server's stored secrets go: the program and its arguments, or the URL's origin. */
function destination(c: McpServerConfig | McpServerInput): string {
  return c.transport === 'stdio' ? JSON.stringify([c.command.trim(), ...(c.args ?? [])]) : urlOrigin(c.url);
}

/** Stored environment values and headers go only to the program or server they were saved for: an
 *  edit that points the server elsewhere (another command or arguments, a URL on another host or
 *  port) must give each kept value again, or drop it. Throws naming the first value it would carry. */
export function checkSecretsFollow(input: McpServerInput, saved: McpServerConfig | null): void {
  if (!saved || saved.transport !== input.transport || destination(saved) === destination(input)) return;
  const storedKeys = saved.transport === 'stdio' ? saved.envKeys : saved.headerKeys;
  const given = input.transport === 'stdio' ? input.env : input.headers;
  const kept = given === undefined ? storedKeys : storedKeys.filter((k) => given[k] === null);
  if (kept.length === 0) return;
  const [field, changed] = input.transport === 'stdio' ? ['env', 'command or args'] : ['headers', 'url'];
  throw invalid(`${field}.${kept[0]}`, `give the value again when you change ${changed} (stored values go only to the ${input.transport === 'stdio' ? 'program' : 'server'} they were saved for), or remove it`);
}

export function mergeSecrets(given: SecretMap | undefined, stored: Record<string, string>): Record<string, string> {
  if (given === undefined) return stored;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) {
    if (v !== null) out[k] = v;
    else if (k in stored) out[k] = stored[k]!;
  }
  return out;
}

export class McpConfigStore {
  constructor(private readonly settings: SettingsTable, private readonly vault: SecretVault) {}

  list(): McpServerConfig[] {
    return this.settings.get(SERVERS);
  }

  get(name: string): McpServerConfig | null {
    return this.list().find((s) => s.name === name) ?? null;
  }

  /** Saves a server. Secret values not given are kept (the UI never has them to send back). */
  save(input: McpServerInput, previousName?: string): McpServerConfig {
    validateMcpInput(input);
    const servers = this.list();
    const replacing = previousName ?? input.name;
    if (input.name !== replacing && servers.some((s) => s.name === input.name)) throw new ShoalError('conflict', `An MCP server named "${input.name}" already exists.`, [`name: "${input.name}" is taken`]);
    if (previousName && !servers.some((s) => s.name === previousName)) throw new ShoalError('not_found', `No MCP server named "${previousName}".`);
    checkSecretsFollow(input, servers.find((s) => s.name === replacing) ?? null);
    const old = this.secrets(replacing);
    const config: McpServerConfig = input.transport === 'stdio'
      ? { name: input.name, transport: 'stdio', command: input.command.trim(), args: input.args ?? [], cwd: input.cwd?.trim() || null, enabled: input.enabled ?? true, envKeys: [] }
      : { name: input.name, transport: 'http', url: input.url.trim(), enabled: input.enabled ?? true, headerKeys: [] };
    const env = input.transport === 'stdio' ? mergeSecrets(input.env, old.env) : {};
    const headers = input.transport === 'http' ? mergeSecrets(input.headers, old.headers) : {};
    if (config.transport === 'stdio') config.envKeys = Object.keys(env);
    else config.headerKeys = Object.keys(headers);
    if (replacing !== input.name) this.vault.delete(this.secretName(replacing));
    if (Object.keys(env).length + Object.keys(headers).length > 0) this.vault.set(this.secretName(input.name), JSON.stringify({ env, headers }));
    else this.vault.delete(this.secretName(input.name));
    const next = servers.some((s) => s.name === replacing) ? servers.map((s) => (s.name === replacing ? config : s)) : [...servers, config];
    this.settings.set(SERVERS, next);
    return config;
  }

  delete(name: string): boolean {
    const servers = this.list();
    if (!servers.some((s) => s.name === name)) return false;
    this.settings.set(SERVERS, servers.filter((s) => s.name !== name));
    this.vault.delete(this.secretName(name));
    return true;
  }

  launch(config: McpServerConfig): McpLaunch {
    return { ...config, ...this.secrets(config.name) };
  }

  private secrets(name: string): { env: Record<string, string>; headers: Record<string, string> } {
    const raw = this.vault.get(this.secretName(name));
    if (!raw) return { env: {}, headers: {} };
    try {
      const v = JSON.parse(raw) as { env?: Record<string, string>; headers?: Record<string, string> };
      return { env: v.env ?? {}, headers: v.headers ?? {} };
    } catch {
      return { env: {}, headers: {} };
    }
  }

  private secretName(name: string): string {
    return `mcp:${name}`;
  }
}
