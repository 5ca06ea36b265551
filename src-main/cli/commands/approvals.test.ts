// Approvals across processes, with the real `shoal` command: a request made by `shoal run` is
// listed and decided from another process (`shoal approvals --json`, `shoal approve`), and a crash of
// the control plane while a request waits loses nothing: the request is still there, closed visibly
// as expired, the task is retried on `shoal resume`, asks again, and pushes once approved.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../core/fleet/process-tree';
import { runCli, startCli } from '../test-support/cli';
import { waitFor } from '../../core/test-support/wait-for';
import { GIT_IDENTITY, remoteHas, repoWithRemote } from '../../core/test-support/git-repo';

/** `shoal run` in a git workspace (a worktree per attempt), or — where an attempt is retried after a
 *  crash — in a scratch folder that clones the remote itself. */
function setup(id: string, mode: 'workspace' | 'clone' = 'workspace') {
  const { dir, repo, remote } = repoWithRemote();
  const spec = {
    id, name: 'push from the CLI',
    task_specs: [{
      id: 'push', name: 'push',
      instructions: `${mode === 'clone' ? `git clone -q ${remote} r && cd r && ` : ''}echo more >> README.md && git add -A && git commit -qm "work ${id}" && git push -q origin HEAD:refs/heads/${id}`,
      retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 },
      metadata: { env: GIT_IDENTITY, policy: { rules: [{ id: 'ask-push', tool: 'exec_shell', prefix: 'git push', action: 'ask' }] } },
    }],
  };
  const specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify(spec));
  return { dir, db: path.join(dir, 'shoal.db'), remote, repo, specFile };
}

function rows(db: string): Array<{ id: string; status: string; request: string }> {
  if (!fs.existsSync(db)) return [];
  const ro = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return ro.prepare('SELECT id, status, request FROM approvals ORDER BY created_at').all() as Array<{ id: string; status: string; request: string }>;
  } catch {
    return [];
  } finally {
    ro.close();
  }
}

