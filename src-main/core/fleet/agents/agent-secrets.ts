// The coding agents' API keys, sealed in Shoal's SecretVault (safeStorage in the app, a 0600 key
// file under the headless host) instead of living in the shell that started Shoal. At launch they
// join the agent's environment — and only the agent's: launch.ts passes each profile only its own
// provider's variables. A key in the vault wins over the same variable in Shoal's environment.
import type { SecretVault } from '../../providers/secret-store';

/** Environment variable → vault name. */
export const AGENT_SECRETS = {
  ANTHROPIC_API_KEY: 'agents.anthropic_api_key',
  OPENAI_API_KEY: 'agents.openai_api_key',
} as const satisfies Record<string, string>;

export type AgentSecretVar = keyof typeof AGENT_SECRETS;

/** A live view of `env` in which the vault's agent keys appear as variables. Read at each launch,
 *  so a key set in Settings applies to the next attempt without a restart. */
export function withAgentSecrets(env: NodeJS.ProcessEnv, vault: () => SecretVault | null | undefined): NodeJS.ProcessEnv {
  return overlayEnv(env, Object.keys(AGENT_SECRETS), (name) => vault()?.get(AGENT_SECRETS[name as AgentSecretVar]) ?? null);
}

/** A live view of `env` in which `names` read from `value` first (null: the env's own). */
export function overlayEnv(env: NodeJS.ProcessEnv, names: readonly string[], value: (name: string) => string | null): NodeJS.ProcessEnv {
  const sealed = (name: string | symbol): string | null => (typeof name === 'string' && names.includes(name) ? value(name) : null);
  return new Proxy(env, {
    get: (target, name) => sealed(name) ?? (target as Record<string | symbol, unknown>)[name],
    has: (target, name) => sealed(name) !== null || name in target,
    ownKeys: (target) => [...new Set([...Reflect.ownKeys(target), ...names.filter((k) => sealed(k) !== null)])],
    getOwnPropertyDescriptor: (target, name) => {
      const v = sealed(name);
      return v !== null ? { value: v, writable: true, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(target, name);
    },
  });
}
