// What a landing merges and in which order: the run's passed tasks (or the ones asked for), highest
// priority first, then spec order, each as its result branch `shoal/<run>/<task>`. Best-of-N groups
// contribute only their winner (see candidates.ts).
import type { Store } from '../store/open';
import { refSlug } from '../fleet/ids';

export interface RunTask {
  taskId: string; name: string; priority: number; ordinal: number; state: string; spec: Record<string, unknown>; branch: string;
}

/** How a refusal names the landing's options: the CLI by its flags, the app by its form's fields
 *  (api/land-wording.ts). The message is written once, as a function of these names. */
export interface LandWording {
  /** How to say which branch to land into. */
  sayInto: string;
  pr: string;
  push: string;
  /** How a landing of each mode is asked for again. */
  mode: Record<'merge' | 'squash' | 'branches', string>;
}

export const CLI_WORDING: LandWording = {
  sayInto: 'say which branch to land into with --into BRANCH', pr: '--pr', push: '--push',
  mode: { merge: 'merge commits', squash: '--squash', branches: '--branches or --pr' },
};

/** Bad input to `land`: `field` names it, `message` says why in the CLI's words (its flags). */
export class LandInputError extends Error {
  constructor(readonly field: string, private readonly text: string | ((w: LandWording) => string)) {
    super(typeof text === 'string' ? text : text(CLI_WORDING));
  }

  /** The message naming the options as `w` does (the app: its form's fields, not the CLI's flags). */
  worded(w: LandWording): string {
    return typeof this.text === 'string' ? this.text : this.text(w);
  }
}

/** The run's tasks in landing order, each with the branch its last attempt worked on. */
export function runTasks(store: Store, runId: string): RunTask[] {
  const rows = store.db.prepare<[string, string], { task_id: string; name: string; priority: number; ordinal: number; state: string; spec: string; branch: string | null }>(
    `SELECT t.task_id, t.name, t.priority, t.ordinal, t.state, t.spec,
       (SELECT a.branch FROM attempts a WHERE a.run_id = ? AND a.task_id = t.task_id AND a.branch IS NOT NULL ORDER BY a.attempt DESC LIMIT 1) AS branch
     FROM tasks t WHERE t.run_id = ? ORDER BY t.priority DESC, t.ordinal`).all(runId, runId);
  return rows.map((r) => ({
    taskId: r.task_id, name: r.name, priority: r.priority, ordinal: r.ordinal, state: r.state,
    spec: JSON.parse(r.spec) as Record<string, unknown>, branch: r.branch ?? `shoal/${refSlug(runId)}/${refSlug(r.task_id)}`,
  }));
}

/** The tasks to land: `only` (each must have passed) or every passed task. */
export function planItems(tasks: RunTask[], only: string[] | undefined, winners: Map<string, string> = new Map()): RunTask[] {
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  if (only && only.length > 0) {
    return only.map((id, i) => {
      const t = byId.get(id);
      if (!t) throw new LandInputError(`tasks[${i}]`, `no task "${id}" in this run`);
      if (only.indexOf(id) !== i) throw new LandInputError(`tasks[${i}]`, `task "${id}" is listed twice`);
      if (t.state !== 'passed') throw new LandInputError(`tasks[${i}]`, `task "${id}" has not passed (it is ${t.state}); only passed results can land`);
      return t;
    }).sort((a, b) => b.priority - a.priority || a.ordinal - b.ordinal);
  }
  // A candidate that lost to another in its group never lands; groups without a winner land nothing.
  return tasks.filter((t) => t.state === 'passed' && !isLoser(t, winners));
}

function isLoser(t: RunTask, winners: Map<string, string>): boolean {
  const group = (t.spec.metadata as Record<string, unknown> | undefined)?.candidate_of;
  return typeof group === 'string' && winners.get(group) !== t.taskId;
}
