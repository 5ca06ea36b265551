// Who may loosen the exec policy, end to end on a real core (real SQLite file, real shell commands
// through the gateway, shell-agent tasks): an "always allow" answer never outranks a built-in deny
// (old answers stored before rules carried their origin neither); a run's spec may only make the
// person's policy stricter — refused when checked, and judged stricter at run time anyway.
// The denied command is `rm -rf / --version`: it matches the built-in deny for `rm -rf /`, and if it
// ever ran, rm would print its version and delete nothing.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { eventsOf, tempDir } from '../test-support/temp-core';
import type { ToolScope } from '../tools/tool-gateway';
import { waitFor } from '../test-support/wait-for';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();
const core = (): ShoalCore => makeCore();
const thread = (workdir: string): ToolScope => ({ kind: 'thread', threadId: 'thread-p', turnId: 'turn-1', workdir });
const DESTRUCTIVE = 'rm -rf / --version';

/** Launches a spec that passed the launch check, with `policy` put into its first task afterwards:
 *  a run stored before the person's settings changed (or by an older version) reaches the gateway so. */
function launchWithPolicy(c: ShoalCore, task: Record<string, unknown>, policy: Record<string, unknown>): string {
  const loaded = c.validateSpec(JSON.stringify({ name: 'stored', task_specs: [{ retry_policy: { max_attempts: 1 }, ...task }] }), 'spec.json', null);
  if (!loaded.ok) throw new Error(loaded.issues.join('; '));
  (loaded.spec.run.tasks[0]!.spec.metadata as Record<string, unknown>).policy = policy;
  return c.engine.launch(loaded.spec);
}

function phases(c: ShoalCore, runId: string): unknown[] {
  return eventsOf(c, runId).filter((e) => e.state === 'running_tool').map((e) => (e.extra as Record<string, unknown>).phase);
}

describe('"always allow" and the built-in denies', () => {
  it('an always-allow from the dialog lets its prefix run, but never a command a built-in rule denies', async () => {
    const c = core();
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a');
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b');
    c.policy.setOptions({ mode: 'untrusted' }, 'test'); // rm is trusted by no rule: it asks
    const call = (command: string, callId: string) => c.tools.invoke({ tool: 'exec_shell', arguments: { command }, callId, scope: thread(dir) });

    const first = call('rm -f a.txt', 'c1');
    const req = await waitFor('a request', () => c.approvals.pending()[0]);
    expect(req.request.proposed_execpolicy_amendment).toEqual(['rm']);
    c.approvals.decide(req.id, 'approved_execpolicy_amendment', 'you');
    expect(await first).toMatchObject({ status: 'completed' });
    expect(c.policy.rules()).toContainEqual(expect.objectContaining({ id: 'allow-rm', prefix: 'rm', action: 'allow', origin: 'approval' }));

    // The rule works for what it was meant for…
    expect(await call('rm -f b.txt', 'c2')).toMatchObject({ status: 'completed' });
    expect(fs.existsSync(path.join(dir, 'b.txt'))).toBe(false);
    // …and the built-in deny still refuses, saying why the always-allow does not cover it.
    const denied = await call(DESTRUCTIVE, 'c3');
    expect(denied).toMatchObject({ status: 'denied', matchedRule: 'tool=exec_shell command=rm -rf /' });
    expect(denied.output).toContain('default rule "default-deny-rm-root"');
    expect(denied.output).toContain('Your "always allow" rule "allow-rm" does not cover it');
    expect(c.approvals.pending()).toEqual([]);
    // The tester in Settings says the same.
    const tested = await c.call('approvals.rules.test', { command: DESTRUCTIVE }, { transport: 'test' });
    expect(tested).toMatchObject({ ok: true, value: { action: 'deny', ruleId: 'default-deny-rm-root' } });
  });

  it('an always-allow stored by an older version (no origin, only its note) does not outrank a built-in deny either', async () => {
    const c = core();
    const dir = tempDir();
    // As the store of an older version holds it: written straight into the settings table.
    const legacy = [{ id: 'allow-rm', tool: 'exec_shell', prefix: 'rm', action: 'allow', note: 'Added when you approved approval-0b4f1c7e-2a7d-4a55-9d0e-3c1b9f2e8a11.' }];
    c.store.db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run('policy.rules', JSON.stringify(legacy), new Date().toISOString());
    const denied = await c.tools.invoke({ tool: 'exec_shell', arguments: { command: DESTRUCTIVE }, callId: 'l1', scope: thread(dir) });
    expect(denied).toMatchObject({ status: 'denied', matchedRule: 'tool=exec_shell command=rm -rf /' });
  });

  it('a rule the person writes in Settings still overrides a built-in rule, as the layers promise', async () => {
    const c = core();
    const dir = tempDir();
    const saved = await c.call('approvals.rules.save', { rule: { id: 'mine', tool: 'exec_shell', prefix: 'rm -rf /', action: 'allow' }, isNew: true }, { transport: 'test' });
    expect(saved).toMatchObject({ ok: true });
    const ran = await c.tools.invoke({ tool: 'exec_shell', arguments: { command: DESTRUCTIVE }, callId: 'm1', scope: thread(dir) });
    expect(ran).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(ran.output).toMatch(/rm \(GNU coreutils\)|rm/);
  });
});

