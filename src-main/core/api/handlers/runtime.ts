// The runtime's handlers (threads, jobs, providers, MCP servers), spread into the handler map as one.
import type { runtimeMethods } from '../../../../src-shared/contract/methods/runtime';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';
import { agentKeyHandlers } from './agent-keys';
import { jobHandlers } from './jobs';
import { mcpHandlers } from './mcp';
import { providerHandlers } from './providers';
import { threadHandlers } from './threads';

export function runtimeHandlers(core: CoreServices): { [M in keyof typeof runtimeMethods]: Handler<M> } {
  return { ...threadHandlers(core), ...jobHandlers(core), ...providerHandlers(core), ...mcpHandlers(core), ...agentKeyHandlers(core) };
}
