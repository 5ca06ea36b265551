// After a lost attempt is reclaimed: whatever it had done is kept as its partial branch and shown on
// the task. A remote agent's work is already in the workspace repository (it sends snapshots while it
// runs); a local attempt interrupted by a crash left its worktree behind, which is committed here.
import fs from 'node:fs';
import type { Store } from '../store/open';
import type { FleetStore } from './fleet-store';
import { forkPoint, partialArtifact, partialBranch, partialCommit, snapshotWorktree } from './partial-work';
import { isGitRepo } from './workspace';

export interface LostAttempt { runId: string; taskId: string; attempt: number; workerId: string }

export async function keepReclaimedWork(store: Store, fleet: FleetStore, a: LostAttempt, localWorkdir: string | null = null): Promise<void> {
  const workspace = store.db.prepare<[string], { workspace: string | null }>('SELECT workspace FROM runs WHERE id = ?').get(a.runId)?.workspace ?? null;
  if (!workspace || !(await isGitRepo(workspace))) return;
  const branch = partialBranch(a.runId, a.taskId, a.attempt);
  if (localWorkdir && fs.existsSync(localWorkdir) && (await isGitRepo(localWorkdir))) {
    const base = await forkPoint(localWorkdir, workspace);
    if (base) await snapshotWorktree(localWorkdir, branch, base, `shoal: partial work of ${a.taskId} (attempt ${a.attempt}, interrupted)`).catch(() => null);
  }
  const commit = await partialCommit(workspace, branch);
  if (!commit || !store.db.open) return;
  fleet.recordPartial(a, { state: 'artifact', ...partialArtifact(branch, commit) });
}
