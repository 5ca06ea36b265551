// Conflict warnings per task, for views that mark tasks rather than list pairs (the timeline): each
// task of a warned pair gets one line naming the other tasks and the shared files, worst first.
import { useMemo } from 'react';
import type { OverlapWarningView } from '../../../../src-shared/contract/methods/landing';
import { useShoalQuery } from '../../transport/query';

const level = (w: OverlapWarningView): string => (w.conflicts ? ', conflicts' : w.overlapping ? ', overlapping lines' : '');

/** Task id → "Changes the same files as c (shared.txt, conflicts)". */
export function conflictMarks(warnings: readonly OverlapWarningView[]): Map<string, string> {
  const parts = new Map<string, string[]>();
  const ordered = [...warnings].sort((a, b) => Number(b.conflicts) - Number(a.conflicts) || Number(b.overlapping) - Number(a.overlapping));
  for (const w of ordered) {
    for (const [me, other] of [[w.tasks[0], w.tasks[1]], [w.tasks[1], w.tasks[0]]] as const) {
      const list = parts.get(me) ?? [];
      list.push(`${other} (${w.file}${level(w)})`);
      parts.set(me, list);
    }
  }
  return new Map([...parts].map(([task, list]) => [task, `Changes the same files as ${list.join('; ')}`]));
}

/** The run's conflict marks. They read the Land section's overview, which LandPanel (on the same
 *  run page) polls while the run is live: a second interval here would ask for it twice as often,
 *  since react-query runs one timer per observer. */
export function useConflictMarks(runId: string): ReadonlyMap<string, string> {
  const overview = useShoalQuery('landing.overview', { runId });
  const warnings = overview.data?.warnings;
  return useMemo(() => conflictMarks(warnings ?? []), [warnings]);
}
