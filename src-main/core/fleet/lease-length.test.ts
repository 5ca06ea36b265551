// A task's own lease length (`metadata.lease_seconds`) sets its lease deadline; tasks without one
// get the worker's default. The store remembers per run whether any task asks, so a run where none
// does leases without reading specs: this checks the answer is right in both the process that
// created the run and a fresh one that only finds it in the database (after a restart).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/open';
import { FleetStore, type NewRun } from './fleet-store';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function open(dir: string): FleetStore {
  const store = openStore(path.join(dir, 's.db'));
  stores.push(store);
  return new FleetStore(store, null);
}

function runOf(id: string, leaseSeconds: Array<number | null>): NewRun {
  return {
    id, name: id, labels: {}, workerSpecs: [], workspace: null, createdAt: new Date().toISOString(),
    tasks: leaseSeconds.map((s, i) => ({
      spec: { id: `t${i}`, name: `t${i}`, instructions: 'true', expected_artifacts: [], timeout_seconds: null, metadata: (s === null ? {} : { lease_seconds: s }) as Record<string, number> },
      priority: 10 - i, requires: [], pool: null, unplaceable: null,
    })),
  };
}

const worker = { id: 'local', capabilities: new Set<string>(), pool: null };
const DEFAULT_MS = 30_000;

describe('lease length', () => {
  it.each([['the process that created the runs', false], ['a fresh process that reads them back', true]])('follows each task’s own lease_seconds, else the default, in %s', (_label, reopen) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-lease-length-'));
    dirs.push(dir);
    let fleet = open(dir);
    fleet.createRun(runOf('plain', [null, null]));
    fleet.createRun(runOf('mixed', [null, 120]));
    if (reopen) {
      stores.pop()!.close();
      fleet = open(dir);
    }
    const now = 1_000_000;
    const leases = fleet.leaseMany(worker, now, DEFAULT_MS, 10);
    const deadline = Object.fromEntries(leases.map((l) => [`${l.runId}/${l.taskId}`, l.deadline - now]));
    expect(deadline).toEqual({ 'plain/t0': DEFAULT_MS, 'plain/t1': DEFAULT_MS, 'mixed/t0': DEFAULT_MS, 'mixed/t1': 120_000 });
    // Renewing keeps the task's own length too.
    const own = leases.find((l) => l.runId === 'mixed' && l.taskId === 't1')!;
    fleet.renew(own, now + 1000, DEFAULT_MS);
    expect(own.deadline).toBe(now + 1000 + 120_000);
  });
});
