// A store written by the previous Shoal (schema 0000–0001, facts where that version kept them)
// upgrades in place: approval context moves from the audit log into the approvals row, gateway
// process rows move out of the settings table, and every artifact a receipt, a pending review or an
// `artifact` event named is in the artifacts table — and the code reading them finds them there.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalStore } from '../approvals/approval-store';
import { AuditLog } from '../approvals/audit-log';
import { isAlive, processStartTime } from '../fleet/process-tree';
import { ProcessRegistry } from '../gateway/process-registry';
import { earlyMigrations } from '../test-support/early-migrations';
import { tempDir } from '../test-support/temp-core';
import { TaskView } from '../views/task-view';
import { openStore } from './open';

const PREVIOUS_VERSION_ENTRIES = 2; // 0000_init, 0001_leases_index_waiting_tasks

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already ended (the test expects the upgrade's recovery to end it)
    }
  }
});

const REQUEST = {
  call_id: 'call-1', turn_id: 't', command: ['bash', '-lc', 'git push'], cwd: '/w', reason: 'needs approval', matched_rule: 'ask-push',
  available_decisions: ['approved', 'denied'], parsed_cmd: [],
};

describe('a store created by the previous version', () => {
  it('upgrades in place with its approvals, gateway processes and artifacts intact', async () => {
    const file = path.join(tempDir('shoal-upgrade-'), 'shoal.db');
    const old = new Database(file);
    migrate(drizzle(old), { migrationsFolder: earlyMigrations(PREVIOUS_VERSION_ENTRIES) });
    expect(old.prepare(`SELECT name FROM sqlite_master WHERE name = 'gateway_processes'`).get()).toBeUndefined();

    // What the previous ApprovalStore wrote: the row, and its context only in the audit entry.
    old.prepare(`INSERT INTO approvals (id, run_id, task_id, thread_id, call_id, request, status, created_at) VALUES (?, ?, ?, NULL, ?, ?, 'pending', ?)`)
      .run('ap-1', 'run-1', 'task-1', 'call-1', JSON.stringify(REQUEST), '2026-01-01T00:00:00.000Z');
    old.prepare(`INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, 'agent', 'approval.requested', 'ap-1', ?)`).run('2026-01-01T00:00:00.000Z', JSON.stringify({
      tool: 'write_file', runId: 'run-1', taskId: 'task-1', attempt: 2, threadId: null, ownerPid: 424242, diff: '--- a/x\n+++ b/x\n', agentReason: 'fix the build',
      command: REQUEST.command, cwd: '/w', matchedRule: 'ask-push', reason: 'needs approval',
    }));
    // A request whose audit entry is not JSON keeps its row and falls back to the defaults.
    old.prepare(`INSERT INTO approvals (id, run_id, task_id, thread_id, call_id, request, status, created_at) VALUES ('ap-2', NULL, NULL, 'th-1', 'call-2', ?, 'pending', ?)`)
      .run(JSON.stringify({ ...REQUEST, call_id: 'call-2' }), '2026-01-01T00:00:01.000Z');
    old.prepare(`INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ('2026-01-01T00:00:01.000Z', 'agent', 'approval.requested', 'ap-2', 'not json')`).run();

    // What the previous ProcessRegistry wrote: a settings row per command group, found by LIKE. The
    // owner is a Shoal process that is gone; the group itself still runs.
    const gone = spawnSync('true').pid!;
    const orphan = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    started.push(orphan.pid!);
    const putSetting = old.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, '2026-01-01T00:00:00.000Z')`);
    putSetting.run(`gateway.process.${orphan.pid}`, JSON.stringify({ pid: orphan.pid, start: processStartTime(orphan.pid!), ownerPid: gone, scope: 'task:run-1/task-1#2' }));
    putSetting.run('gateway.process.999999', 'not json');
    putSetting.run('user', JSON.stringify({ theme: 'dark', notifications: false }));

    // Artifacts as the previous fleet store left them: in a receipt, in a pending review receipt and in
    // `artifact` events, and one of them already indexed (twice, which the new unique index forbids).
    const art = (name: string, kind = 'log') => ({ kind, path: `/data/artifacts/run-1/task-1/${name}`, checksum: `sha256:${name}`, mime_type: 'text/plain', size_bytes: 7 });
    old.prepare(`INSERT INTO runs (id, name, status, created_at) VALUES ('run-1', 'r', 'running', '2026-01-01T00:00:00.000Z')`).run();
    old.prepare(`INSERT INTO tasks (run_id, task_id, ordinal, name, spec, state, attempts) VALUES ('run-1', 'task-1', 0, 'task-1', ?, 'review', 3)`)
      .run(JSON.stringify({ id: 'task-1', name: 'task-1', instructions: 'do it', metadata: {} }));
    const attempt = old.prepare(`INSERT INTO attempts (run_id, task_id, attempt, worker_id, lease_token, state, started_at, ended_at, pending_receipt) VALUES ('run-1', 'task-1', ?, 'w', 'tok', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', ?)`);
    attempt.run(1, 'ended', null);
    attempt.run(2, 'interrupted', null);
    attempt.run(3, 'review', JSON.stringify({ artifacts: [art('3.log'), art('3.patch', 'patch')], score: null }));
    old.prepare(`INSERT INTO receipts (run_id, task_id, attempt, worker_id, completed_at, result, body) VALUES ('run-1', 'task-1', 1, 'w', '2026-01-01T00:01:00.000Z', 'fail', ?)`)
      .run(JSON.stringify({ run_id: 'run-1', task_id: 'task-1', worker_id: 'w', result: 'fail', artifacts: [art('1.log'), art('1.patch', 'patch')], score: null }));
    const event = old.prepare(`INSERT INTO worker_events (run_id, seq, task_id, worker_id, timestamp, state, attempt, body) VALUES ('run-1', ?, 'task-1', 'w', '2026-01-01T00:00:30.000Z', 'artifact', ?, ?)`);
    event.run(1, 1, JSON.stringify({ state: 'artifact', ...art('1.log') }));
    event.run(2, 2, JSON.stringify({ state: 'artifact', ...art('2.log') })); // interrupted: no receipt
    const indexed = old.prepare(`INSERT INTO artifacts (run_id, task_id, attempt, kind, path, checksum, created_at) VALUES ('run-1', 'task-1', 1, 'log', ?, 'sha256:1.log', '2026-01-01T00:01:00.000Z')`);
    indexed.run(art('1.log').path);
    indexed.run(art('1.log').path);
    old.close();

    const store = openStore(file);
    try {
      const approvals = new ApprovalStore(store, new AuditLog(store));
      expect(approvals.get('ap-1')).toMatchObject({
        status: 'pending', tool: 'write_file', runId: 'run-1', taskId: 'task-1', attempt: 2, ownerPid: 424242, diff: '--- a/x\n+++ b/x\n', agentReason: 'fix the build',
        request: { command: REQUEST.command },
      });
      expect(approvals.get('ap-2')).toMatchObject({ tool: 'exec_shell', threadId: 'th-1', attempt: null, ownerPid: 0, diff: null });
      // The audit trail stays as it was.
      expect(store.db.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'approval.requested'`).get()).toEqual({ n: 2 });

      expect(store.db.prepare(`SELECT key FROM settings ORDER BY key`).all()).toEqual([{ key: 'user' }]);
      expect(store.db.prepare(`SELECT pid, owner_pid AS ownerPid, scope FROM gateway_processes`).all()).toEqual([{ pid: orphan.pid, ownerPid: gone, scope: 'task:run-1/task-1#2' }]);
      const exited = new Promise((resolve) => orphan.once('exit', resolve));
      expect(new ProcessRegistry(store).recover()).toBe(1);
      await exited;
      expect(isAlive(orphan.pid!)).toBe(false);
      expect(store.db.prepare(`SELECT COUNT(*) AS n FROM gateway_processes`).get()).toEqual({ n: 0 });

      const view = new TaskView(store);
      const byAttempt = Object.fromEntries(view.get('run-1', 'task-1')!.attempts.map((a) => [a.attempt, a.artifacts.map((x) => x.name).sort()]));
      expect(byAttempt).toEqual({ 1: ['1.log', '1.patch'], 2: ['2.log'], 3: ['3.log', '3.patch'] });
      expect(view.artifactsOf('run-1', 'task-1', 3).get(art('3.patch').path)).toMatchObject({ kind: 'patch', checksum: 'sha256:3.patch', mimeType: 'text/plain', sizeBytes: 7 });
      expect(store.db.prepare(`SELECT COUNT(*) AS n FROM artifacts`).get()).toEqual({ n: 5 });
    } finally {
      store.close();
    }
  });
});
