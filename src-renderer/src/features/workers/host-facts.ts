// What a usable host has, in one line: the Add worker dialog's test, a kept worker's Test and a
// remote agent's row say it alike.
import type { HostFacts } from '../../../../src-shared/contract';

export function hostFacts(check: HostFacts): string {
  const agents = check.agents.map((a) => `${a.name} ${a.version ?? '(version unknown)'}`).join(', ') || 'none found';
  return `git ${check.git ?? '?'}, agents ${agents}, ${check.cpus ?? '?'} CPUs, ${check.memoryMb ?? '?'} MB, ${check.os ?? 'unknown OS'}`;
}
