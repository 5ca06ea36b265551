// Coding-agent API keys: sealed in the vault, reported only as set / unset.
import type { AgentKeyView } from '../../../../src-shared/contract/methods/agent-keys';
import type { agentKeyMethods } from '../../../../src-shared/contract/methods/agent-keys';
import { AGENT_SECRETS } from '../../fleet/agents/agent-secrets';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

const VARS = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY' } as const;

export function agentKeyHandlers(core: CoreServices): { [M in keyof typeof agentKeyMethods]: Handler<M> } {
  const vault = core.runtime.vault;
  const list = (): AgentKeyView[] => (Object.keys(VARS) as Array<keyof typeof VARS>).map((provider) => ({
    provider, env: VARS[provider], state: vault.state(AGENT_SECRETS[VARS[provider]]),
  }));
  return {
    'agents.keys': () => list(),
    'agents.setKey': ({ provider, apiKey }) => {
      const name = AGENT_SECRETS[VARS[provider]];
      if (apiKey === null) vault.delete(name);
      else vault.set(name, apiKey);
      return list();
    },
    'agents.binaries': () => core.agentBinaries.list(),
    'agents.setBinary': async ({ cli, path }) => {
      await core.agentBinaries.set(cli, path);
      return core.agentBinaries.list();
    },
  };
}
