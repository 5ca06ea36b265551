// Probes the workers a valid draft would run on (specs.probeWorkers), so the preview flags one that
// cannot be reached before Launch. Asked once per settled draft and kept a while: a probe opens a
// connection (or runs a container), which is too much for every keystroke.
import { useShoalQuery } from '../../transport/query';
import type { MethodInput } from '../../../../src-shared/contract';

const KEEP_MS = 30_000;

export function useWorkerReach(input: MethodInput<'specs.probeWorkers'>, enabled: boolean) {
  const query = useShoalQuery('specs.probeWorkers', input, { enabled, staleTime: KEEP_MS });
  return { reach: enabled ? query.data : undefined, probing: enabled && query.isFetching };
}
