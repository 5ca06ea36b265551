// Runs, events and receipts in the reference implementation's wire format, for `--json` output and export.
import { stringifyWire } from '../../../src-shared/protocol/json-lossless';
import { toWireValue, type WireTypeName } from '../../../src-shared/protocol/wire-types';
import type { Store } from '../store/open';

/** A stored value as the reference implementation's serde would write it (`"max":1.0` for an f64, and so on). */
export function wireJson(type: WireTypeName, value: unknown): string {
  return stringifyWire(toWireValue(type, value));
}

/** A list of values of one wire type, as a JSON array. */
export function wireJsonArray(type: WireTypeName, values: readonly unknown[]): string {
  return `[${values.map((v) => wireJson(type, v)).join(',')}]`;
}

interface RunRow { id: string; name: string; status: string; labels: string; worker_specs: string; created_at: string; updated_at: string | null; completed_at: string | null }

/** A stored run as the reference implementation's FleetRun (field order and omissions as serde writes them). */
export function fleetRunJson(store: Store, runId: string): Record<string, unknown> | null {
  const r = store.db.prepare<[string], RunRow>('SELECT id, name, status, labels, worker_specs, created_at, updated_at, completed_at FROM runs WHERE id = ?').get(runId);
  if (!r) return null;
  const specs = store.db.prepare<[string], { spec: string }>('SELECT spec FROM tasks WHERE run_id = ? ORDER BY ordinal').all(runId);
  const run: Record<string, unknown> = {
    id: r.id,
    name: r.name,
    status: r.status,
    task_specs: specs.map((s) => JSON.parse(s.spec) as unknown),
    worker_specs: JSON.parse(r.worker_specs) as unknown,
    labels: JSON.parse(r.labels) as unknown,
    created_at: r.created_at,
  };
  if (r.updated_at) run.updated_at = r.updated_at;
  if (r.completed_at) run.completed_at = r.completed_at;
  return run;
}

/** What `shoal run --json` prints for a run, embedded or submitted to a host with --server:
 *  `{"run":FleetRun,"receipts":[FleetReceipt…]}` on one line. Null when there is no such run. */
export function runResultJson(store: Store, receipts: readonly unknown[], runId: string): string | null {
  const run = fleetRunJson(store, runId);
  return run ? `{"run":${wireJson('FleetRun', run)},"receipts":${wireJsonArray('FleetReceipt', receipts)}}` : null;
}

export function allRunIds(store: Store): string[] {
  return store.db.prepare<[], { id: string }>('SELECT id FROM runs ORDER BY created_at, id').all().map((r) => r.id);
}
