// Where clicking a notification takes a person: the run, the task or the thread it is about (the
// browser's notification under the headless host and the desktop app's system notification alike).
import { hrefFor } from '../../app/use-route';

/** Where a notification about a run, a task or a thread takes the person who clicks it. */
export function notificationHref(about: { runId?: string | undefined; taskId?: string | undefined; threadId?: string | undefined }): string | null {
  if (about.runId) return about.taskId ? hrefFor('runs', about.runId, about.taskId) : hrefFor('runs', about.runId);
  return about.threadId ? hrefFor('threads', about.threadId) : null;
}
