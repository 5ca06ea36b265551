// How a remote agent's row in `workers` describes its host (the row's host JSON): where it connected
// from, its Shoal version and hostname, and what its machine has, as its hello said. The facts go
// over the wire, and out of `shoal workers … --json`, in snake_case; the UI's contract has them in
// camelCase: both directions are here.
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

export function factsFromWire(wire: AgentHostFacts | undefined): HostFacts | null {
  return wire ? { git: wire.git, agents: wire.agents, cpus: wire.cpus, memoryMb: wire.memory_mb, os: wire.os } : null;
}

/** Kept within what the worker protocol takes (AgentHostFactsSchema), so an odd probe answer cannot
 *  get an agent's hello refused. */
export function factsToWire(f: HostFacts): AgentHostFacts {
  const clip = (s: string | null, n: number) => (s === null ? null : s.slice(0, n));
  return {
    git: clip(f.git, 128), agents: f.agents.slice(0, 16).map((a) => ({ name: a.name, version: clip(a.version, 128) })),
    cpus: f.cpus, memory_mb: f.memoryMb, os: clip(f.os, 256),
  };
}
