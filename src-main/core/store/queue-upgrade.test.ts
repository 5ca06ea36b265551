// A store written before migration 0010 kept the queue in its own table (inbox). Upgrading moves
// every waiting task and every lease held onto the task rows: the waiting tasks are leased in the
// same order, a backoff still holds, a paused run stays paused, and the attempt that held a lease
// at the upgrade still holds it (its late writes are accepted, a stale token is not).
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetStore } from '../fleet/fleet-store';
import { earlyMigrations } from '../test-support/early-migrations';
import { tempDir } from '../test-support/temp-core';
import { openStore } from './open';

const BEFORE_THE_MOVE = 10; // 0000 … 0009

const spec = (id: string) => JSON.stringify({ id, name: id, instructions: 'true', expected_artifacts: [], timeout_seconds: null, metadata: {} });

/** A store as the version before the move left it, open on its old schema. */
function storeBeforeTheMove(): { file: string; old: Database.Database } {
  const file = path.join(tempDir('shoal-queue-up-'), 'shoal.db');
  const old = new Database(file);
  migrate(drizzle(old), { migrationsFolder: earlyMigrations(BEFORE_THE_MOVE) });
  return { file, old };
}

describe('the queue moving onto the tasks (migration 0010)', () => {
  it('keeps every waiting task, its order and backoff, a paused run, and a lease held across the upgrade', () => {
    const { file, old } = storeBeforeTheMove();
    const now = Date.now();
    const at = new Date(now - 60_000).toISOString();
    old.prepare(`INSERT INTO runs (id, name, status, created_at, tasks_total) VALUES ('r', 'r', 'running', ?, 5), ('p', 'p', 'paused', ?, 1)`).run(at, at);
    const task = old.prepare(`INSERT INTO tasks (run_id, task_id, ordinal, name, spec, priority, state, attempts, worker_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const inbox = old.prepare(`INSERT INTO inbox (run_id, task_id, priority, enqueued_at, ready_at, lease_deadline, lease_token, worker_id, attempts, held) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // Finished: no inbox row. Held by an attempt: a lease. Waiting: two in the order they were
    // enqueued, the later one with a higher priority; one backing off for another minute.
    task.run('r', 'done', 0, 'done', spec('done'), 0, 'passed', 1, 'local');
    task.run('r', 'held', 1, 'held', spec('held'), 0, 'leased', 1, 'local');
    inbox.run('r', 'held', 0, at, 0, now + 600_000, 'tok-held', 'local', 1, 0);
    old.prepare(`INSERT INTO attempts (run_id, task_id, attempt, worker_id, lease_token, state, owner_pid, started_at) VALUES ('r', 'held', 1, 'local', 'tok-held', 'running', 1, ?)`).run(at);
    task.run('r', 'second', 2, 'second', spec('second'), 0, 'queued', 0, null);
    inbox.run('r', 'second', 0, at, 0, null, null, null, 0, 0);
    task.run('r', 'first', 3, 'first', spec('first'), 5, 'queued', 0, null);
    inbox.run('r', 'first', 5, new Date(now - 30_000).toISOString(), 0, null, null, null, 0, 0);
    task.run('r', 'later', 4, 'later', spec('later'), 9, 'retry_wait', 1, 'local');
    inbox.run('r', 'later', 9, at, now + 60_000, null, null, null, 1, 0);
    task.run('p', 'paused', 0, 'paused', spec('paused'), 9, 'queued', 0, null);
    inbox.run('p', 'paused', 9, at, 0, null, null, null, 0, 1);
    old.close();

    const store = openStore(file);
    try {
      expect(store.db.prepare('SELECT COUNT(*) AS n FROM inbox').get()).toEqual({ n: 0 });
      const fleet = new FleetStore(store, null);
      const worker = { id: 'local', capabilities: new Set<string>(), pool: null };
      // The lease held at the upgrade is still its attempt's: a stale token is refused, the right one finishes.
      expect(fleet.isCurrent({ runId: 'r', taskId: 'held', attempt: 1, token: 'tok-held' })).toBe(true);
      expect(fleet.isCurrent({ runId: 'r', taskId: 'held', attempt: 1, token: 'other' })).toBe(false);
      // Waiting tasks come out by priority, then age; the one backing off and the paused run's do not.
      const leased = fleet.leaseMany(worker, now, 60_000, 10).map((l) => l.taskId);
      expect(leased).toEqual(['first', 'second']);
      expect(fleet.nextReadyAt()).toBe(now + 60_000);
      expect(fleet.leaseMany(worker, now + 61_000, 60_000, 10).map((l) => l.taskId)).toEqual(['later']);
      fleet.finish({ runId: 'r', taskId: 'held', attempt: 1, token: 'tok-held', queueSeq: 0, workerId: 'local', deadline: 0, grantedAt: now },
        { kind: 'scored', result: 'pass', exitCode: 0, receipt: { artifacts: [], score: null } });
      expect(store.db.prepare(`SELECT state, enqueued_at, lease_token FROM tasks WHERE run_id = 'r' AND task_id = 'held'`).get())
        .toEqual({ state: 'passed', enqueued_at: null, lease_token: null });
      expect(fleet.resumeRun('p')).toBe(true);
      expect(fleet.leaseMany(worker, now + 61_000, 60_000, 10).map((l) => l.taskId)).toEqual(['paused']);
    } finally {
      store.close();
    }
  });

  it('keeps what a waiting task needs (capabilities, its run\'s own workers), a give-back\'s cause, and a held lease\'s deadline', () => {
    const { file, old } = storeBeforeTheMove();
    const now = Date.now();
    const at = new Date(now - 60_000).toISOString();
    old.prepare(`INSERT INTO runs (id, name, status, created_at, tasks_total, worker_specs) VALUES ('r', 'r', 'running', ?, 4, '[]'), ('own', 'own', 'running', ?, 1, '[{"id":"box","name":"box","host":{"kind":"local"}}]')`).run(at, at);
    const task = old.prepare(`INSERT INTO tasks (run_id, task_id, ordinal, name, spec, priority, state, attempts, worker_id, last_error) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`);
    const inbox = old.prepare(`INSERT INTO inbox (run_id, task_id, priority, enqueued_at, ready_at, lease_deadline, lease_token, worker_id, attempts, requires, pool) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // Needs a GPU; waits for the run's own worker; given back when its host could not be reached
    // (ready at once, its cause kept); held by a lease whose worker went quiet.
    task.run('r', 'gpu', 0, 'gpu', spec('gpu'), 'queued', 0, null, null);
    inbox.run('r', 'gpu', at, 0, null, null, null, 0, '["gpu"]', null);
    task.run('own', 'mine', 0, 'mine', spec('mine'), 'queued', 0, null, null);
    inbox.run('own', 'mine', at, 0, null, null, null, 0, null, 'own');
    task.run('r', 'back', 1, 'back', spec('back'), 'queued', 1, 'local', 'ssh box: connection refused');
    inbox.run('r', 'back', at, now - 1000, null, null, null, 1, null, null);
    task.run('r', 'quiet', 2, 'quiet', spec('quiet'), 'running', 1, 'far', null);
    inbox.run('r', 'quiet', at, 0, now + 5_000, 'tok-quiet', 'far', 1, null, null);
    old.prepare(`INSERT INTO attempts (run_id, task_id, attempt, worker_id, lease_token, state, owner_pid, started_at) VALUES ('r', 'quiet', 1, 'far', 'tok-quiet', 'running', 1, ?)`).run(at);
    old.close();

    const store = openStore(file);
    try {
      const fleet = new FleetStore(store, null);
      const row = (taskId: string) => store.db.prepare(`SELECT state, last_error, worker_id, lease_token FROM tasks WHERE task_id = ?`).get(taskId);
      expect(row('back')).toEqual({ state: 'queued', last_error: 'ssh box: connection refused', worker_id: 'local', lease_token: null });
      expect(fleet.leaseMany({ id: 'local', capabilities: new Set(), pool: null }, now, 60_000, 10).map((l) => l.taskId)).toEqual(['back']);
      expect(fleet.leaseMany({ id: 'gpu-box', capabilities: new Set(['gpu']), pool: null }, now, 60_000, 10).map((l) => l.taskId)).toEqual(['gpu']);
      expect(fleet.leaseMany({ id: 'box', capabilities: new Set(), pool: 'own' }, now, 60_000, 10).map((l) => l.taskId)).toEqual(['mine']);
      // The quiet worker's lease keeps its deadline: not reclaimed before it, reclaimed after it.
      expect(fleet.reapExpired(now + 1_000, () => undefined)).toEqual([]);
      expect(fleet.reapExpired(now + 6_000, () => undefined).map((r) => r.taskId)).toEqual(['quiet']);
      expect(row('quiet')).toMatchObject({ state: 'retry_wait', last_error: 'worker went stale (lease expired)', lease_token: null });
    } finally {
      store.close();
    }
  });
});
