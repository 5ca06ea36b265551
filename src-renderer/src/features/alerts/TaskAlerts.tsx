// The alerts a task raised, on the task view: nothing when there are none.
import { useShoalQuery } from '../../transport/query';
import { AlertsTable } from './AlertsView';
import './alerts.css';

export function TaskAlerts({ runId, taskId }: { runId: string; taskId: string }) {
  const list = useShoalQuery('alerts.list', { runId, taskId });
  const rows = list.data?.deliveries ?? [];
  if (rows.length === 0) return null;
  return (
    <section className="task-alerts" aria-label="Alerts of this task" data-testid="task-alerts">
      <h3 className="attempts-title">Alerts</h3>
      <AlertsTable rows={rows} />
    </section>
  );
}
