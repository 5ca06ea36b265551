// The approval options through the contract, as Settings → Exec policy calls it: the timeout
// decision is stored and audited, a bad value is refused naming the field with nothing written,
// and a row stored before the choice existed reads as deny.
import { describe, expect, it } from 'vitest';
import { useCores } from '../../test-support/use-cores';

const makeCore = useCores();

describe('approvals.rules.options', () => {
  it('sets the timeout decision, audits the change, and refuses a bad value naming the field', async () => {
    const c = makeCore();
    const before = await c.call('approvals.rules.list', {}, { transport: 'test' });
    expect(before).toMatchObject({ ok: true, value: { options: { mode: 'on-request', timeoutSeconds: 900, timeoutDecision: 'deny' } } });

    const set = await c.call('approvals.rules.options', { timeoutDecision: 'approve', timeoutSeconds: 60 }, { transport: 'test' });
    expect(set).toEqual({ ok: true, value: { mode: 'on-request', timeoutSeconds: 60, timeoutDecision: 'approve' } });
    expect(c.audit.list({ limit: 5, prefix: 'policy.options' })).toMatchObject([{ detail: { timeoutSeconds: 60, timeoutDecision: 'approve' } }]);

    const bad = await c.call('approvals.rules.options', { timeoutDecision: 'maybe' }, { transport: 'test' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatchObject({ code: 'invalid_input', message: 'timeoutDecision: expected one of deny, approve' });
    // Nothing half-written: the earlier choice stands and no audit entry was added.
    expect(c.policy.options().timeoutDecision).toBe('approve');
    expect(c.audit.list({ limit: 5, prefix: 'policy.options' })).toHaveLength(1);
  });

  it('reads a row stored before the timeout decision existed as deny, keeping its other options', () => {
    const c = makeCore();
    c.store.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('policy.options', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
      .run(JSON.stringify({ mode: 'untrusted', timeoutSeconds: 120 }), new Date().toISOString());
    expect(c.policy.options()).toEqual({ mode: 'untrusted', timeoutSeconds: 120, timeoutDecision: 'deny' });
  });
});

describe('approvals.rules.save', () => {
  it('refuses a rule that could never match: a tool name no tool has, a relative workspace, a glob left open', async () => {
    const c = makeCore();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tool: 'no such tool!!' }, 'rule.tool: "no such tool!!" is no tool\'s name: give exec_shell, read_file, write_file, apply_patch, an MCP tool (<server>__<tool>) or a glob of them (github__*, *)'],
      [{ tool: 'read_file', workspace: 'relative/dir' }, 'rule.workspace: must be an absolute folder path, got "relative/dir"'],
      [{ tool: 'read_file', path: 'secrets/[unclosed' }, 'rule.path: the glob "secrets/[unclosed" leaves a "[" open, so it would match only a file named exactly that'],
      [{ tool: 'read_file', path: '{a,b' }, 'rule.path: the glob "{a,b" leaves a "{" open'],
    ];
    for (const [fields, message] of cases) {
      const r = await c.call('approvals.rules.save', { rule: { id: 'r', action: 'deny', ...fields }, isNew: true }, { transport: 'test' });
      expect(!r.ok && r.error.message, JSON.stringify(fields)).toContain(message);
    }
    expect(c.policy.rules()).toEqual([]);
    // Globs that close, MCP tool names and their globs are rules like any other.
    for (const fields of [{ tool: 'github__*', path: 'src/[ab]*.{ts,tsx}' }, { tool: 'write_file', workspace: '/srv/app' }, { tool: '*' }]) {
      expect((await c.call('approvals.rules.save', { rule: { id: `ok-${c.policy.rules().length}`, action: 'ask', ...fields }, isNew: true }, { transport: 'test' })).ok, JSON.stringify(fields)).toBe(true);
    }
    expect(c.policy.rules()).toHaveLength(3);
  });

  it('refuses a prefix the policy would never match (or would match everywhere), naming the field, with nothing written', async () => {
    const c = makeCore();
    const cases: Array<[string, RegExp]> = [
      ['sudo rm', /^rule\.prefix: "sudo rm" is judged as 2 separate commands \("sudo", "rm"\)/],
      ['FOO=1 make deploy', /^rule\.prefix: "FOO=1 make deploy" is judged as "make deploy"/],
      ['npx tsc', /^rule\.prefix: "npx tsc" is judged as 2 separate commands/],
      ['#', /^rule\.prefix: "#" names no command$/],
      ['echo ${x', /^rule\.prefix: "echo \$\{x" cannot be read as a command/],
    ];
    for (const [prefix, message] of cases) {
      const r = await c.call('approvals.rules.save', { rule: { id: 'r', tool: 'exec_shell', prefix, action: 'deny' }, isNew: true }, { transport: 'test' });
      expect(r.ok, prefix).toBe(false);
      expect(!r.ok && r.error.code).toBe('invalid_input');
      expect(!r.ok && r.error.message).toMatch(message);
      expect(!r.ok && r.error.issues?.[0]).toMatch(message);
    }
    expect(c.policy.rules()).toEqual([]);
    expect(c.audit.list({ limit: 5, prefix: 'policy.' })).toEqual([]);

    const ok = await c.call('approvals.rules.save', { rule: { id: 'r', tool: 'exec_shell', prefix: 'sudo', action: 'deny' }, isNew: true }, { transport: 'test' });
    expect(ok).toMatchObject({ ok: true, value: { id: 'r', prefix: 'sudo' } });
    // Renamed with a bad prefix: refused, and the rule it was to replace is still there.
    const renamed = await c.call('approvals.rules.save', { rule: { id: 'r2', tool: 'exec_shell', prefix: 'sudo rm', action: 'deny' }, previousId: 'r' }, { transport: 'test' });
    expect(renamed.ok).toBe(false);
    expect(c.policy.rules()).toEqual([{ id: 'r', tool: 'exec_shell', prefix: 'sudo', action: 'deny' }]);
    expect(c.audit.list({ limit: 5, prefix: 'policy.' }).map((e) => e.action)).toEqual(['policy.rule_added']);
  });

  it('the first rule saved stays in its own store: a store without rules (or with a broken row) has none', async () => {
    const a = makeCore();
    expect((await a.call('approvals.rules.save', { rule: { id: 'mine', tool: 'exec_shell', prefix: 'curl', action: 'allow' }, isNew: true }, { transport: 'test' })).ok).toBe(true);
    const b = makeCore();
    expect(b.policy.rules()).toEqual([]);
    // A hand-broken row reads as no rules, not as the rules some earlier save held.
    a.store.db.prepare(`UPDATE settings SET value = 'not json' WHERE key = 'policy.rules'`).run();
    expect(a.policy.rules()).toEqual([]);
  });

  it('refuses a path on a rule that can never have one, naming rule.path', async () => {
    const c = makeCore();
    const shellPath = await c.call('approvals.rules.save', { rule: { id: 'r', tool: 'exec_shell', path: 'secrets/**', action: 'deny' }, isNew: true }, { transport: 'test' });
    expect(!shellPath.ok && shellPath.error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('rule.path: exec_shell calls have no path') });
    const both = await c.call('approvals.rules.save', { rule: { id: 'r', tool: '*', prefix: 'cat', path: 'secrets/**', action: 'deny' }, isNew: true }, { transport: 'test' });
    expect(!both.ok && both.error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('rule.path: a prefix matches only shell commands') });
    expect(c.policy.rules()).toEqual([]);
    const ok = await c.call('approvals.rules.save', { rule: { id: 'r', tool: '*', path: 'secrets/**', action: 'deny' }, isNew: true }, { transport: 'test' });
    expect(ok.ok).toBe(true);
  });

  it('a stored rule saved before prefixes were checked neither throws nor matches every command', async () => {
    const c = makeCore();
    c.store.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('policy.rules', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
      .run(JSON.stringify([
        { id: 'hash', tool: 'exec_shell', prefix: '#', action: 'allow' },
        { id: 'broken', tool: 'exec_shell', prefix: 'echo ${x', action: 'deny' },
      ]), new Date().toISOString());
    const r = await c.call('approvals.rules.test', { command: 'rm -rf /', mode: 'on-request' }, { transport: 'test' });
    expect(r).toMatchObject({ ok: true, value: { action: 'deny', ruleId: 'default-deny-rm-root' } });
    const l = await c.call('approvals.rules.test', { command: 'python3 x.py', mode: 'untrusted' }, { transport: 'test' });
    expect(l).toMatchObject({ ok: true, value: { action: 'ask', ruleId: null } });
  });
});
