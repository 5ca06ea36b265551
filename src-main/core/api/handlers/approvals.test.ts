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
    expect(!bad.ok && bad.error).toMatchObject({ code: 'invalid_input', message: 'approvals.rules.options: timeoutDecision: expected one of deny, approve' });
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
