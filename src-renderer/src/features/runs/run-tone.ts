// Run statuses and task states mapped onto the app's status tones, and a run's progress segments.
import { ENDED_TASK_STATES, type RunSummary, type TaskRow, type TaskState } from '../../../../src-shared/contract';
import { isIn } from '../../../../src-shared/protocol/event-states';
import type { Segment } from '../../ui/ProgressBar';
import type { Tone } from '../../ui/StatusPill';

const RUN_TONES: Record<RunSummary['status'], Tone> = {
  pending: 'queued', queued: 'queued', running: 'running', paused: 'review', completed: 'passed', failed: 'failed', cancelled: 'cancelled',
};

const TASK_TONES: Record<TaskState, Tone> = {
  pending: 'queued', queued: 'queued', leased: 'queued', starting: 'running', running: 'running', model_wait: 'running',
  running_tool: 'running', retry_wait: 'review', review: 'review', passed: 'passed', failed: 'failed', timeout: 'failed',
  cancelled: 'cancelled', skipped: 'cancelled',
};

export const runTone = (status: RunSummary['status']): Tone => RUN_TONES[status];
export const taskTone = (state: TaskState): Tone => TASK_TONES[state];

export const taskEnded = (state: TaskState): boolean => isIn(ENDED_TASK_STATES, state);

/** The tone of a task's note: why no worker can take it is a warning while it waits, and only says
 *  why it waited once it has ended; its last error is a failure. */
export function taskNoteTone(task: Pick<TaskRow, 'state' | 'unplaceable'>): Tone | undefined {
  if (!task.unplaceable) return 'failed';
  return taskEnded(task.state) ? undefined : 'review';
}

export function isLive(status: RunSummary['status']): boolean {
  return status === 'running' || status === 'queued' || status === 'pending';
}

export function runSegments(run: Pick<RunSummary, 'passed' | 'failed' | 'review' | 'cancelled'>): Segment[] {
  return [
    { tone: 'passed', value: run.passed, label: 'passed' },
    { tone: 'failed', value: run.failed, label: 'failed' },
    { tone: 'review', value: run.review, label: 'in review' },
    { tone: 'cancelled', value: run.cancelled, label: 'cancelled' },
  ];
}
