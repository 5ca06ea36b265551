// What launching the draft would do: its tasks with their scorers, retry and alert policies and
// where each can run, the workers, and every problem listed next to the task or field it is about.
// Works for an invalid spec too (from the tasks as written), so a person sees where to look.
import type { MethodOutput } from '../../../../src-shared/contract';
import { AlertIcon } from '../../ui/icons';
import { WorkerReachList } from './WorkerReachList';

type Check = MethodOutput<'specs.validate'>;
type Located = Check['located'][number];
type Reach = MethodOutput<'specs.probeWorkers'>;

export function SpecPreviewPanel({ check, reach, probing = false, onRecheckWorkers, onGoToLine }: {
  check: Check; reach?: Reach; probing?: boolean; onRecheckWorkers?: () => void; onGoToLine: (line: number) => void;
}) {
  const byTask = new Map<number, Located[]>();
  const general: Located[] = [];
  for (const issue of check.located) {
    if (issue.taskIndex === null) general.push(issue);
    else byTask.set(issue.taskIndex, [...(byTask.get(issue.taskIndex) ?? []), issue]);
  }
  const preview = check.preview;
  // Validation reads the spec only and says it did not contact a worker's host; once the preview
  // asked the workers (Workers, below), that note is out of date for the ones that answered.
  const probed = new Set((reach ?? []).map((r) => r.id));
  const warnings = check.warnings.filter((w) => {
    const m = /^worker_specs\[(\d+)\]: .* was not (?:contacted|checked) /.exec(w);
    const id = m ? preview?.workers[Number(m[1])]?.id : undefined;
    return !(id !== undefined && probed.has(id));
  });
  const taskCount = preview?.tasks.length ?? check.outline.length;
  return (
    <div className="preview" data-testid="spec-preview" data-valid={check.ok}>
      <div className="preview-summary">
        <h3 className="preview-name">{preview?.name ?? 'Spec'}</h3>
        {preview && <span className="badge">{preview.format}</span>}
        <span className="muted">{taskCount} {taskCount === 1 ? 'task' : 'tasks'}{preview ? ` · ${preview.workers.length} ${preview.workers.length === 1 ? 'worker' : 'workers'}` : ''}</span>
      </div>

      {general.length > 0 && <IssueList issues={general} onGoToLine={onGoToLine} label="Problems with the spec" testId="spec-issues-general" />}
      {warnings.length > 0 && (
        <ul className="preview-warnings" aria-label="Warnings" data-testid="spec-warnings">
          {warnings.map((w) => <li key={w}><AlertIcon size={13} /> <span>{w}</span></li>)}
        </ul>
      )}

      <h4 className="preview-section">Tasks</h4>
      <ol className="preview-tasks">
        {preview
          ? preview.tasks.map((t, i) => (
            <li key={t.id} className="task-card" data-testid="preview-task" data-task-id={t.id} data-problem={byTask.has(i) || undefined}>
              <div className="task-card-head">
                <span className="task-card-name">{t.name}</span>
                <code className="task-card-id">{t.id}</code>
              </div>
              <dl className="task-card-facts">
                <div><dt>Agent</dt><dd>{t.agent}</dd></div>
                <div><dt>Scorer</dt><dd>{t.scorer}</dd></div>
                <div><dt>Retries</dt><dd>{t.retry}</dd></div>
                <div><dt>Alerts</dt><dd>{t.alert ?? 'none'}</dd></div>
                <div><dt>Timeout</dt><dd>{t.timeoutSeconds === null ? 'none' : `${t.timeoutSeconds}s`}</dd></div>
                {t.priority !== 0 && <div><dt>Priority</dt><dd>{t.priority}</dd></div>}
                {t.requires.length > 0 && <div><dt>Requires</dt><dd>{t.requires.join(', ')}</dd></div>}
                <div><dt>Runs on</dt><dd data-tone={t.unplaceable ? 'failed' : undefined}>{t.unplaceable ? `nowhere: ${t.unplaceable}` : t.placeableOn.join(', ')}</dd></div>
              </dl>
              {byTask.has(i) && <IssueList issues={byTask.get(i)!} onGoToLine={onGoToLine} label={`Problems with ${t.id}`} />}
            </li>
          ))
          : check.outline.map((t) => (
            <li key={t.index} className="task-card" data-testid="preview-task" data-task-id={t.id ?? undefined} data-problem={byTask.has(t.index) || undefined}>
              <div className="task-card-head">
                <span className="task-card-name">{t.name ?? <em className="muted">unnamed task</em>}</span>
                <code className="task-card-id">{t.id ?? `task_specs[${t.index}]`}</code>
                {t.line !== null && <button type="button" className="link-button" onClick={() => onGoToLine(t.line!)}>line {t.line}</button>}
              </div>
              {byTask.has(t.index)
                ? <IssueList issues={byTask.get(t.index)!} onGoToLine={onGoToLine} label={`Problems with ${t.id ?? `task ${t.index + 1}`}`} />
                : <p className="muted task-card-ok">No problems in this task.</p>}
            </li>
          ))}
        {/* Problems in tasks the outline could not list (e.g. an index past the end). */}
        {[...byTask.keys()].filter((i) => i >= taskCount).map((i) => (
          <li key={`extra-${i}`} className="task-card" data-problem>
            <div className="task-card-head"><code className="task-card-id">task_specs[{i}]</code></div>
            <IssueList issues={byTask.get(i)!} onGoToLine={onGoToLine} label={`Problems with task ${i + 1}`} />
          </li>
        ))}
      </ol>
      {taskCount === 0 && general.length === 0 && <p className="muted">No tasks yet.</p>}

      {preview && (
        <>
          <h4 className="preview-section">Workers</h4>
          <ul className="preview-workers">
            {preview.workers.map((w) => (
              <li key={w.id}>
                <span className="task-card-name">{w.name}</span> <span className="muted">({w.kind}, up to {w.maxConcurrent ?? '∞'} at once)</span>
                {w.capabilities.length > 0 && <span className="chips">{w.capabilities.map((c) => <span key={c} className="chip">{c}</span>)}</span>}
              </li>
            ))}
          </ul>
          <WorkerReachList reach={reach} probing={probing} onRecheck={onRecheckWorkers} />
        </>
      )}
    </div>
  );
}

function IssueList({ issues, onGoToLine, label, testId }: { issues: Located[]; onGoToLine: (line: number) => void; label: string; testId?: string }) {
  return (
    <ul className="issues" aria-label={label} data-testid={testId ?? 'spec-issues'}>
      {issues.map((i, n) => (
        <li key={n} className="issue">
          <AlertIcon size={13} className="issue-icon" />
          <span className="issue-text"><code>{i.path}</code> {i.message}</span>
          {i.line !== null && <button type="button" className="link-button issue-line" onClick={() => onGoToLine(i.line!)} aria-label={`Go to line ${i.line}`}>line {i.line}</button>}
        </li>
      ))}
    </ul>
  );
}
