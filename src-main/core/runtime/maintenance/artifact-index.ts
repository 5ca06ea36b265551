// Artifact indexing, a repair pass: the fleet store records artifacts as it writes receipts (see
// fleet/artifact-records.ts), so this only finds receipts whose artifacts are not in the table (a
// receipt imported or written by hand). Incremental: a cursor (the last receipt rowid checked, in the
// settings table) moves forward with each batch, in the batch's own transaction; recording is
// idempotent, so an artifact already recorded is never inserted twice.
import { ArtifactRecords, type WireArtifactRef } from '../../fleet/artifact-records';
import type { Store } from '../../store/open';
import type { JobKind } from '../job-runner';
import { z } from 'zod';
import { setting, type SettingsTable } from '../../store/settings-table';

export const ARTIFACT_INDEX = 'artifact_index';
/** The last receipt rowid checked. */
const CURSOR = setting<number>('jobs.artifact_index.cursor', z.number().int().min(0), 0);
const BATCH = 200;

interface ReceiptRow { rowid: number; run_id: string; task_id: string; attempt: number; completed_at: string; body: string }

/** The receipt's artifact list; a receipt that is not JSON, or has none, names nothing. */
function artifactsOf(body: string): WireArtifactRef[] {
  try {
    const list = (JSON.parse(body) as { artifacts?: unknown }).artifacts;
    return Array.isArray(list) ? list.filter((a): a is WireArtifactRef => typeof a === 'object' && a !== null) : [];
  } catch {
    return [];
  }
}

export function artifactIndexJob(deps: { store: Store; settings: SettingsTable }): JobKind {
  const db = deps.store.db;
  const next = db.prepare<[number], { rowid: number }>('SELECT rowid FROM receipts WHERE rowid > ? LIMIT 1');
  const remaining = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM receipts WHERE rowid > ?');
  const batch = db.prepare<[number, number], ReceiptRow>(
    'SELECT rowid, run_id, task_id, attempt, completed_at, body FROM receipts WHERE rowid > ? ORDER BY rowid LIMIT ?');
  const records = new ArtifactRecords(db);
  const cursor = () => deps.settings.get(CURSOR);

  const indexBatch = db.transaction((rows: ReceiptRow[]): number => {
    let added = 0;
    for (const r of rows) added += records.record(r.run_id, r.task_id, r.attempt, artifactsOf(r.body), r.completed_at);
    deps.settings.set(CURSOR, rows[rows.length - 1]!.rowid);
    return added;
  });

  return {
    name: ARTIFACT_INDEX,
    label: 'Artifact indexing',
    description: 'Checks that every artifact named in a receipt (logs, patches, test results) is in the artifacts index.',
    due: () => next.get(cursor()) !== undefined,
    async run(ctx) {
      const total = remaining.get(cursor())?.n ?? 0;
      let done = 0;
      let added = 0;
      for (;;) {
        if (ctx.signal.aborted) throw new Error('stopped');
        const rows = batch.all(cursor(), BATCH);
        if (rows.length === 0) break;
        added += indexBatch(rows);
        done += rows.length;
        ctx.progress(total === 0 ? 100 : (done / Math.max(total, done)) * 100, `Indexed ${done} of ${Math.max(total, done)} receipts`);
        // Let the event loop breathe between batches: the UI and the engine share this process.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return `Indexed ${added} ${added === 1 ? 'artifact' : 'artifacts'} from ${done} ${done === 1 ? 'receipt' : 'receipts'}.`;
    },
  };
}
