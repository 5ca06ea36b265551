// Throughput and latency of the fleet core, measured on real SQLite files (WAL, synchronous=NORMAL,
// the durability a run uses) and real child processes. Each number is a median of several rounds so
// one noisy moment on a shared 2-core machine does not decide it.
import Database from 'better-sqlite3';
import { better, defineQueue } from 'plainjob';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { FleetStore, type NewRun } from '../../core/fleet/fleet-store';
import { FleetEngine } from '../../core/fleet/engine';
import type { Lease } from '../../core/fleet/lease';
import type { AttemptHandle } from '../../core/fleet/run-attempt';
import { openStore } from '../../core/store/open';

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Each round's database is removed once measured: a full run writes gigabytes, and dirty pages of a
 *  deleted file are never written back, so they do not slow the rounds after it either. */
function discard(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

function noopRun(id: string, n: number): NewRun {
  return {
    id, name: id, labels: {}, workerSpecs: [], workspace: null, createdAt: new Date().toISOString(),
    tasks: Array.from({ length: n }, (_, i) => ({
      spec: { id: `t${i}`, name: `t${i}`, instructions: 'true', expected_artifacts: [], timeout_seconds: null, metadata: {} },
      priority: 0, requires: [], pool: null, unplaceable: null,
    })),
  };
}

/** The scheduler with a no-op executor: enqueue a run of `n` tasks, then the engine leases them into
 *  `slots` worker slots (one transaction fills all free slots) and the executor completes each at
 *  once through the engine's group commit (receipt + events, durable before acknowledged). `inspect`
 *  sees each round's database before it is removed. */
export async function schedulerTasksPerSecond(n: number, rounds: number, slots: number, inspect?: (db: Database.Database) => void): Promise<number> {
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const dir = tmp('shoal-bench-');
    // As Shoal runs it (ShoalCore): WAL checkpoints on their own thread.
    const store = openStore(path.join(dir, 's.db'), { backgroundCheckpoints: true });
    const receipt = { artifacts: [], score: null };
    let engine: FleetEngine | null = null;
    const executor = (lease: Lease): AttemptHandle => ({ lease, stop() {}, done: engine!.completeAttempt(lease, { kind: 'scored', result: 'pass', exitCode: 0, receipt }) });
    engine = new FleetEngine({ store, bus: null, dataDir: dir, maxWorkers: slots, executor });
    engine.start();
    const t0 = performance.now();
    engine.launchRun(noopRun(`bench-${r}`, n));
    await engine.waitForRun(`bench-${r}`);
    results.push(n / ((performance.now() - t0) / 1000));
    const done = store.db.prepare(`SELECT COUNT(*) n FROM receipts`).get() as { n: number };
    if (done.n !== n) throw new Error(`scheduler bench: ${done.n} receipts for ${n} tasks`);
    inspect?.(store.db);
    await engine.shutdown();
    store.close();
    await store.whenClosed(); // its checkpointer's last checkpoint is not the next round's cost
    discard(dir);
  }
  return median(results);
}

/** The same without batching: every lease and every completion its own transaction. */
export function unbatchedTasksPerSecond(n: number, rounds: number): number {
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const dir = tmp('shoal-bench-');
    const store = openStore(path.join(dir, 's.db'));
    const fleet = new FleetStore(store, null);
    const worker = { id: 'local', capabilities: new Set<string>(), pool: null };
    const receipt = { artifacts: [], score: null };
    const t0 = performance.now();
    fleet.createRun(noopRun(`bench-${r}`, n));
    for (;;) {
      const lease = fleet.lease(worker, Date.now(), 30_000);
      if (!lease) break;
      fleet.finish(lease, { kind: 'scored', result: 'pass', exitCode: 0, receipt });
    }
    results.push(n / ((performance.now() - t0) / 1000));
    const done = store.db.prepare(`SELECT COUNT(*) n FROM receipts`).get() as { n: number };
    if (done.n !== n) throw new Error(`scheduler bench: ${done.n} receipts for ${n} tasks`);
    store.close();
    discard(dir);
  }
  return median(results);
}

/** The same enqueue / claim / complete workload on plainjob, the better-sqlite3 queue a user would
 *  otherwise reach for. */
export function plainjobTasksPerSecond(n: number, rounds: number): number {
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const dir = tmp('shoal-bench-pj-');
    const db = new Database(path.join(dir, 'pj.db'));
    const queue = defineQueue({ connection: better(db), logger: { error() {}, warn() {}, info() {}, debug() {} } as never });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) queue.add('task', { i });
    let done = 0;
    for (;;) {
      const job = queue.getAndMarkJobAsProcessing('task');
      if (!job) break;
      queue.markJobAsDone(job.id);
      done++;
    }
    results.push(n / ((performance.now() - t0) / 1000));
    if (done !== n) throw new Error(`plainjob bench: ${done} of ${n}`);
    queue.close();
    if (db.open) db.close();
    discard(dir);
  }
  return median(results);
}

/** Worker events persisted (batched per transaction, as a busy run writes them). */
export function eventsPerSecond(n: number, batch: number, rounds: number): number {
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const dir = tmp('shoal-bench-ev-');
    const store = openStore(path.join(dir, 's.db'));
    const fleet = new FleetStore(store, null);
    fleet.createRun(noopRun('ev', 1));
    const drafts = Array.from({ length: batch }, (_, i) => ({ taskId: 't0', workerId: 'local', attempt: 1, payload: i % 2 ? { state: 'heartbeat' as const, cpu_percent: 12.5, memory_mb: 256 } : { state: 'running_tool' as const, tool: 'exec_shell', call_id: `c${i}` } }));
    const t0 = performance.now();
    for (let written = 0; written < n; written += batch) fleet.tx(() => fleet.events.append('ev', drafts));
    results.push(n / ((performance.now() - t0) / 1000));
    store.close();
    discard(dir);
  }
  return median(results);
}

/** From the moment a lease is granted to the shell agent's process being started. */
export async function spawnLatency(n: number, workers: number): Promise<{ p50: number; p99: number }> {
  const dir = tmp('shoal-bench-spawn-');
  const store = openStore(path.join(dir, 's.db'));
  const engine = new FleetEngine({ store, bus: null, dataDir: dir, maxWorkers: workers, heartbeatMs: 60_000 });
  engine.start();
  engine.launchRun(noopRun('spawn', n));
  await engine.waitForRun('spawn');
  await engine.shutdown();
  store.close();
  discard(dir);
  const xs = engine.spawnLatencies;
  return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
}