describe("a run's policy only tightens", () => {
  it('the launch check refuses a mode or timeout decision looser than the person\'s, naming the field', async () => {
    const c = core();
    c.policy.setOptions({ mode: 'untrusted' }, 'test');
    const spec = (policy: Record<string, unknown>) => JSON.stringify({ name: 'loose', task_specs: [{ id: 'x', name: 'x', instructions: 'true', metadata: { policy } }] });
    const never = c.validateSpec(spec({ mode: 'never' }), 'spec.json', null);
    expect(!never.ok && never.issues).toEqual([
      'task_specs[0].metadata.policy.mode: "never" would loosen your approval mode "untrusted" (Ask unless trusted): a call no rule matches runs without asking instead of waiting for a person. '
      + 'A spec may only make the policy stricter: use "untrusted" or "reject", or leave mode out.',
    ]);
    const approve = c.validateSpec(spec({ timeout_decision: 'approve' }), 'spec.json', null);
    expect(!approve.ok && approve.issues).toEqual([
      'task_specs[0].metadata.policy.timeout_decision: "approve" would approve requests nobody answers, but your setting denies them. A spec may only make the policy stricter: use "deny", or leave timeout_decision out.',
    ]);
    // Through the launch contract nothing is created.
    const launched = await c.call('specs.launch', { text: spec({ mode: 'on-request' }) }, { transport: 'test' });
    expect(launched).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [expect.stringMatching(/^task_specs\[0\]\.metadata\.policy\.mode: "on-request" would loosen/)] } });
    expect(c.runsView.list(10).items).toEqual([]);
    // Stricter is fine.
    expect(c.validateSpec(spec({ mode: 'reject', timeout_decision: 'deny' }), 'spec.json', null).ok).toBe(true);
    c.policy.setOptions({ mode: 'on-request', timeoutDecision: 'approve' }, 'test');
    expect(c.validateSpec(spec({ mode: 'never', timeout_decision: 'approve' }), 'spec.json', null).ok).toBe(true);
  });

  it('at run time a mode that never asks does not let through what the person\'s mode asks about', async () => {
    const c = core();
    c.policy.setOptions({ mode: 'untrusted' }, 'test');
    const runId = launchWithPolicy(c, { id: 'touch', name: 'touch', instructions: 'touch made.txt' }, { mode: 'never' });
    const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId));
    expect(pending.request.reason).toContain("A run's policy can only make things stricter");
    c.approvals.decide(pending.id, 'denied', 'you');
    expect(await c.engine.waitForRun(runId)).toBe('failed');
  });

  it("at run time a run's allow rule does not outrank a built-in deny or ask", async () => {
    const c = core();
    const runId = launchWithPolicy(c, { id: 'rm', name: 'rm', instructions: DESTRUCTIVE }, { rules: [{ id: 'run-rm', tool: 'exec_shell', prefix: 'rm', action: 'allow' }] });
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(phases(c, runId)).toEqual(['precheck', 'denied']);
    const denied = eventsOf(c, runId).find((e) => e.state === 'running_tool' && (e.extra as Record<string, unknown>).phase === 'denied')!;
    expect(String((denied.extra as Record<string, unknown>).reason)).toContain('default-deny-rm-root');

    const push = launchWithPolicy(c, { id: 'push', name: 'push', instructions: 'git push' }, { rules: [{ id: 'run-push', tool: 'exec_shell', prefix: 'git push', action: 'allow' }] });
    const pending = await waitFor('the push request', () => c.approvals.pending().find((a) => a.runId === push));
    expect(pending.request.matched_rule).toBe('tool=exec_shell command=git push');
    c.approvals.decide(pending.id, 'denied', 'you');
    expect(await c.engine.waitForRun(push)).toBe('failed');
  });

  it("at run time a run's timeout decision of approve does not approve against the person's deny", async () => {
    const c = core();
    const runId = launchWithPolicy(c, { id: 'slow', name: 'slow', instructions: 'git push' }, { timeout_seconds: 1, timeout_decision: 'approve' });
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const row = c.store.db.prepare('SELECT status, decision, decided_by FROM approvals WHERE run_id = ?').get(runId);
    expect(row).toEqual({ status: 'timed_out', decision: 'denied', decided_by: 'timeout' });
  });
});
