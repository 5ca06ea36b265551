// Probes the workers a valid draft would run on (specs.probeWorkers), so the preview flags one that
// cannot be reached before Launch. Asked once per settled draft and kept a while: a probe opens a
// connection (or runs a container), which is too much for every keystroke.
import { useShoalQuery } from '../../transport/query';
import type { MethodInput } from '../../../../src-shared/contract';

const KEEP_MS = 30_000;

/** The probe lives in the `workers` family, which main invalidates on every lease, finish and
 *  heartbeat of a run: while a probe is under way or younger than KEEP_MS it is 'static', which
 *  react-query never refetches on invalidation (nor cancels and restarts mid-probe); after that the
 *  next invalidation (a worker added, say) asks again. */
function keepWhileFresh(query: { state: { fetchStatus: string; dataUpdatedAt: number } }): number | 'static' {
  return query.state.fetchStatus === 'fetching' || Date.now() - query.state.dataUpdatedAt < KEEP_MS ? 'static' : 0;
}

export function useWorkerReach(input: MethodInput<'specs.probeWorkers'>, enabled: boolean) {
  const query = useShoalQuery('specs.probeWorkers', input, { enabled, staleTime: keepWhileFresh });
  // Asked again on purpose (a host key was just trusted): refetch() does not wait for KEEP_MS.
  return { reach: enabled ? query.data : undefined, probing: enabled && query.isFetching, recheck: () => void query.refetch() };
}
