// A remote agent sends a judgment again, under the same call id, when the verdict did not reach it —
// here because the control plane was SIGKILLed after it judged the call (or while the call waited for
// a person) and was restarted on the same store. A hand-driven agent connection makes the lost
// verdict certain, where a real agent would only lose it in a narrow window (this is what made
// remote-agents.test.ts count 5 `running_tool` events instead of 3 now and then). Each call is judged
// once: its precheck, approval request and verdict are recorded once, an answered call gets its
// verdict again, and a person is asked once per call — the request pending at the kill is the one
// the agent's repeated judgment waits for, and a decision made while the control plane was down is
// the answer. What a person approved for the attempt's session holds across a restart too.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ControlMessage, LeaseRef } from '../../src-shared/protocol/worker-protocol';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli } from './test-support/cli';
import { launchOnAgents, mintToken, openRawAgent, query, rawHello, spawnCli, startControlPlane, stop, trackProcs, uiCall } from './test-support/control-plane';

const track = trackProcs();

type Raw = Awaited<ReturnType<typeof openRawAgent>>;

function frames<K extends ControlMessage['type']>(raw: Raw, type: K): Array<Extract<ControlMessage, { type: K }>> {
  return raw.messages().filter((m): m is Extract<ControlMessage, { type: K }> => m.type === type);
}

function phases(db: string, runId: string, taskId: string): string[] {
  return query<{ body: string }>(db, `SELECT body FROM worker_events WHERE run_id = ? AND task_id = ? AND state = 'running_tool' ORDER BY seq`, runId, taskId)
    .map((r) => (JSON.parse(r.body) as { extra: { kind: string; phase: string } }).extra)
    .map((e) => `${e.kind}:${e.phase}`);
}

const judgeFrame = (id: number, lease: LeaseRef, command: string, callId = `call-${lease.task_id}`) => JSON.stringify({
  type: 'judge', id, lease, call_id: callId, subject: { tool: 'exec_shell', command, cwd: `/agent/work/${lease.task_id}`, diff: null }, agent_reason: null,
});

/** A control plane whose `touch` commands wait for a person, a hand-driven agent joined to it, and
 *  one task per id leased to that agent and reported running (as a real agent's outbox reports it
 *  before its agent asks anything). */
