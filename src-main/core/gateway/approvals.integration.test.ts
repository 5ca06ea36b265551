// Approvals end to end on this computer: a real core on a real SQLite file, shell-agent tasks that go
// through the gateway, real git with a local bare remote. Under an ask rule `git push` waits for a
// person: approved it pushes, denied the remote stays untouched and the agent carries on to its end,
// abort cancels the task; nobody answering in time applies the timeout decision (deny unless Settings
// or the run says approve), audited. Also: the reference implementation's lifecycle in the timeline as valid FleetWorkerEvent JSON.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetWorkerEventSchema } from '../../../src-shared/protocol/fleet';
import type { ShoalCore } from '../shoal';
import { eventsOf, launch } from '../test-support/temp-core';
import { waitFor } from '../test-support/wait-for';
import { git, remoteHas, repoWithRemote } from '../test-support/git-repo';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();

const core = (): ShoalCore => makeCore();

const PUSH_RULE = { id: 'ask-push', tool: 'exec_shell', prefix: 'git push', action: 'ask', note: 'Pushes leave this computer.' };

function pushSpec(id: string, policy: Record<string, unknown> = {}) {
  return {
    id, name: `push ${id}`,
    task_specs: [{
      id: 'push', name: 'commit and push',
      instructions: `echo "work from ${id}" >> README.md && git add -A && git commit -qm "work ${id}" && git push -q origin HEAD:refs/heads/${id}`,
      retry_policy: { max_attempts: 1 },
      metadata: { policy: { rules: [PUSH_RULE], ...policy } },
    }],
  };
}

function toolEvents(c: ShoalCore, runId: string) {
  return eventsOf(c, runId).filter((e) => e.state === 'running_tool');
}