describe('shoal approvals / shoal approve', () => {
  it('lists a waiting request as JSON and decides it from another process', async () => {
    const s = setup('cli-approve');
    const run = startCli(['run', s.specFile, '--db', s.db, '--workspace', s.repo], { cwd: s.dir });
    const exited = new Promise<number | null>((r) => run.once('close', r));
    try {
      const row = await waitFor('a pending request', () => rows(s.db).find((r) => r.status === 'pending'));
      const listed = await runCli(['approvals', '--json', '--db', s.db]);
      expect(listed.code, listed.stderr).toBe(0);
      const items = JSON.parse(listed.stdout) as Array<{ id: string; status: string; taskId: string; request: Record<string, unknown> }>;
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ id: row.id, status: 'pending', taskId: 'push', request: JSON.parse(row.request) });
      expect(items[0]!.request).toMatchObject({ matched_rule: 'tool=exec_shell command=git push', available_decisions: expect.arrayContaining(['approved', 'abort']) });
      // As text, the always-allow choice says what it covers, and what it never does.
      const text = await runCli(['approvals', '--db', s.db]);
      expect(text.stdout).toContain('(approved_execpolicy_amendment always allows "git push" from now on, never a command a deny rule refuses)');

      const bad = await runCli(['approve', row.id, '--decision', 'maybe', '--db', s.db]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--decision: expected one of approved, approved_for_session, denied, abort');
      const missing = await runCli(['approve', 'approval-nope', '--decision', 'approved', '--db', s.db]);
      expect(missing.code).toBe(3);

      const ok = await runCli(['approve', row.id, '--decision', 'approved', '--db', s.db]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(await exited).toBe(0);
      expect(remoteHas(s.remote, 'refs/heads/cli-approve')).toBe(true);
      const again = await runCli(['approve', row.id, '--decision', 'denied', '--db', s.db]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('is already approved (by cli:');

      const audit = await runCli(['approvals', '--audit', '--json', '--db', s.db]);
      const entries = JSON.parse(audit.stdout) as Array<{ action: string; subject: string; actor: string }>;
      expect(entries.slice(0, 2).map((e) => e.action)).toEqual(['approval.decided', 'approval.requested']);
      expect(entries[0]!.actor).toMatch(/^cli:/);
    } finally {
      run.kill('SIGKILL');
    }
  });

  it('a crash while a request waits loses nothing: expired visibly, retried, asked again, approved', async () => {
    const s = setup('cli-crash', 'clone');
    const first = startCli(['run', s.specFile, '--db', s.db], { cwd: s.dir });
    const firstRow = await waitFor('the first request', () => rows(s.db).find((r) => r.status === 'pending'));
    const ro = new Database(s.db, { readonly: true });
    const agentPid = (ro.prepare(`SELECT pid FROM attempts WHERE state = 'running'`).get() as { pid: number }).pid;
    ro.close();
    first.kill('SIGKILL');
    await new Promise((r) => first.once('close', r));

    // Nothing lost: the request is still in the store, whole, while nobody has looked yet.
    expect(rows(s.db)).toEqual([firstRow]);
    // Listing from another process notices its agent is gone and closes it, visibly.
    const listed = await runCli(['approvals', '--json', '--db', s.db]);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    expect(rows(s.db)[0]).toMatchObject({ id: firstRow.id, status: 'expired' });
    const audit = JSON.parse((await runCli(['approvals', '--audit', '--json', '--db', s.db])).stdout) as Array<{ action: string; subject: string }>;
    expect(audit[0]).toMatchObject({ action: 'approval.expired', subject: firstRow.id });

    // Resume: the orphaned agent is ended, the task retried, and the new attempt asks again.
    const resume = startCli(['resume', '--db', s.db], { cwd: s.dir });
    const resumed = new Promise<number | null>((r) => resume.once('close', r));
    try {
      const second = await waitFor('the retried request', () => rows(s.db).find((r) => r.status === 'pending'));
      expect(second.id).not.toBe(firstRow.id);
      expect(JSON.parse(second.request)).toMatchObject({ turn_id: 'cli-crash/push#2' });
      expect(isAlive(agentPid)).toBe(false);
      expect(remoteHas(s.remote, 'refs/heads/cli-crash')).toBe(false);
      const ok = await runCli(['approve', second.id, '--decision', 'approved', '--db', s.db]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(await resumed).toBe(0);
      expect(remoteHas(s.remote, 'refs/heads/cli-crash')).toBe(true);
    } finally {
      resume.kill('SIGKILL');
    }
  });

  it('an abort decided while no Shoal runs is kept: resume cancels the task instead of retrying it', async () => {
    const s = setup('cli-abort', 'clone');
    const first = startCli(['run', s.specFile, '--db', s.db], { cwd: s.dir });
    const row = await waitFor('the request', () => rows(s.db).find((r) => r.status === 'pending'));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('close', r));
    // Decided from a terminal while no Shoal runs: nobody is there to cancel the task now.
    const ok = await runCli(['approve', row.id, '--decision', 'abort', '--db', s.db]);
    expect(ok.code, ok.stderr).toBe(0);

    const resumed = await runCli(['resume', '--db', s.db, '--json'], { cwd: s.dir, timeoutMs: 60_000 });
    // Ended at once (exit 1: a task did not pass), not waiting for the task to ask again.
    expect(resumed.code, resumed.stderr).toBe(1);
    const ro = new Database(s.db, { readonly: true });
    try {
      // Cancelled as the abort asked, by whoever aborted it; never given a second attempt.
      expect(ro.prepare(`SELECT state, attempts FROM tasks WHERE run_id = 'cli-abort'`).get()).toEqual({ state: 'cancelled', attempts: 1 });
      expect(ro.prepare(`SELECT COUNT(*) n FROM attempts WHERE run_id = 'cli-abort'`).get()).toEqual({ n: 1 });
      const bodies = (ro.prepare(`SELECT body FROM worker_events WHERE run_id = 'cli-abort' AND state = 'cancelled'`).all() as Array<{ body: string }>).map((r) => JSON.parse(r.body) as { cancelled_by?: string });
      expect(bodies).toEqual([expect.objectContaining({ cancelled_by: expect.stringMatching(/^cli:/) })]);
    } finally {
      ro.close();
    }
    expect(remoteHas(s.remote, 'refs/heads/cli-abort')).toBe(false);
    expect(rows(s.db)).toEqual([expect.objectContaining({ id: row.id, status: 'aborted' })]);
  });
});