async function agentWithLeases(dir: string, db: string, taskIds: string[], opts: { reportStarting?: boolean } = {}) {
  const cp = track(await startControlPlane(db, dir, ['--lease-seconds', '60', '--heartbeat-seconds', '1']));
  await uiCall(cp.uiUrl, 'approvals.rules.save', { rule: { id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask', note: 'asked on the control plane' }, isNew: true });
  const minted = await mintToken(db, dir);
  const a = await openRawAgent(cp.agentsUrl);
  a.sock.send(rawHello({ kind: 'join', token: minted.token }));
  const welcome = await waitFor('welcome', () => frames(a, 'welcome')[0]);
  const runId = await launchOnAgents(cp.uiUrl, {
    name: 'rejudged', task_specs: taskIds.map((id) => ({ id, name: id, instructions: `touch ${id}.txt`, retry_policy: { max_attempts: 1 } })),
  });
  // Claimed until all are leased: one claim at a time, the next once the last was answered.
  let claims = 0;
  const leases = await waitFor('the leases', () => {
    const got = frames(a, 'leases').flatMap((f) => f.leases.map((g) => g.lease));
    if (got.length === taskIds.length) return new Map(got.map((l) => [l.task_id, l]));
    if (frames(a, 'leases').length === claims) {
      claims++;
      a.sock.send(JSON.stringify({ type: 'claim', max: taskIds.length - got.length }));
    }
    return null;
  }, 30_000, 200);
  let seq = 0;
  for (const lease of leases.values()) {
    if (opts.reportStarting === false) continue;
    a.sock.send(JSON.stringify({ type: 'write', seq: ++seq, lease, op: { kind: 'starting', workdir: `/agent/work/${lease.task_id}`, branch: null } }));
    a.sock.send(JSON.stringify({ type: 'write', seq: ++seq, lease, op: { kind: 'running', pid: null } }));
  }
  await waitFor('the writes acknowledged', () => frames(a, 'ack').length === seq);
  expect(frames(a, 'refused')).toEqual([]);
  const approvalOf = (runIdOf: string, taskId: string) => query<{ id: string; status: string }>(db, 'SELECT id, status FROM approvals WHERE run_id = ? AND task_id = ?', runIdOf, taskId);
  return { cp, a, welcome, runId, lease: (id: string) => leases.get(id)!, approvalOf: (taskId: string) => approvalOf(runId, taskId) };
}

describe('remote agents: a judgment asked again after its verdict was lost', () => {
  it('after the control plane was SIGKILLed: answered as before, recorded once, a person asked once', async () => {
    const dir = tempDir('shoal-remote-rejudge-');
    const db = path.join(dir, 'cp.db');
    const { cp: first, a, welcome, runId, lease, approvalOf } = await agentWithLeases(dir, db, ['allowed', 'pending', 'away']);
    const port = new URL(first.agentsUrl.replace(/^ws/, 'http')).port;
    const allowed = lease('allowed');
    const pending = lease('pending');
    const away = lease('away');
    const allowedCommand = 'echo allowed';

    // Judged and answered before the kill: an allowed call; two calls that wait for a person.
    a.sock.send(judgeFrame(1, allowed, allowedCommand));
    await waitFor('the allowed verdict', () => frames(a, 'verdict').find((v) => v.id === 1));
    a.sock.send(judgeFrame(2, pending, 'touch pending.txt'));
    a.sock.send(judgeFrame(3, away, 'touch away.txt'));
    await waitFor('two pending approvals', () => query(db, `SELECT 1 FROM approvals WHERE run_id = ? AND status = 'pending'`, runId).length === 2, 30_000, 100);
    const before = { allowed: phases(db, runId, 'allowed'), pending: phases(db, runId, 'pending'), away: phases(db, runId, 'away') };
    expect(before).toEqual({
      allowed: ['tool:precheck', 'tool:dispatching'], pending: ['tool:precheck', 'approval:requested'], away: ['tool:precheck', 'approval:requested'],
    });
    const [pendingRequest] = approvalOf('pending');
    const [awayRequest] = approvalOf('away');

    first.child.kill('SIGKILL');
    await first.exited;
    // While the control plane is down, a person decides one of the requests from a terminal.
    const approved = await runCli(['approve', awayRequest!.id, '--decision', 'approved', '--db', db], { cwd: dir });
    expect(approved.code, approved.stderr).toBe(0);

    const second = track(spawnCli(['serve', '--db', db, '--agents-listen', `127.0.0.1:${port}`, '--lease-seconds', '60', '--heartbeat-seconds', '1'], dir));
    const uiUrl = /Shoal UI: (\S+)/.exec(await waitFor(`the control plane to serve again\n${second.err()}`, () => /Agents: \S+/.test(second.out()) && second.out(), 30_000))![1]!;
    const b = await openRawAgent(first.agentsUrl);
    try {
      b.sock.send(rawHello({ kind: 'credential', agent_id: welcome.agent_id, credential: welcome.credential }));
      await waitFor('welcome again', () => frames(b, 'welcome')[0]);
      // The agent heard none of the verdicts the first control plane sent (as if lost at the kill): it asks again.
      b.sock.send(judgeFrame(1, allowed, allowedCommand));
      b.sock.send(judgeFrame(2, pending, 'touch pending.txt'));
      b.sock.send(judgeFrame(3, away, 'touch away.txt'));
      expect(await waitFor('the allowed verdict again', () => frames(b, 'verdict').find((v) => v.id === 1))).toMatchObject({ allowed: true });
      // Answered from its timeline: judged once (the flaky count of 5 `running_tool` events was this call's 2 again).
      expect(phases(db, runId, 'allowed')).toEqual(['tool:precheck', 'tool:dispatching']);
      expect(await waitFor('the verdict decided while down', () => frames(b, 'verdict').find((v) => v.id === 3))).toMatchObject({ allowed: true });
      // Judgments are taken in order: the one before waits now. The request pending at the kill is
      // still the one it waits for (not expired, no second one): its decision answers it.
      expect(approvalOf('pending')).toEqual([{ id: pendingRequest!.id, status: 'pending' }]);
      await uiCall(uiUrl, 'approvals.decide', { id: pendingRequest!.id, decision: 'approved' });
      expect(await waitFor('the pending verdict', () => frames(b, 'verdict').find((v) => v.id === 2), 30_000)).toMatchObject({ allowed: true });
    } finally {
      b.sock.close();
    }
    // Each call's lifecycle once; one approval request per asked call, decided by the person.
    expect(phases(db, runId, 'allowed')).toEqual(['tool:precheck', 'tool:dispatching']);
    expect(phases(db, runId, 'pending')).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching']);
    expect(phases(db, runId, 'away')).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching']);
    expect(approvalOf('pending')).toEqual([{ id: pendingRequest!.id, status: 'approved' }]);
    expect(approvalOf('away')).toEqual([{ id: awayRequest!.id, status: 'approved' }]);
    await stop(second);
  }, 120_000);

  it('over a new connection while the first still waits: one request, its steps recorded once', async () => {
    const dir = tempDir('shoal-remote-rejudge-drop-');
    const db = path.join(dir, 'cp.db');
    const { cp, a, welcome, runId, lease, approvalOf } = await agentWithLeases(dir, db, ['pending']);
    const pending = lease('pending');
    a.sock.send(judgeFrame(1, pending, 'touch pending.txt'));
    await waitFor('the pending approval', () => approvalOf('pending').length === 1, 30_000, 100);
    // The connection drops (the control plane's wait for the person goes on); the agent asks again.
    a.sock.close();
    await a.closed;
    const b = await openRawAgent(cp.agentsUrl);
    try {
      b.sock.send(rawHello({ kind: 'credential', agent_id: welcome.agent_id, credential: welcome.credential }));
      await waitFor('welcome again', () => frames(b, 'welcome')[0]);
      b.sock.send(judgeFrame(1, pending, 'touch pending.txt'));
      b.sock.send(JSON.stringify({ type: 'claim', max: 1 }));
      // Frames are taken in order: once the claim after it is answered, the repeated judgment waits.
      await waitFor('the claim after it answered', () => frames(b, 'leases')[0], 30_000, 50);
      const [request] = approvalOf('pending');
      expect(approvalOf('pending')).toEqual([{ id: request!.id, status: 'pending' }]);
      await uiCall(cp.uiUrl, 'approvals.decide', { id: request!.id, decision: 'approved' });
      expect(await waitFor('the verdict', () => frames(b, 'verdict').find((v) => v.id === 1), 30_000)).toMatchObject({ allowed: true });
    } finally {
      b.sock.close();
    }
    expect(phases(db, runId, 'pending')).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching']);
    expect(approvalOf('pending')).toHaveLength(1);
    await stop(cp);
  });

  it('what a person approved for the session still holds after the control plane was SIGKILLed and restarted', async () => {
    const dir = tempDir('shoal-remote-session-');
    const db = path.join(dir, 'cp.db');
    const { cp: first, a, welcome, lease, approvalOf } = await agentWithLeases(dir, db, ['session']);
    const port = new URL(first.agentsUrl.replace(/^ws/, 'http')).port;
    const l = lease('session');
    a.sock.send(judgeFrame(1, l, 'touch session.txt', 'call-1'));
    await waitFor('the approval', () => approvalOf('session').length === 1, 30_000, 100);
    await uiCall(first.uiUrl, 'approvals.decide', { id: approvalOf('session')[0]!.id, decision: 'approved_for_session' });
    expect(await waitFor('the verdict', () => frames(a, 'verdict').find((v) => v.id === 1), 30_000)).toMatchObject({ allowed: true });
    first.child.kill('SIGKILL');
    await first.exited;
    const second = track(spawnCli(['serve', '--db', db, '--agents-listen', `127.0.0.1:${port}`, '--lease-seconds', '60', '--heartbeat-seconds', '1'], dir));
    await waitFor(`the control plane to serve again\n${second.err()}`, () => /Agents: \S+/.test(second.out()) && second.out(), 30_000);
    const b = await openRawAgent(first.agentsUrl);
    try {
      b.sock.send(rawHello({ kind: 'credential', agent_id: welcome.agent_id, credential: welcome.credential }));
      await waitFor('welcome again', () => frames(b, 'welcome')[0]);
      // The same command in a later call of the same attempt: allowed without asking again.
      b.sock.send(judgeFrame(2, l, 'touch session.txt', 'call-2'));
      expect(await waitFor('the second verdict', () => frames(b, 'verdict').find((v) => v.id === 2), 30_000)).toMatchObject({ allowed: true });
    } finally {
      b.sock.close();
    }
    expect(approvalOf('session')).toHaveLength(1);
    await stop(second);
  }, 120_000);
});

describe('remote agents: the path rules are about the attempt\'s workdir', () => {
  it('even when the first call the agent asks about runs in a folder inside it', async () => {
    const dir = tempDir('shoal-remote-root-');
    const db = path.join(dir, 'cp.db');
    const { cp, a, lease } = await agentWithLeases(dir, db, ['nested']);
    await uiCall(cp.uiUrl, 'approvals.rules.save', { rule: { id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny' }, isNew: true });
    const l = lease('nested');
    // The workdir the agent reported starting in is /agent/work/nested; its first call runs in src/.
    a.sock.send(JSON.stringify({ type: 'judge', id: 1, lease: l, call_id: 'c1', subject: { tool: 'exec_shell', command: 'cat ../secrets/key.txt', cwd: '/agent/work/nested/src', diff: null }, agent_reason: null }));
    expect(await waitFor('the verdict', () => frames(a, 'verdict').find((v) => v.id === 1), 30_000)).toMatchObject({ allowed: false, message: expect.stringContaining('secrets/**') });
    a.sock.send(JSON.stringify({ type: 'judge', id: 2, lease: l, call_id: 'c2', subject: { tool: 'read_file', command: '/agent/work/nested/secrets/key.txt', path: '/agent/work/nested/secrets/key.txt', cwd: '/agent/work/nested/src', diff: null }, agent_reason: null }));
    expect(await waitFor('the second verdict', () => frames(a, 'verdict').find((v) => v.id === 2), 30_000)).toMatchObject({ allowed: false });
    a.sock.close();
    await stop(cp);
  }, 120_000);

  it('before its starting report arrives: about the workdir the call says its paths are under', async () => {
    const dir = tempDir('shoal-remote-root-said-');
    const db = path.join(dir, 'cp.db');
    const { cp, a, lease } = await agentWithLeases(dir, db, ['early'], { reportStarting: false });
    await uiCall(cp.uiUrl, 'approvals.rules.save', { rule: { id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny' }, isNew: true });
    const key = '/agent/work/early/secrets/key.txt';
    a.sock.send(JSON.stringify({
      type: 'judge', id: 1, lease: lease('early'), call_id: 'c1', agent_reason: null,
      subject: { tool: 'exec_shell', command: 'cat ../secrets/key.txt', cwd: '/agent/work/early/src', diff: null, real_paths: [['/agent/work/early', '/agent/work/early'], [key, key]] },
    }));
    expect(await waitFor('the verdict', () => frames(a, 'verdict').find((v) => v.id === 1), 30_000)).toMatchObject({ allowed: false, message: expect.stringContaining('secrets/**') });
    a.sock.close();
    await stop(cp);
  }, 120_000);
});