describe('approvals for a shell agent', () => {
  it('asks before git push, persists the request, and pushes once approved', async () => {
    const { repo, remote } = repoWithRemote();
    const c = core();
    const runId = launch(c, pushSpec('approve-me'), repo);
    const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId));

    expect(pending.request).toMatchObject({
      call_id: `shell-${runId}/push#1`, turn_id: `${runId}/push#1`, matched_rule: 'tool=exec_shell command=git push',
      proposed_execpolicy_amendment: ['git', 'push'], proposed_network_policy_amendments: [],
      available_decisions: ['approved', 'approved_for_session', 'denied', 'abort', 'approved_execpolicy_amendment'],
    });
    expect(pending.request.command).toContain('git push -q origin HEAD:refs/heads/approve-me');
    expect(pending.request.reason).toContain(`Typed ask rule 'tool=exec_shell command=git push' (run rule "ask-push") requires approval.`);
    expect(pending.request.cwd).toContain(path.join('workdirs', 'approve-me'));
    // Persisted: another connection sees the row, with the request as the reference implementation's JSON.
    const ro = new Database(c.store.path, { readonly: true });
    try {
      const row = ro.prepare('SELECT status, request, task_id FROM approvals WHERE id = ?').get(pending.id) as { status: string; request: string; task_id: string };
      expect(row.status).toBe('pending');
      expect(JSON.parse(row.request)).toEqual(pending.request);
    } finally {
      ro.close();
    }
    expect(remoteHas(remote, 'refs/heads/approve-me')).toBe(false);
    // The task shows as running a tool while it waits (its events are flushed a moment later).
    await waitFor('the running_tool state', () => c.runsView.tasks(runId)[0]!.state === 'running_tool');

    expect(c.approvals.decide(pending.id, 'approved', 'you').changed).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(remoteHas(remote, 'refs/heads/approve-me')).toBe(true);
    expect(git(remote, 'log', '-1', '--format=%s', 'refs/heads/approve-me')).toBe('work approve-me');

    // The lifecycle, in order, each a valid FleetWorkerEvent with its phase in extra.
    const tools = toolEvents(c, runId);
    expect(tools.map((e) => `${(e.extra as Record<string, unknown>).kind}:${(e.extra as Record<string, unknown>).phase}`))
      .toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching', 'tool:completed']);
    for (const e of tools) {
      expect(() => FleetWorkerEventSchema.parse(e)).not.toThrow();
      expect(e).toMatchObject({ tool: 'exec_shell', call_id: `shell-${runId}/push#1`, extra: { attempt: 1 } });
    }
    expect(tools[0]!.extra).toMatchObject({ phase: 'precheck', payload: { requires_approval: true, allow: true, matched_rule: 'tool=exec_shell command=git push', phase: 'needs_approval', requirement: { type: 'needs_approval' } } });
    expect(tools[2]!.extra).toMatchObject({ decision: 'approved', decided_by: 'you', approval_id: pending.id });
    expect(tools[4]!.extra).toMatchObject({ phase: 'completed', payload: { exit_code: 0, ok: true } });
    const audit = c.audit.list({ limit: 10, prefix: 'approval.' });
    expect(audit.map((a) => a.action)).toEqual(['approval.decided', 'approval.requested']);
    expect(audit[0]).toMatchObject({ actor: 'you', subject: pending.id, detail: { decision: 'approved', taskId: 'push', matchedRule: 'tool=exec_shell command=git push' } });
  });

  it('denied: the remote stays untouched, the agent sees the refusal and finishes on its own', async () => {
    const { repo, remote } = repoWithRemote();
    const c = core();
    const runId = launch(c, pushSpec('deny-me'), repo);
    const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId));
    c.approvals.decide(pending.id, 'denied', 'you');
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(remoteHas(remote, 'refs/heads/deny-me')).toBe(false);
    const task = c.runsView.tasks(runId)[0]!;
    expect(task.state).toBe('failed'); // finished by the agent itself, not cancelled
    const receipt = c.engine.fleet.receipts(runId)[0]!;
    const log = (receipt.artifacts as Array<Record<string, unknown>>).find((a) => a.kind === 'log')!;
    expect(fs.readFileSync(String(log.path), 'utf8')).toContain('Denied by you: "');
    expect(eventsOf(c, runId).find((e) => e.state === 'failed')).toMatchObject({ reason: 'agent exited with code 126' });
    const phases = toolEvents(c, runId).map((e) => (e.extra as Record<string, unknown>).phase);
    expect(phases).toEqual(['precheck', 'requested', 'denied']);
    expect(c.approvals.get(pending.id)).toMatchObject({ status: 'denied', decision: 'denied', decidedBy: 'you' });
  });

  it('abort cancels the task', async () => {
    const { repo, remote } = repoWithRemote();
    const c = core();
    const runId = launch(c, pushSpec('abort-me'), repo);
    const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId));
    c.approvals.decide(pending.id, 'abort', 'you');
    await c.engine.waitForRun(runId);
    expect(c.runsView.tasks(runId)[0]!.state).toBe('cancelled');
    expect(eventsOf(c, runId).find((e) => e.state === 'cancelled')).toMatchObject({ cancelled_by: 'you' });
    expect(remoteHas(remote, 'refs/heads/abort-me')).toBe(false);
    expect(c.approvals.get(pending.id)!.status).toBe('aborted');
  });

  it('an ordinary command runs without asking, and its lifecycle is in the timeline', async () => {
    const c = core();
    const runId = launch(c, { name: 'plain', task_specs: [{ id: 'a', name: 'a', instructions: 'echo hello from the gateway' }] });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(c.approvals.pending()).toEqual([]);
    expect(toolEvents(c, runId).map((e) => (e.extra as Record<string, unknown>).phase)).toEqual(['precheck', 'dispatching', 'completed']);
  });

  it('a denying rule refuses at once; a timeout is denied by default; the attempt ending expires its request', async () => {
    const c = core();
    const runId = launch(c, {
      name: 'refusals',
      task_specs: [
        { id: 'deny', name: 'deny', instructions: 'rm -rf / --no-preserve-root', retry_policy: { max_attempts: 1 } },
        { id: 'slow', name: 'slow', instructions: 'sudo true', retry_policy: { max_attempts: 1 }, metadata: { policy: { timeout_seconds: 1 } } },
        { id: 'gone', name: 'gone', instructions: 'git push', timeout_seconds: 2, retry_policy: { max_attempts: 1 } },
      ],
    });
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const byTask = (id: string) => toolEvents(c, runId).filter((e) => e.task_id === id).map((e) => (e.extra as Record<string, unknown>).phase);
    expect(byTask('deny')).toEqual(['precheck', 'denied']);
    expect(byTask('slow')).toEqual(['precheck', 'requested', 'denied']);
    const all = c.audit.list({ limit: 50, prefix: 'approval.' });
    expect(all.find((a) => a.action === 'approval.timed_out')).toMatchObject({ actor: 'timeout', detail: { decision: 'denied', taskId: 'slow' } });
    expect(all.find((a) => a.action === 'approval.expired')).toMatchObject({ detail: { status: 'expired', taskId: 'gone' } });
    expect(c.approvals.pending()).toEqual([]);
  });

  it('the timeout decision: approve (from Settings) lets the push through, a run\'s deny overrides it; both audited as timed out', async () => {
    const c = core();
    // The person chooses approve in Settings, through the contract the Settings view calls.
    const set = await c.call('approvals.rules.options', { timeoutDecision: 'approve' }, { transport: 'test' });
    expect(set).toMatchObject({ ok: true, value: { timeoutDecision: 'approve' } });

    const approved = repoWithRemote();
    const approvedRun = launch(c, pushSpec('timeout-approves', { timeout_seconds: 1 }), approved.repo);
    expect(await c.engine.waitForRun(approvedRun)).toBe('completed');
    expect(remoteHas(approved.remote, 'refs/heads/timeout-approves')).toBe(true);

    const denied = repoWithRemote();
    const deniedRun = launch(c, pushSpec('run-denies', { timeout_seconds: 1, timeout_decision: 'deny' }), denied.repo);
    expect(await c.engine.waitForRun(deniedRun)).toBe('failed');
    expect(remoteHas(denied.remote, 'refs/heads/run-denies')).toBe(false);

    const rowOf = (runId: string) => c.store.db.prepare('SELECT id, status, decision, decided_by FROM approvals WHERE run_id = ?').get(runId) as Record<string, string>;
    expect(rowOf(approvedRun)).toMatchObject({ status: 'timed_out', decision: 'approved', decided_by: 'timeout' });
    expect(rowOf(deniedRun)).toMatchObject({ status: 'timed_out', decision: 'denied', decided_by: 'timeout' });

    // The agent's timeline says who approved: the timeout, then the command ran.
    const phases = (runId: string) => toolEvents(c, runId).map((e) => (e.extra as Record<string, unknown>).phase);
    expect(phases(approvedRun)).toEqual(['precheck', 'requested', 'approved', 'dispatching', 'completed']);
    expect(toolEvents(c, approvedRun)[2]!.extra).toMatchObject({ decision: 'approved', status: 'timed_out', decided_by: 'timeout' });
    expect(String((toolEvents(c, approvedRun)[2]!.extra as Record<string, unknown>).reason)).toContain('the timeout decision is approve');
    expect(phases(deniedRun)).toEqual(['precheck', 'requested', 'denied']);

    const audit = c.audit.list({ limit: 50, prefix: 'approval.timed_out' });
    expect(audit.find((a) => a.subject === rowOf(approvedRun).id)).toMatchObject({
      actor: 'timeout', detail: { status: 'timed_out', decision: 'approved', runId: approvedRun, why: 'no decision within 1 s; the timeout decision is approve' },
    });
    expect(audit.find((a) => a.subject === rowOf(deniedRun).id)).toMatchObject({
      actor: 'timeout', detail: { status: 'timed_out', decision: 'denied', runId: deniedRun, why: 'no decision within 1 s; the timeout decision is deny' },
    });
    expect(c.audit.list({ limit: 10, prefix: 'policy.options' })[0]).toMatchObject({ actor: expect.any(String), detail: { timeoutDecision: 'approve' } });
  });

  it('a malformed task policy fails closed and names the field', async () => {
    const c = core();
    const bad = { policy: { rules: [{ id: 'r', tool: 'exec_shell', action: 'perhaps' }] } };
    const spec = (metadata: Record<string, unknown>) => JSON.stringify({ name: 'bad policy', task_specs: [{ id: 'x', name: 'x', instructions: 'echo hi', retry_policy: { max_attempts: 1 }, metadata }] });
    // The launch preview refuses it, naming the field…
    const checked = c.validateSpec(spec(bad), 'spec.json', null);
    expect(!checked.ok && checked.issues).toEqual([expect.stringMatching(/^task_specs\[0\]\.metadata\.policy\.rules\[0\]\.action: /)]);
    // …and one that reaches an attempt anyway (a run stored by an older version) refuses every call.
    const loaded = c.validateSpec(spec({}), 'spec.json', null);
    if (!loaded.ok) throw new Error(loaded.issues.join('; '));
    (loaded.spec.run.tasks[0]!.spec.metadata as Record<string, unknown>).policy = bad.policy;
    const runId = c.engine.launch(loaded.spec);
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const denied = toolEvents(c, runId).find((e) => (e.extra as Record<string, unknown>).phase === 'denied')!;
    expect(String((denied.extra as Record<string, unknown>).reason)).toMatch(/metadata\.policy\.rules\[0\]\.action: /);
  });
});
