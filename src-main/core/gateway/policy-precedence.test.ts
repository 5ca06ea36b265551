// Who may loosen the exec policy, end to end on a real core (real SQLite file, real shell commands
// through the gateway): an "always allow" answer never outranks a built-in deny (old answers stored
// before rules carried their origin neither).
// The denied command is `rm -rf / --version`: it matches the built-in deny for `rm -rf /`, and if it
// ever ran, rm would print its version and delete nothing.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { tempDir } from '../test-support/temp-core';
import type { ToolScope } from '../tools/tool-gateway';
import { waitFor } from '../test-support/wait-for';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();
const core = (): ShoalCore => makeCore();
const thread = (workdir: string): ToolScope => ({ kind: 'thread', threadId: 'thread-p', turnId: 'turn-1', workdir });
const DESTRUCTIVE = 'rm -rf / --version';

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
