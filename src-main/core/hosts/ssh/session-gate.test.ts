// The gate's ordering with a cancel that lands while a try is on the wire: the moment between
// sending a channel open and sshd's answer is too short to hit reliably against a real server
// (ssh-session-queue.test.ts covers the gate with one), so here the tries' answers are given by hand.
import { describe, expect, it } from 'vitest';
import { SessionGate, SessionWaitCancelled, type SessionAttempt } from './session-gate';

describe('SessionGate', () => {
  it('keeps a cancel that came while the try was on the wire: a refused try gives up instead of waiting', async () => {
    const gate = new SessionGate('ssh dev@host:22');
    const held = gate.open<string>((a) => a.opened('first'));
    await expect(held).resolves.toBe('first');

    const tries: Array<SessionAttempt<string>> = [];
    const stop = new AbortController();
    const second = gate.open<string>((a) => void tries.push(a), { signal: stop.signal });
    expect(tries).toHaveLength(1); // sent at once: the limit is not known yet
    stop.abort(); // while sshd has not answered yet
    tries[0]!.refused(new Error('(SSH) Channel open failure: open failed'));
    await expect(second).rejects.toBeInstanceOf(SessionWaitCancelled);
    expect(gate.waiting).toBe(0);
    expect(tries).toHaveLength(1); // never sent again
  });
});
