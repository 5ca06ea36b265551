import type { Tone } from '../../ui/StatusPill';

// Worker statuses of the fleet protocol: unknown, online, busy, offline, unhealthy, draining, retired.
const WORKER_TONES: Record<string, Tone> = {
  online: 'passed', busy: 'running', unknown: 'queued', offline: 'cancelled', unhealthy: 'failed', draining: 'review', retired: 'cancelled',
};

export const workerTone = (status: string): Tone => WORKER_TONES[status] ?? 'queued';

const HOST_LABELS: Record<string, string> = { local: 'This computer', ssh: 'SSH', docker: 'Docker', agent: 'Remote agent' };
export const hostLabel = (kind: string): string => HOST_LABELS[kind] ?? kind;
