// The runtime's feature areas (issue 6), spread into the contract as one.
import { agentKeyMethods } from './agent-keys';
import { jobMethods } from './jobs';
import { mcpMethods } from './mcp';
import { providerMethods } from './providers';
import { threadMethods } from './threads';

export const runtimeMethods = {
  ...threadMethods,
  ...jobMethods,
  ...providerMethods,
  ...mcpMethods,
  ...agentKeyMethods,
} as const;
