// The tasks of one run, in spec order; each name opens the task. A run of thousands of tasks
// renders only the rows near the viewport (the page scrolls; spacer rows keep the table's height).
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState } from 'react';
import type { TaskRow } from '../../../../src-shared/contract';
import { hrefFor } from '../../app/use-route';
import { durationMs, formatDuration } from '../../ui/format';
import { humanize, StatusPill } from '../../ui/StatusPill';
import { taskNoteTone, taskTone } from './run-tone';

const VIRTUAL_FROM = 300;
const ROW_H = 45;

export function TasksTable({ tasks, now }: { tasks: TaskRow[]; now: number }) {
  if (tasks.length === 0) return <p className="muted pad">This run has no tasks.</p>;
  return (
    <table className="table" data-testid="tasks-table" aria-rowcount={tasks.length + 1}>
      <thead>
        <tr>
          <th scope="col" className="col-status">State</th>
          <th scope="col" className="col-title">Task</th>
          <th scope="col" className="col-num">Attempt</th>
          <th scope="col">Scorer</th>
          <th scope="col">Worker</th>
          <th scope="col" className="col-num">Duration</th>
        </tr>
      </thead>
      {tasks.length < VIRTUAL_FROM
        ? <tbody>{tasks.map((task) => <TaskLine key={task.taskId} task={task} now={now} />)}</tbody>
        : <VirtualRows tasks={tasks} now={now} />}
    </table>
  );
}

function VirtualRows({ tasks, now }: { tasks: TaskRow[]; now: number }) {
  const body = useRef<HTMLTableSectionElement>(null);
  const [margin, setMargin] = useState(0);
  const scroller = () => document.getElementById('content');
  useLayoutEffect(() => {
    const el = body.current;
    const sc = scroller();
    if (el && sc) setMargin(el.getBoundingClientRect().top - sc.getBoundingClientRect().top + sc.scrollTop);
  });
  const virtual = useVirtualizer({ count: tasks.length, getScrollElement: scroller, estimateSize: () => ROW_H, overscan: 15, scrollMargin: margin });
  const items = virtual.getVirtualItems();
  const before = items.length > 0 ? items[0]!.start - margin : 0;
  const after = items.length > 0 ? virtual.getTotalSize() - (items[items.length - 1]!.end - margin) : 0;
  return (
    <tbody ref={body}>
      {before > 0 && <tr aria-hidden="true" style={{ height: before }} />}
      {items.map((item) => <TaskLine key={tasks[item.index]!.taskId} task={tasks[item.index]!} now={now} index={item.index} />)}
      {after > 0 && <tr aria-hidden="true" style={{ height: after }} />}
    </tbody>
  );
}

function TaskLine({ task, now, index }: { task: TaskRow; now: number; index?: number }) {
  // Why a task is stuck (no worker can take it) matters more than its last error.
  const note = task.unplaceable ?? task.lastError;
  return (
    <tr data-testid="task-row" data-task-id={task.taskId} data-state={task.state} aria-rowindex={index === undefined ? undefined : index + 2}>
      <td><StatusPill tone={taskTone(task.state)} label={humanize(task.state)} pulse={task.state === 'running' || task.state === 'model_wait' || task.state === 'running_tool'} /></td>
      <td className="cell-title">
        <div className="stack">
          <a className="row-link" href={hrefFor('runs', task.runId, task.taskId)}>{task.name}</a>
          {note && <span className="cell-sub" data-tone={taskNoteTone(task)} title={note}>{note}</span>}
        </div>
      </td>
      <td className="col-num mono">{task.attempts}/{task.maxAttempts}</td>
      <td className="muted">{humanize(task.scorer)}</td>
      <td className="muted">{task.workerId ?? '—'}</td>
      <td className="col-num mono">{formatDuration(durationMs(task.startedAt, task.finishedAt, now))}</td>
    </tr>
  );
}
