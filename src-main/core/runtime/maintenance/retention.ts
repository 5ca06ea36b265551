// Retention: for finished runs older than the retention setting, deletes their timeline (worker
// events), their artifacts (index rows and files) and any workdirs left behind. The run, its tasks
// and receipts stay, so history still says what happened and how it scored. Old finished jobs are
// pruned too. 0 days keeps everything.
import fs from 'node:fs';
import path from 'node:path';
import { refSlug } from '../../fleet/ids';
import type { Store } from '../../store/open';
import type { JobKind } from '../job-runner';
import { z } from 'zod';
import { setting, type SettingsTable } from '../../store/settings-table';

export const RETENTION = 'retention';
export const DEFAULT_RETENTION_DAYS = 30;

export interface RetentionSettings { days: number }

export const RETENTION_SETTING = setting<RetentionSettings>('retention',
  z.object({ days: z.number().int().min(0).catch(DEFAULT_RETENTION_DAYS) }), { days: DEFAULT_RETENTION_DAYS });

export function retentionDays(settings: SettingsTable): number {
  return settings.get(RETENTION_SETTING).days;
}

const FINISHED = `status IN ('completed', 'failed', 'cancelled')`;
const HAS_DATA = `(EXISTS (SELECT 1 FROM worker_events e WHERE e.run_id = r.id) OR EXISTS (SELECT 1 FROM artifacts a WHERE a.run_id = r.id))`;

export function retentionJob(deps: { store: Store; settings: SettingsTable; dataDir: string; pruneJobs: (cutoffSec: number) => number }): JobKind {
  const db = deps.store.db;
  const oldRuns = db.prepare<[string], { id: string }>(
    `SELECT r.id FROM runs r WHERE ${FINISHED} AND COALESCE(r.completed_at, r.updated_at, r.created_at) < ? AND ${HAS_DATA} ORDER BY r.created_at`);
  const anyOld = db.prepare<[string], { id: string }>(
    `SELECT r.id FROM runs r WHERE ${FINISHED} AND COALESCE(r.completed_at, r.updated_at, r.created_at) < ? AND ${HAS_DATA} LIMIT 1`);
  const oldJobs = db.prepare<[number], { n: number }>(
    `SELECT COUNT(*) AS n FROM jobs WHERE status IN ('completed', 'cancelled') AND updated_at < ?`);
  const deleteEvents = db.prepare<[string]>('DELETE FROM worker_events WHERE run_id = ?');
  const deleteArtifacts = db.prepare<[string]>('DELETE FROM artifacts WHERE run_id = ?');
  const activeAttempts = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM attempts WHERE run_id = ? AND ended_at IS NULL');
  const stillOld = db.prepare<[string, string], { id: string }>(
    `SELECT r.id FROM runs r WHERE r.id = ? AND ${FINISHED} AND COALESCE(r.completed_at, r.updated_at, r.created_at) < ?`);
  // Asked again as each run's turn comes: the list was read when the job started, and a run whose
  // task was retried since runs again, with its timeline and artifacts in use (null: left alone).
  const pruneRun = db.transaction((runId: string, cutoffIso: string) => (stillOld.get(runId, cutoffIso)
    ? { events: deleteEvents.run(runId).changes, artifacts: deleteArtifacts.run(runId).changes }
    : null));

  function cutoff(): { iso: string; sec: number } | null {
    const days = retentionDays(deps.settings);
    if (days === 0) return null;
    const ms = Date.now() - days * 86_400_000;
    return { iso: new Date(ms).toISOString(), sec: Math.floor(ms / 1000) };
  }

  return {
    name: RETENTION,
    label: 'Retention',
    description: 'Deletes the timelines and artifacts of finished runs older than the retention period; runs and receipts stay.',
    due: () => {
      const c = cutoff();
      return c !== null && (anyOld.get(c.iso) !== undefined || (oldJobs.get(c.sec)?.n ?? 0) > 0);
    },
    async run(ctx) {
      const c = cutoff();
      if (!c) return 'Retention is off: everything is kept.';
      const runs = oldRuns.all(c.iso);
      let events = 0;
      let artifacts = 0;
      let pruned = 0;
      for (const [i, { id }] of runs.entries()) {
        if (ctx.signal.aborted) throw new Error('stopped');
        ctx.progress((i / Math.max(runs.length, 1)) * 100, `Pruning ${id} (${i + 1} of ${runs.length})`);
        const n = pruneRun(id, c.iso);
        if (!n) continue;
        pruned++;
        events += n.events;
        artifacts += n.artifacts;
        fs.rmSync(path.join(deps.dataDir, 'artifacts', refSlug(id)), { recursive: true, force: true });
        if ((activeAttempts.get(id)?.n ?? 0) === 0) fs.rmSync(path.join(deps.dataDir, 'workdirs', refSlug(id)), { recursive: true, force: true });
        await new Promise((resolve) => setImmediate(resolve));
      }
      const jobs = deps.pruneJobs(c.sec);
      const parts = [`Pruned ${pruned} ${pruned === 1 ? 'run' : 'runs'} older than ${retentionDays(deps.settings)} days (${events} events, ${artifacts} artifacts)`];
      if (jobs > 0) parts.push(`removed ${jobs} old ${jobs === 1 ? 'job' : 'jobs'}`);
      return `${parts.join('; ')}.`;
    },
  };
}
