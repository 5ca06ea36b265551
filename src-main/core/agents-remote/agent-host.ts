// How a remote agent's row in `workers` describes its host (the row's host JSON): where it connected
// from, its Shoal version and hostname, and what its machine has, as its hello said.
import type { HostFacts } from '../../../src-shared/contract/views';
import type { AgentHostFacts } from '../../../src-shared/protocol/worker-protocol';

export interface AgentHost {
  kind: 'agent';
  address: string | null;
  version: string;
  hostname: string;
  /** Absent from rows written before agents said it, and null from an agent that did not. */
  facts?: HostFacts | null;
}

export function factsOf(wire: AgentHostFacts | undefined): HostFacts | null {
  return wire ? { git: wire.git, agents: wire.agents, cpus: wire.cpus, memoryMb: wire.memory_mb, os: wire.os } : null;
}
