import { useSetting } from './use-setting';

export function NotificationsSetting({ value }: { value: boolean }) {
  const notifications = useSetting('notifications', value);
  return (
    <div className="setting">
      <div className="setting-text">
        <span className="setting-label" id="notifications-label">Notifications</span>
        <span className="setting-hint" id="notifications-hint">A desktop notification when a run finishes, a task fails or an approval is waiting.</span>
        {notifications.error && <span className="setting-error" role="alert">{notifications.error.message}</span>}
      </div>
      <button type="button" role="switch" className="switch" aria-checked={notifications.value} aria-labelledby="notifications-label"
        aria-describedby="notifications-hint" onClick={() => notifications.set(!notifications.value)} />
    </div>
  );
}
