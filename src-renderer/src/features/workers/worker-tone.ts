import type { RemoteAgentState, WorkerRow } from '../../../../src-shared/contract';
import type { Tone } from '../../ui/StatusPill';

// Worker statuses of the fleet protocol: unknown, online, busy, offline, unhealthy, draining, retired.
const WORKER_TONES: Record<string, Tone> = {
  online: 'passed', busy: 'running', unknown: 'queued', offline: 'cancelled', unhealthy: 'failed', draining: 'review', retired: 'cancelled',
};

export const workerTone = (status: string): Tone => WORKER_TONES[status] ?? 'queued';

const HOST_LABELS: Record<string, string> = { local: 'This computer', ssh: 'SSH', docker: 'Docker', agent: 'Remote agent' };
export const hostLabel = (kind: string): string => HOST_LABELS[kind] ?? kind;

const AGENT_TONES: Record<Exclude<RemoteAgentState, 'online'>, Tone> = { stale: 'failed', offline: 'cancelled', revoked: 'cancelled' };

/** What the Status column says. A remote agent that is not plainly online says why (stale, offline,
 *  revoked) instead of the worker status its last report left behind. */
export function workerPill(w: WorkerRow): { tone: Tone; status: string } {
  const state = w.agent?.state;
  if (state && state !== 'online') return { tone: AGENT_TONES[state], status: state };
  return { tone: workerTone(w.status), status: w.status };
}
