// Conflict warnings while a run is going: tasks of one run that touch the same file,
// found before anyone lands them. A finished task's changes are its patch artifact; a running task's
// are read from its worktree as they are now. Both start from the run's base commit, so their hunks'
// base-file ranges compare directly; for two finished branches `git merge-tree` says whether git
// would actually conflict.
import fs from 'node:fs';
import { diffStat, receiptDiffStat, type FileStat } from './diff-stat';
import { gitRun } from './git';
import { WORKING_TASK_STATES } from '../../../src-shared/contract/views';
import { isIn } from '../../../src-shared/protocol/event-states';
import type { Store } from '../store/open';

export interface OverlapWarning {
  tasks: [string, string];
  file: string;
  /** Their hunks overlap in the base file (likely to conflict). */
  overlapping: boolean;
  /** Both finished and `git merge-tree` of their branches conflicts on this file. */
  conflicts: boolean;
}

interface TaskChanges { taskId: string; group: string | null; state: string; branch: string | null; finished: boolean; files: FileStat[] }


async function changesOf(store: Store, runId: string): Promise<{ repo: string | null; list: TaskChanges[] }> {
  const rows = store.db.prepare<[string, string], { task_id: string; state: string; body: string | null; workdir: string | null; branch: string | null; grp: string | null }>(
    `SELECT t.task_id, t.state, json_extract(t.spec, '$.metadata.candidate_of') AS grp,
       (SELECT body FROM receipts r WHERE r.run_id = ? AND r.task_id = t.task_id ORDER BY attempt DESC LIMIT 1) AS body,
       a.workdir, a.branch
     FROM tasks t LEFT JOIN attempts a ON a.run_id = t.run_id AND a.task_id = t.task_id AND a.attempt = t.attempts
     WHERE t.run_id = ? AND t.state NOT IN ('pending', 'queued', 'retry_wait', 'failed', 'timeout', 'cancelled', 'skipped')
     ORDER BY t.priority DESC, t.ordinal`).all(runId, runId);
  const workspace = store.db.prepare<[string], { workspace: string | null }>(`SELECT workspace FROM runs WHERE id = ?`).get(runId)?.workspace ?? null;
  const list: TaskChanges[] = [];
  for (const r of rows) {
    if (r.body && !isIn(WORKING_TASK_STATES, r.state)) {
      const artifacts = (JSON.parse(r.body) as { artifacts?: Array<Record<string, unknown>> }).artifacts ?? [];
      list.push({ taskId: r.task_id, group: r.grp, state: r.state, branch: r.branch, finished: true, files: receiptDiffStat(artifacts).files });
    } else if (r.workdir && fs.existsSync(r.workdir)) {
      list.push({ taskId: r.task_id, group: r.grp, state: r.state, branch: r.branch, finished: false, files: await liveChanges(r.workdir) });
    }
  }
  const top = workspace && fs.existsSync(workspace) ? await gitRun(workspace, ['rev-parse', '--show-toplevel']) : null;
  return { repo: top && top.code === 0 ? top.stdout.trim() : null, list };
}

/** A running agent's changes so far: tracked edits as hunks, new files as touched whole. */
async function liveChanges(workdir: string): Promise<FileStat[]> {
  const diff = await gitRun(workdir, ['diff', 'HEAD']);
  const files = diff.code === 0 ? diffStat(diff.stdout).files : [];
  const untracked = await gitRun(workdir, ['ls-files', '--others', '--exclude-standard']);
  for (const f of untracked.stdout.split('\n').filter(Boolean)) files.push({ file: f, added: 0, removed: 0, hunks: [{ start: 0, lines: Number.MAX_SAFE_INTEGER }] });
  return files;
}

function hunksOverlap(a: FileStat, b: FileStat): boolean {
  // A new file (start 0) overlaps any change to the same path.
  return a.hunks.some((x) => b.hunks.some((y) => x.start <= y.start + y.lines && y.start <= x.start + x.lines));
}

/** The pairs (i < j, in the order a loop over every pair would meet them) of tasks that touch at
 *  least one file in common. Found through the files, not by comparing every task with every
 *  other: the run page asks for these warnings again with every change of a run, and a run of
 *  thousands of tasks that mostly touch their own files has millions of pairs and few shared files. */
function pairsSharingAFile(list: readonly TaskChanges[]): Array<[number, number]> {
  const byFile = new Map<string, number[]>();
  list.forEach((t, i) => {
    for (const f of t.files) {
      const tasks = byFile.get(f.file);
      if (!tasks) byFile.set(f.file, [i]);
      else if (tasks[tasks.length - 1] !== i) tasks.push(i);
    }
  });
  const pairs = new Map<number, [number, number]>();
  for (const tasks of byFile.values()) {
    for (let x = 0; x < tasks.length; x++) {
      for (let y = x + 1; y < tasks.length; y++) pairs.set(tasks[x]! * list.length + tasks[y]!, [tasks[x]!, tasks[y]!]);
    }
  }
  return [...pairs.entries()].sort((p, q) => p[0] - q[0]).map(([, pair]) => pair);
}

export async function overlapWarnings(store: Store, runId: string): Promise<OverlapWarning[]> {
  const { repo, list } = await changesOf(store, runId);
  const warnings: OverlapWarning[] = [];
  for (const [i, j] of pairsSharingAFile(list)) {
    const a = list[i]!;
    const b = list[j]!;
    // Candidates of one best-of-N task are alternatives: only one of them ever lands.
    if (a.group !== null && a.group === b.group) continue;
    const shared = a.files.filter((f) => b.files.some((g) => g.file === f.file));
    if (shared.length === 0) continue;
    let conflicted = new Set<string>();
    if (repo && a.finished && b.finished && a.branch && b.branch) {
      const r = await gitRun(repo, ['merge-tree', '--write-tree', '--name-only', '--no-messages', a.branch, b.branch]);
      if (r.code === 1) conflicted = new Set(r.stdout.split('\n').slice(1).filter(Boolean));
    }
    for (const f of shared) {
      const g = b.files.find((x) => x.file === f.file)!;
      warnings.push({ tasks: [a.taskId, b.taskId], file: f.file, overlapping: hunksOverlap(f, g), conflicts: conflicted.has(f.file) });
    }
  }
  return warnings;
}
