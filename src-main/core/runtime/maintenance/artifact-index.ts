// Artifact indexing: fills the artifacts table from the receipts' artifact lists, so artifacts can be
// listed and pruned without parsing every receipt. Incremental: a cursor (the last receipt rowid
// indexed, in the settings table) moves forward with each batch, in the batch's own transaction,
// and a row that is already indexed is never inserted twice.
import type { Store } from '../../store/open';
import type { JobKind } from '../job-runner';
import type { KvSettings } from '../kv-settings';

export const ARTIFACT_INDEX = 'artifact_index';
const CURSOR_KEY = 'jobs.artifact_index.cursor';
const BATCH = 200;

interface ReceiptRow { rowid: number; run_id: string; task_id: string; attempt: number; completed_at: string; body: string }
interface ArtifactRef { kind: string; path: string; checksum: string | null; mime_type: string | null; size_bytes: number | null }

function artifactsOf(body: string): ArtifactRef[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const list = (parsed as { artifacts?: unknown }).artifacts;
  if (!Array.isArray(list)) return [];
  const out: ArtifactRef[] = [];
  for (const a of list) {
    if (typeof a !== 'object' || a === null) continue;
    const r = a as Record<string, unknown>;
    if (typeof r.kind !== 'string' || typeof r.path !== 'string') continue;
    out.push({
      kind: r.kind, path: r.path,
      checksum: typeof r.checksum === 'string' ? r.checksum : null,
      mime_type: typeof r.mime_type === 'string' ? r.mime_type : null,
      size_bytes: typeof r.size_bytes === 'number' ? r.size_bytes : null,
    });
  }
  return out;
}

export function artifactIndexJob(deps: { store: Store; kv: KvSettings }): JobKind {
  const db = deps.store.db;
  const next = db.prepare<[number], { rowid: number }>('SELECT rowid FROM receipts WHERE rowid > ? LIMIT 1');
  const remaining = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM receipts WHERE rowid > ?');
  const batch = db.prepare<[number, number], ReceiptRow>(
    'SELECT rowid, run_id, task_id, attempt, completed_at, body FROM receipts WHERE rowid > ? ORDER BY rowid LIMIT ?');
  const exists = db.prepare<[string, string, number, string], { one: number }>(
    'SELECT 1 AS one FROM artifacts WHERE run_id = ? AND task_id = ? AND attempt = ? AND path = ? LIMIT 1');
  const insert = db.prepare<[string, string, number, string, string, string | null, string | null, number | null, string]>(
    'INSERT INTO artifacts (run_id, task_id, attempt, kind, path, checksum, mime_type, size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const cursor = () => deps.kv.get<number>(CURSOR_KEY, 0);

  const indexBatch = db.transaction((rows: ReceiptRow[]): number => {
    let added = 0;
    for (const r of rows) {
      for (const a of artifactsOf(r.body)) {
        if (exists.get(r.run_id, r.task_id, r.attempt, a.path)) continue;
        insert.run(r.run_id, r.task_id, r.attempt, a.kind, a.path, a.checksum, a.mime_type, a.size_bytes, r.completed_at);
        added++;
      }
    }
    deps.kv.set(CURSOR_KEY, rows[rows.length - 1]!.rowid);
    return added;
  });

  return {
    name: ARTIFACT_INDEX,
    label: 'Artifact indexing',
    description: 'Records every artifact named in a receipt (logs, patches, test results) in the artifacts index.',
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
