// What main says a person should hear about (a run finished or failed, a task waits for review, a
// tool call waits for approval): a toast in the window, and under the headless host the browser's
// own notification when allowed, which opens the run, task or thread when clicked (in the Electron
// app, main shows the operating system's notification itself, and a click on it comes back here as
// an `open` event).
import { useCallback } from 'react';
import type { ServerEvent } from '../../../../src-shared/contract';
import { navigate } from '../../app/use-route';
import { notificationHref } from './notification-href';
import { useClient, useServerEvents, useShoalQuery } from '../../transport/query';
import { useToast } from '../../ui/Toaster';

/** Mounted once inside the Toaster; renders nothing. */
export function DesktopNotifications(): null {
  const client = useClient();
  const toast = useToast();
  const settings = useShoalQuery('settings.get', {});
  const enabled = settings.data?.notifications ?? true;
  useServerEvents(useCallback((event: ServerEvent) => {
    // The desktop app's notification was clicked (main brought this window forward).
    if (event.type === 'open') {
      const href = notificationHref(event);
      if (href) navigate(href);
      return;
    }
    if (event.type !== 'notify') return;
    toast(`${event.title} — ${event.body}`);
    if (client.transport.kind !== 'headless' || !enabled || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const href = notificationHref(event);
    const n = new Notification(event.title, { body: event.body, tag: event.threadId ?? `${event.runId ?? ''}/${event.taskId ?? ''}` });
    n.onclick = () => {
      window.focus();
      if (href) navigate(href);
      n.close();
    };
  }, [client, toast, enabled]));
  return null;
}
