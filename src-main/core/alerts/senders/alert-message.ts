// What every channel says about one alert, before it is shaped for Slack, a webhook or PagerDuty.
import type { AlertAction, AlertRule } from '../outbox';

export interface AlertMessage {
  /** The delivery id: identical on every retry of this delivery. */
  id: string;
  action: AlertAction;
  rule: AlertRule;
  runId: string | null;
  runName: string | null;
  taskId: string | null;
  taskName: string | null;
  attempt: number | null;
  reason: string;
  createdAt: string;
  /** Stable per task alert: PagerDuty's dedup_key. */
  dedupKey: string;
  /** Where in Shoal to look (the task, else the run, else the alerts view). */
  link: string;
}

/** A request ready to send. */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function headline(m: AlertMessage): string {
  const what = m.taskName ?? m.taskId ?? 'approval';
  const where = m.runName ?? m.runId;
  const inRun = where ? ` in ${where}` : '';
  switch (m.rule) {
    case 'failed': return `Task "${what}"${inRun} failed for good`;
    case 'attempts': return `Task "${what}"${inRun} has failed ${m.attempt ?? '?'} attempts`;
    case 'stale': return `Task "${what}"${inRun} has made no progress`;
    case 'approval': return `An approval${inRun} is waiting for a person`;
    case 'resolved': return `Task "${what}"${inRun} passed: resolved`;
    case 'approval_answered': return `An approval${inRun} was answered: resolved`;
    case 'test': return 'Test alert from Shoal';
  }
}

/** Link into Shoal: the app's route for the task, run or alerts view. */
export function shoalLink(runId: string | null, taskId: string | null): string {
  if (runId && taskId) return `shoal://runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(taskId)}`;
  if (runId) return `shoal://runs/${encodeURIComponent(runId)}`;
  return 'shoal://alerts';
}
