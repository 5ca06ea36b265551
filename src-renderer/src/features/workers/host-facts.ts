// What a usable host has, in one line: the Add worker dialog's test and a kept worker's Test say it alike.
import type { HostCheck } from '../../../../src-shared/contract/methods/hosts';

export function hostFacts(check: HostCheck): string {
  const agents = check.agents.map((a) => `${a.name} ${a.version ?? '(version unknown)'}`).join(', ') || 'none found';
  return `git ${check.git ?? '?'}, agents ${agents}, ${check.cpus ?? '?'} CPUs, ${check.memoryMb ?? '?'} MB, ${check.os ?? 'unknown OS'}`;
}
