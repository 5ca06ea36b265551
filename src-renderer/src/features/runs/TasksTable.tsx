// The tasks of one run, in spec order.
import type { TaskRow } from '../../../../src-shared/contract';
import { durationMs, formatDuration } from '../../ui/format';
import { humanize, StatusPill } from '../../ui/StatusPill';
import { taskTone } from './run-tone';

export function TasksTable({ tasks, now }: { tasks: TaskRow[]; now: number }) {
  if (tasks.length === 0) return <p className="muted pad">This run has no tasks.</p>;
  return (
    <table className="table" data-testid="tasks-table">
      <thead>
        <tr>
          <th scope="col" className="col-status">State</th>
          <th scope="col" className="col-title">Task</th>
          <th scope="col" className="col-num">Attempt</th>
          <th scope="col">Worker</th>
          <th scope="col" className="col-num">Duration</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => <TaskLine key={task.taskId} task={task} now={now} />)}
      </tbody>
    </table>
  );
}

function TaskLine({ task, now }: { task: TaskRow; now: number }) {
  // Why a task is stuck (no worker can take it) matters more than its last error.
  const note = task.unplaceable ?? task.lastError;
  return (
    <tr>
      <td><StatusPill tone={taskTone(task.state)} label={humanize(task.state)} /></td>
      <td className="cell-title">
        <div className="stack">
          <span>{task.name}</span>
          {note && <span className="cell-sub" data-tone={task.unplaceable ? 'review' : 'failed'} title={note}>{note}</span>}
        </div>
      </td>
      <td className="col-num mono">{task.attempts}/{task.maxAttempts}</td>
      <td className="muted">{task.workerId ?? '—'}</td>
      <td className="col-num mono">{formatDuration(durationMs(task.startedAt, task.finishedAt, now))}</td>
    </tr>
  );
}
