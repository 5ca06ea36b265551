// On a task's page: the other tasks of its run that change the same files, before anyone lands them.
import { useShoalQuery } from '../../transport/query';

export function TaskConflictNote({ runId, taskId, live }: { runId: string; taskId: string; live: boolean }) {
  const overview = useShoalQuery('landing.overview', { runId }, { refetchInterval: live ? 1500 : false });
  const mine = (overview.data?.warnings ?? []).filter((w) => w.tasks.includes(taskId));
  if (mine.length === 0) return null;
  return (
    <p className="task-note" data-tone="review" data-testid="task-conflict-note">
      Changes the same files as{' '}
      {mine.map((w, i) => (
        <span key={`${w.tasks.join('+')}:${w.file}`}>
          {i > 0 ? '; ' : ''}<span className="mono">{w.tasks[0] === taskId ? w.tasks[1] : w.tasks[0]}</span> (<span className="mono">{w.file}</span>{w.conflicts ? ', conflicts' : w.overlapping ? ', overlapping lines' : ''})
        </span>
      ))}
    </p>
  );
}
