// `#/runs/<run>/<task>[/<attempt>]`: one task: what it was asked, its state and actions (cancel,
// retry now, pass / fail in review), its attempts, and for the chosen attempt the live output, the
// artifacts (patch as a diff, test results, JSON, logs), every event, and the receipt.
import { useEffect, useState } from 'react';
import { hrefFor } from '../../app/use-route';
import { placeText } from '../../../../src-shared/contract/worker-place';
import { useShoalQuery } from '../../transport/query';
import { durationMs, formatDuration } from '../../ui/format';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { humanize, StatusPill } from '../../ui/StatusPill';
import { Tabs, TabPanel } from '../../ui/Tabs';
import { useNow } from '../../ui/use-now';
import { ReviewCandidates } from '../landing/CandidateGroup';
import { TaskConflictNote } from '../landing/TaskConflictNote';
import { TaskAlerts } from '../alerts/TaskAlerts';
import { taskEnded, taskNoteTone, taskTone } from '../runs/run-tone';
import { ArtifactsPanel } from './artifacts/ArtifactsPanel';
import { AttemptPicker } from './AttemptPicker';
import { EventLog } from './EventLog';
import { LiveOutput } from './LiveOutput';
import { ReceiptPanel } from './ReceiptPanel';
import { ReviewPanel, TaskActions } from './TaskActions';
import '../../ui/ui-extra.css';
import './task.css';

type Section = 'output' | 'artifacts' | 'events' | 'receipt';

export function TaskView({ runId, taskId, attempt: wanted }: { runId: string; taskId: string; attempt: number | null }) {
  const detail = useShoalQuery('tasks.get', { runId, taskId });
  const [picked, setPicked] = useState<number | null>(wanted);
  const [section, setSection] = useState<Section | null>(null);
  const live = detail.data?.attempts.some((a) => a.live) ?? false;
  const now = useNow(1000, live);
  useEffect(() => setPicked(wanted), [wanted]);

  if (detail.isPending) return <Loading label="Loading task…" />;
  if (detail.isError) {
    return (
      <div className="pad">
        <ErrorNotice title="Could not open this task" error={detail.error} onRetry={() => void detail.refetch()} />
        <p><a href={hrefFor('runs', runId)}>Back to the run</a></p>
      </div>
    );
  }
  const d = detail.data;
  const { task } = d;
  const ended = taskEnded(task.state);
  const attempts = d.attempts;
  const attempt = attempts.find((a) => a.attempt === picked) ?? attempts[attempts.length - 1] ?? null;
  const hasArtifacts = (attempt?.artifacts.length ?? 0) > 0;
  const shown: Section = section ?? (attempt?.live || !hasArtifacts ? 'output' : 'artifacts');

  return (
    <article className="task-view" aria-labelledby="task-title" data-state={task.state}>
      <header className="run-head task-head">
        <div className="run-head-title">
          <h2 id="task-title">{task.name}</h2>
          <StatusPill tone={taskTone(task.state)} label={humanize(task.state)} pulse={live} />
          <TaskActions task={task} />
        </div>
        <dl className="facts">
          <div><dt>Run</dt><dd><a href={hrefFor('runs', runId)}>{d.runName}</a></dd></div>
          <div><dt>Task id</dt><dd className="mono">{task.taskId}</dd></div>
          <div><dt>Attempts</dt><dd className="mono">{task.attempts}/{task.maxAttempts}</dd></div>
          <div><dt>Worker</dt><dd data-testid="task-worker">{d.worker ? placeText(d.worker) : task.workerId ?? '—'}</dd></div>
          <div><dt>Duration</dt><dd className="mono">{formatDuration(durationMs(task.startedAt, task.finishedAt, now))}</dd></div>
          <div><dt>Agent</dt><dd>{d.agent}</dd></div>
          <div><dt>Scorer</dt><dd>{d.scorer}</dd></div>
          {d.timeoutSeconds !== null && <div><dt>Timeout</dt><dd>{d.timeoutSeconds}s</dd></div>}
        </dl>
        {(task.unplaceable ?? task.lastError) && <p className="task-note" data-tone={taskNoteTone(task)}>{task.unplaceable ?? task.lastError}</p>}
        <TaskConflictNote runId={runId} taskId={taskId} live={!ended} />
        <details className="instructions">
          <summary>Instructions{d.description ? ` · ${d.description}` : ''}</summary>
          <pre className="mono">{d.instructions}</pre>
        </details>
      </header>

      {task.state === 'review' && <ReviewPanel task={task} />}
      {task.state === 'review' && <ReviewCandidates runId={runId} taskId={taskId} />}
      <TaskAlerts runId={runId} taskId={taskId} />

      {attempts.length === 0 ? (
        <p className="muted pad">
          {ended ? 'No attempt ran: the task ended before a worker took it.' : `No attempt yet: the task is waiting for a worker${task.unplaceable ? ' that can take it' : ''}.`}
        </p>
      ) : (
        <>
          <div className="attempts-bar">
            <span className="attempts-title">Attempts</span>
            <AttemptPicker attempts={attempts} selected={attempt!.attempt} onSelect={setPicked} now={now} />
          </div>
          <Tabs label="Attempt details" idBase="task" selected={shown} onSelect={setSection} className="task-tabs"
            tabs={[
              { id: 'output', label: 'Output', testId: 'tab-output' },
              { id: 'artifacts', label: 'Artifacts', badge: attempt!.artifacts.length, testId: 'tab-artifacts' },
              { id: 'events', label: 'Events', testId: 'tab-events' },
              { id: 'receipt', label: 'Receipt', testId: 'tab-receipt' },
            ]} />
          <TabPanel idBase="task" id={shown} className="task-panel">
            {shown === 'output' && <LiveOutput key={attempt!.attempt} runId={runId} taskId={taskId} attempt={attempt!.attempt} live={attempt!.live} />}
            {shown === 'artifacts' && <ArtifactsPanel key={attempt!.attempt} runId={runId} taskId={taskId} attempt={attempt!.attempt} artifacts={attempt!.artifacts} />}
            {shown === 'events' && <EventLog runId={runId} taskId={taskId} />}
            {shown === 'receipt' && <ReceiptPanel attempt={attempt!} />}
          </TabPanel>
        </>
      )}
    </article>
  );
}
