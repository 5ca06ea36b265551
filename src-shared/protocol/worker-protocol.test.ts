// The worker protocol's frames, as both ends parse them: version mismatches and malformed frames are
// refused with a message that names what is wrong.
import { describe, expect, it } from 'vitest';
import { parseAgentMessage, parseControlMessage, WORKER_PROTOCOL_VERSION } from './worker-protocol';

const lease = { run_id: 'r', task_id: 't', attempt: 1, token: 'tok', inbox_seq: 3 };

describe('worker protocol', () => {
  it('accepts the frames of a session', () => {
    const hello = { type: 'hello', protocol: WORKER_PROTOCOL_VERSION, auth: { kind: 'join', token: 'shoal_jt_x' }, name: 'a', version: '1', hostname: 'h', capabilities: ['git'], max_tasks: 2 };
    expect(parseAgentMessage(JSON.stringify(hello))).toMatchObject({ ok: true, value: { type: 'hello' } });
    // What the agent's machine has is optional; when said, each fact is checked by name.
    const host = { os: 'Linux 6.1.0', cpus: 8, memory_mb: 16_000, git: '2.39.5', agents: [{ name: 'claude', version: '2.1.197' }] };
    expect(parseAgentMessage(JSON.stringify({ ...hello, host }))).toMatchObject({ ok: true, value: { host: { cpus: 8 } } });
    const badFacts = parseAgentMessage(JSON.stringify({ ...hello, host: { ...host, cpus: 'many' } }));
    expect(!badFacts.ok && badFacts.message).toMatch(/invalid "hello" frame: host\.cpus/);
    const write = { type: 'write', seq: 7, lease, op: { kind: 'finish', outcome: { kind: 'interrupted', signal: 'SIGTERM' }, branch: null } };
    expect(parseAgentMessage(JSON.stringify(write)).ok).toBe(true);
    const welcome = { type: 'welcome', protocol: WORKER_PROTOCOL_VERSION, agent_id: 'agent-1', name: 'a', acked_seq: 6, heartbeat_ms: 1000, lease_ms: 600_000 };
    expect(parseControlMessage(JSON.stringify(welcome))).toMatchObject({ ok: true, value: { acked_seq: 6 } });
  });

  it('carries judgments, verdicts and cancel stops; a judgment names its lease and a well-formed subject', () => {
    const judge = { type: 'judge', id: 1, lease, call_id: 'shell-r/t#1', subject: { tool: 'exec_shell', command: 'git push', cwd: '/w', diff: null }, agent_reason: null };
    expect(parseAgentMessage(JSON.stringify(judge))).toMatchObject({ ok: true, value: { type: 'judge', subject: { command: 'git push' } } });
    const noLease = parseAgentMessage(JSON.stringify({ ...judge, lease: undefined }));
    expect(!noLease.ok && noLease.message).toMatch(/invalid "judge" frame: lease/);
    const extra = parseAgentMessage(JSON.stringify({ ...judge, subject: { ...judge.subject, decision: 'allow' } }));
    expect(extra.ok).toBe(false); // an agent cannot smuggle its own verdict in
    expect(parseControlMessage(JSON.stringify({ type: 'verdict', id: 1, allowed: false, message: 'Denied by you', interrupt: false })).ok).toBe(true);
    expect(parseControlMessage(JSON.stringify({ type: 'stop', lease, reason: 'cancelled by you', cancelled_by: 'you' }))).toMatchObject({ ok: true, value: { cancelled_by: 'you' } });
  });

  it('refuses another version on either side, naming both versions', () => {
    const r = parseControlMessage(JSON.stringify({ type: 'welcome', protocol: 99 }));
    expect(r).toMatchObject({ ok: false, code: 'protocol_version' });
    expect(!r.ok && r.message).toContain(`worker protocol 99 is not supported (this side speaks ${WORKER_PROTOCOL_VERSION})`);
    expect(parseAgentMessage(JSON.stringify({ type: 'hello', protocol: WORKER_PROTOCOL_VERSION + 1 }))).toMatchObject({ ok: false, code: 'protocol_version' });
  });

  it('names the field of a malformed frame', () => {
    const bad = parseAgentMessage(JSON.stringify({ type: 'write', seq: 0, lease, op: { kind: 'events', events: [] } }));
    expect(bad).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(!bad.ok && bad.message).toMatch(/invalid "write" frame: (seq|op\.events)/);
    expect(parseAgentMessage('not json')).toMatchObject({ ok: false, message: 'agent message: frame is not JSON' });
    // A file name that is a path is refused: an agent cannot choose where the control plane writes.
    const path = parseAgentMessage(JSON.stringify({ type: 'write', seq: 1, lease, op: { kind: 'events', events: [{ state: 'artifact' }], files: [{ name: '../x', sha256: 'a'.repeat(64), data_b64: '' }] } }));
    expect(path.ok).toBe(false);
  });
});
