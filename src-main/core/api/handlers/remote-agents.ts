// Remote agents from the Workers view and Settings → Workers: the listener, join tokens, revocation.
// The token leaves main once, in the mint's answer; the store keeps only its hash.
import { ShoalError } from '../../../../src-shared/contract';
import type { remoteAgentsMethods } from '../../../../src-shared/contract/methods/remote-agents';
import { AgentCredentials, MAX_JOIN_TOKEN_TTL_MS, parseTtl } from '../../agents-remote/agent-credentials';
import { joinCommand } from '../../agents-remote/join-command';
import { ListenerConfigError } from '../../agents-remote/listener-config';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';


export function remoteAgentsHandlers(core: CoreServices): { [M in keyof typeof remoteAgentsMethods]: Handler<M> } {
  const credentials = new AgentCredentials(core.store);
  return {
    'workers.agentListener': () => core.agentListener.status(),
    'workers.startAgentListener': async (config) => {
      try {
        return await core.agentListener.start(config, { persist: true });
      } catch (e) {
        if (e instanceof ListenerConfigError) throw new ShoalError('invalid_input', e.message);
        throw e;
      }
    },
    'workers.stopAgentListener': () => core.agentListener.stop(),
    'workers.joinTokens': () => credentials.pendingTokens().map((t) => ({ ...t, expiresAt: new Date(t.expiresAt).toISOString() })),
    'workers.mintJoinToken': ({ name, ttl, capabilities }) => {
      const url = core.agentListener.joinUrl();
      if (!url) throw new ShoalError('conflict', 'The agent listener is not running: start it first (Settings → Workers); a join token names the address agents join.');
      let ttlMs: number;
      try {
        ttlMs = parseTtl(ttl);
      } catch (e) {
        throw new ShoalError('invalid_input', `ttl: ${(e as Error).message}`);
      }
      if (ttlMs > MAX_JOIN_TOKEN_TTL_MS) throw new ShoalError('invalid_input', `ttl: ${ttl} is longer than 30 days; a join token is meant to be spent soon`);
      // The agent joins under this name: one of a kept worker (or the default one's) would make two
      // rows of one name, and actions by name would reach the wrong one.
      const taken = name ? core.workerRegistry.nameProblem(name) : null;
      if (taken) throw new ShoalError('invalid_input', taken, [taken]);
      const minted = credentials.mintJoinToken({ name: name ?? null, ttlMs, capabilities });
      return { id: minted.id, token: minted.token, url, command: joinCommand(url, minted.token, name ?? null), expiresAt: new Date(minted.expiresAt).toISOString() };
    },
    'workers.revoke': ({ id }) => {
      if (!credentials.revoke(id)) throw new ShoalError('not_found', `id: no join token or agent "${id}" that is not already revoked`);
      // A connected agent hears why and stops; its reconnects are refused from now on.
      if (id.startsWith('agent-')) core.agentListener.disconnect(id, `agent ${id} was revoked from the Workers view`);
      return { ok: true };
    },
  };
}
