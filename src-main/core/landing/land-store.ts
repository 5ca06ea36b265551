// The merge queue's durable state (tables in store/schema-landing.ts): one row per landing and one
// per item. Every state change is one small statement, written the moment git has done the step.
import crypto from 'node:crypto';
import type { Store } from '../store/open';
import { nowIso } from '../fleet/ids';

export type LandMode = 'merge' | 'squash' | 'branches';
export type LandingStatus = 'running' | 'done' | 'failed';
/** queued: not tried yet; merging: a merge was started (crash recovery looks at git to decide);
 *  checking: merged, the scorer and check run on the combined tree (recovery treats it as merging);
 *  landed: on the target branch; conflict / check_failed: taken out, with files and reason;
 *  empty: nothing to merge (already contained); kept: left as a branch (mode "branches"). */
export type ItemState = 'queued' | 'merging' | 'checking' | 'landed' | 'conflict' | 'check_failed' | 'empty' | 'kept';

export interface LandingRow {
  id: string; runId: string; repo: string; intoBranch: string; mode: LandMode; checkCommand: string | null;
  status: LandingStatus; baseCommit: string; tipCommit: string; error: string | null; ownerPid: number | null;
  createdAt: string; updatedAt: string;
}

export interface LandingItemRow {
  taskId: string; ordinal: number; branch: string; state: ItemState; commit: string | null; files: string[]; reason: string | null; updatedAt: string;
}

interface RawLanding {
  id: string; run_id: string; repo: string; into_branch: string; mode: string; check_command: string | null; status: string;
  base_commit: string; tip_commit: string; error: string | null; owner_pid: number | null; created_at: string; updated_at: string;
}
interface RawItem { task_id: string; ordinal: number; branch: string; state: string; commit: string | null; files: string; reason: string | null; updated_at: string }

const toLanding = (r: RawLanding): LandingRow => ({
  id: r.id, runId: r.run_id, repo: r.repo, intoBranch: r.into_branch, mode: r.mode as LandMode, checkCommand: r.check_command,
  status: r.status as LandingStatus, baseCommit: r.base_commit, tipCommit: r.tip_commit, error: r.error, ownerPid: r.owner_pid,
  createdAt: r.created_at, updatedAt: r.updated_at,
});
const toItem = (r: RawItem): LandingItemRow => ({
  taskId: r.task_id, ordinal: r.ordinal, branch: r.branch, state: r.state as ItemState, commit: r.commit,
  files: JSON.parse(r.files) as string[], reason: r.reason, updatedAt: r.updated_at,
});

export class LandStore {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  /** Writes the landing and its queue, unless the run already has a landing running (another call
   *  or process got there first while this one was checking): then that one is returned instead. The
   *  look and the write are one IMMEDIATE transaction, so of two at once exactly one is created. */
  create(l: Omit<LandingRow, 'id' | 'status' | 'error' | 'createdAt' | 'updatedAt' | 'tipCommit'>, items: Array<{ taskId: string; branch: string }>): { created: LandingRow } | { running: LandingRow } {
    const id = `land-${crypto.randomBytes(6).toString('hex')}`;
    const now = nowIso();
    const running = this.db.transaction(() => {
      const other = this.db.prepare<[string], RawLanding>(`SELECT * FROM landings WHERE run_id = ? AND status = 'running' LIMIT 1`).get(l.runId);
      if (other) return toLanding(other);
      this.db.prepare(`INSERT INTO landings (id, run_id, repo, into_branch, mode, check_command, status, base_commit, tip_commit, owner_pid, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`).run(id, l.runId, l.repo, l.intoBranch, l.mode, l.checkCommand, l.baseCommit, l.baseCommit, l.ownerPid, now, now);
      const ins = this.db.prepare(`INSERT INTO landing_items (landing_id, task_id, ordinal, branch, state, updated_at) VALUES (?, ?, ?, ?, 'queued', ?)`);
      items.forEach((it, i) => ins.run(id, it.taskId, i, it.branch, now));
      return null;
    }).immediate();
    return running ? { running } : { created: this.get(id)! };
  }

  get(id: string): LandingRow | null {
    const r = this.db.prepare<[string], RawLanding>(`SELECT * FROM landings WHERE id = ?`).get(id);
    return r ? toLanding(r) : null;
  }

  /** The run's landings, newest first. */
  ofRun(runId: string): LandingRow[] {
    return this.db.prepare<[string], RawLanding>(`SELECT * FROM landings WHERE run_id = ? ORDER BY created_at DESC, rowid DESC`).all(runId).map(toLanding);
  }

  items(landingId: string): LandingItemRow[] {
    return this.db.prepare<[string], RawItem>(`SELECT * FROM landing_items WHERE landing_id = ? ORDER BY ordinal`).all(landingId).map(toItem);
  }

  setItem(landingId: string, taskId: string, state: ItemState, fields: { commit?: string | null; files?: string[]; reason?: string | null; tip?: string } = {}): void {
    const now = nowIso();
    this.db.transaction(() => {
      this.db.prepare(`UPDATE landing_items SET state = ?, "commit" = ?, files = ?, reason = ?, updated_at = ? WHERE landing_id = ? AND task_id = ?`)
        .run(state, fields.commit ?? null, JSON.stringify(fields.files ?? []), fields.reason ?? null, now, landingId, taskId);
      if (fields.tip) this.db.prepare(`UPDATE landings SET tip_commit = ?, updated_at = ? WHERE id = ?`).run(fields.tip, now, landingId);
    })();
  }

  /** Takes over a running landing from the owner seen (dead, or none): false when another process
   *  took it first. */
  takeOver(landingId: string, seenOwner: number | null, ownerPid: number): boolean {
    return this.db.prepare(`UPDATE landings SET owner_pid = ?, updated_at = ? WHERE id = ? AND status = 'running' AND owner_pid IS ?`)
      .run(ownerPid, nowIso(), landingId, seenOwner).changes === 1;
  }

  /** Its owner stopped working it (Shoal is stopping): still running, and the next land resumes it. */
  release(landingId: string): void {
    this.db.prepare(`UPDATE landings SET owner_pid = NULL, updated_at = ? WHERE id = ? AND status = 'running'`).run(nowIso(), landingId);
  }

  claim(landingId: string, ownerPid: number): void {
    this.db.prepare(`UPDATE landings SET owner_pid = ?, updated_at = ? WHERE id = ?`).run(ownerPid, nowIso(), landingId);
  }

  finish(landingId: string, status: Exclude<LandingStatus, 'running'>, error: string | null = null): void {
    this.db.prepare(`UPDATE landings SET status = ?, error = ?, owner_pid = NULL, updated_at = ? WHERE id = ?`).run(status, error, nowIso(), landingId);
  }
}
