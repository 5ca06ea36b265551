// What a worker's row shows, from its typed state: the status pill, the line under its name (a
// fault in danger red, anything else neutral), the heartbeat age and the actions that make sense.
import type { RemoteAgentState, WorkerRow, WorkerState } from '../../../../src-shared/contract';
import { withoutWorker } from '../../../../src-shared/protocol/worker-reason';
import { formatAgo, formatClock, formatRelative } from '../../ui/format';
import type { Tone } from '../../ui/StatusPill';

const HOST_LABELS: Record<string, string> = { local: 'This computer', ssh: 'SSH', docker: 'Docker', agent: 'Remote agent' };
export const hostLabel = (kind: string): string => HOST_LABELS[kind] ?? kind;

/** The line under a worker's name: its kind, and for an SSH or Docker worker where it runs ("SSH ·
 *  me@box:22", "Docker · IMAGE at ssh://…"), from main's description of its host ("ssh me@box:22"),
 *  so two SSH workers are told apart at a glance. */
export function hostLine(kind: string, target?: string): string {
  const label = hostLabel(kind);
  if (!target || kind === 'local') return label;
  const where = target.startsWith(`${kind} `) ? target.slice(kind.length + 1) : target;
  return where ? `${label} · ${where}` : label;
}

const STATE_PILLS: Record<WorkerState, { tone: Tone; label: string }> = {
  online: { tone: 'passed', label: 'Online' },
  busy: { tone: 'running', label: 'Busy' },
  checking: { tone: 'queued', label: 'Checking' },
  down: { tone: 'failed', label: 'Unhealthy' },
  draining: { tone: 'review', label: 'Draining' },
  retired: { tone: 'cancelled', label: 'Retired' },
  offline: { tone: 'cancelled', label: 'Offline' },
  // Gone workers read Offline, like any worker not running here; the line under the name says why.
  removed: { tone: 'cancelled', label: 'Offline' },
  'run-ended': { tone: 'cancelled', label: 'Offline' },
};

/** A removed worker still finishing what it ran: busy, but on its way out. */
const FINISHING = { tone: 'running', label: 'Finishing' } as const;

const AGENT_PILLS: Record<Exclude<RemoteAgentState, 'online'>, { tone: Tone; label: string }> = {
  stale: { tone: 'failed', label: 'Stale' }, offline: { tone: 'cancelled', label: 'Offline' }, revoked: { tone: 'cancelled', label: 'Revoked' },
};

/** States in which the worker is alive and reporting: its heartbeat may read "just now". */
const LIVE: ReadonlySet<WorkerState> = new Set(['online', 'busy', 'checking', 'draining']);

export interface WorkerNote {
  text: string;
  /** `fault`: something is wrong and a person may act (host down with a cause, auth refused, key
   *  mismatch); shown in danger red. `neutral`: a fact (removed, offline, its run ended). */
  kind: 'fault' | 'neutral';
  /** The full text, when `text` was shortened. */
  title?: string;
}

export interface WorkerPresentation {
  pill: { tone: Tone; label: string; pulse: boolean };
  note: WorkerNote | null;
  /** The Heartbeat column: the real last heartbeat's age; never "just now" for a worker that is not alive. */
  heartbeat: string;
  /** The Running now column when it runs nothing. */
  idle: string;
  /** Removed, or its run ended: listed for its history, no longer a worker (no load to show). */
  gone: boolean;
  /** Alive and reporting: its latest load sample is its load now (else only the last one heard). */
  live: boolean;
  actions: { drain: boolean; resume: boolean; retire: boolean; revoke: boolean };
}

/** A removed worker, or a run's own worker whose run ended: listed for its history, no worker any more. */
export const isGone = (state: WorkerState): boolean => state === 'removed' || state === 'run-ended';

export function presentWorker(w: WorkerRow, now: number): WorkerPresentation {
  const agent = w.agent?.state;
  const pill = agent && agent !== 'online' ? AGENT_PILLS[agent] : w.state === 'removed' && w.running > 0 ? FINISHING : STATE_PILLS[w.state];
  const live = LIVE.has(w.state) && (!agent || agent === 'online');
  const gone = isGone(w.state);
  return {
    pill: { ...pill, pulse: pill === STATE_PILLS.busy || pill === FINISHING },
    note: noteOf(w, now),
    heartbeat: live ? formatRelative(w.lastHeartbeatAt, now) : formatAgo(w.lastHeartbeatAt, now),
    // Idle only where it could take a task; a worker that is down or gone is not idle, just not there.
    idle: w.state === 'draining' ? 'Drained' : w.state === 'online' || w.state === 'busy' ? 'Idle' : '—',
    gone,
    live,
    actions: {
      // A removed worker, or one whose run ended, is in no engine: there is nothing to drain or
      // retire (main refuses it too). Resume stays for what a person took out of service.
      drain: !gone && w.state !== 'draining' && w.state !== 'retired',
      resume: !gone && (w.state === 'draining' || w.state === 'retired'),
      retire: !gone && w.state !== 'retired',
      revoke: w.agent !== null && w.agent.state !== 'revoked',
    },
  };
}

/** Keeps a phrase on one line ("last seen 9s ago"): a note wraps between its parts, not inside one. */
const unbroken = (text: string): string => text.replace(/ /g, '\u00a0');

/** "Removed at 4:02 PM", or just "Removed" when the store does not say since when (never "at —"). */
const stamped = (what: string, word: 'at' | 'since', iso: string | null, now: number): string =>
  iso ? `${what} ${word} ${formatClock(iso, now)}` : what;

function noteOf(w: WorkerRow, now: number): WorkerNote | null {
  const seen = w.lastHeartbeatAt ? unbroken(`last seen ${formatAgo(w.lastHeartbeatAt, now)}`) : null;
  switch (w.state) {
    case 'down':
      return w.statusReason
        ? { text: withoutWorker(w.name, w.statusReason), kind: 'fault', title: w.statusReason }
        : { text: ['Not answering', seen].filter(Boolean).join(' · '), kind: 'neutral' };
    case 'removed':
      if (w.running > 0) return { text: `Removed · finishing ${w.running} ${w.running === 1 ? 'task' : 'tasks'}, then it leaves`, kind: 'neutral', title: 'Removed from the kept workers: it takes nothing new' };
      return { text: seen ? `Removed · ${seen}` : stamped('Removed', 'at', w.stateSince, now), kind: 'neutral', title: 'Removed from the kept workers' };
    case 'run-ended':
      return { text: seen ? `Run ended · ${seen}` : stamped('Run ended', 'at', w.stateSince, now), kind: 'neutral', title: "A worker of a run's own worker_specs: it leaves when the run ends" };
    case 'offline':
      if (w.agent?.state === 'revoked') return null; // the agent line says when it was revoked
      return { text: [unbroken(stamped('Offline', 'since', w.stateSince, now)), seen].filter(Boolean).join(' · '), kind: 'neutral' };
    case 'retired':
      return { text: unbroken(stamped('Retired', 'since', w.stateSince, now)), kind: 'neutral' };
    default:
      return null;
  }
}
