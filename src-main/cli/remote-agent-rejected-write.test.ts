// A remote agent's write the control plane cannot accept (an upload whose bytes do not match their
// checksum, a result branch that does not apply) is refused, and the agent then stops that attempt
// and lets go of its lease. The control plane ends the attempt at once, failed with the cause, so the
// task is retried (or ends) now: before, it stayed "running" until the lease lapsed (ten minutes by
// default) and the agent was then marked as having stopped renewing it.
import crypto from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ControlMessage, LeaseRef } from '../../src-shared/protocol/worker-protocol';
import { git, initRepo } from '../core/test-support/git-repo';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { launchOnAgents, mintToken, openRawAgent, query, rawHello, startControlPlane, trackProcs } from './test-support/control-plane';

const track = trackProcs();

type Raw = Awaited<ReturnType<typeof openRawAgent>>;

function frames<K extends ControlMessage['type']>(raw: Raw, type: K): Array<Extract<ControlMessage, { type: K }>> {
  return raw.messages().filter((m): m is Extract<ControlMessage, { type: K }> => m.type === type);
}

async function claimOne(a: Raw): Promise<LeaseRef> {
  const before = frames(a, 'leases').length;
  return waitFor('a lease', () => {
    const got = frames(a, 'leases').slice(before).flatMap((f) => f.leases.map((g) => g.lease));
    if (got[0]) return got[0];
    a.sock.send(JSON.stringify({ type: 'claim', max: 1 }));
    return null;
  }, 30_000, 300);
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

describe('remote agents: a write the control plane rejects', () => {
  it('ends the attempt at once, failed with the cause, and the task retries then ends without waiting for the lease', async () => {
    const dir = tempDir('shoal-remote-rejected-');
    const db = path.join(dir, 'cp.db');
    // A lease far longer than this test waits: only the rejection can end the attempts in time.
    const cp = track(await startControlPlane(db, dir, ['--lease-seconds', '300', '--heartbeat-seconds', '1']));
    const minted = await mintToken(db, dir);
    const a = await openRawAgent(cp.agentsUrl);
    a.sock.send(rawHello({ kind: 'join', token: minted.token }));
    const welcome = await waitFor('welcome', () => frames(a, 'welcome')[0]);
    const repo = initRepo();
    const runId = await launchOnAgents(cp.uiUrl, { name: 'rejected', task_specs: [{ id: 'up', name: 'up', instructions: 'true', retry_policy: { max_attempts: 2, initial_backoff_seconds: 0 } }] }, repo);
    let seq = 0;
    const send = (lease: LeaseRef, op: unknown) => a.sock.send(JSON.stringify({ type: 'write', seq: ++seq, lease, op }));
    const attemptRow = (n: number) => query<{ state: string; result: string | null; reason: string | null }>(db,
      'SELECT state, result, reason FROM attempts WHERE run_id = ? AND task_id = ? AND attempt = ?', runId, 'up', n)[0];

    // Attempt 1: an artifact whose bytes do not match the checksum it was sent with.
    const first = await claimOne(a);
    send(first, { kind: 'starting', workdir: '/agent/work/up', branch: null });
    send(first, { kind: 'running', pid: null });
    const data = Buffer.from('hello');
    send(first, { kind: 'events', events: [{ state: 'artifact', path: 'out.txt', bytes: 5, sha256: sha256(data) }], files: [{ name: 'out.txt', sha256: sha256(Buffer.from('other')), data_b64: data.toString('base64') }] });
    const refused = await waitFor('the write refused', () => frames(a, 'refused')[0]);
    expect(refused).toMatchObject({ seq: 3, code: 'upload_rejected', lease: { task_id: 'up', attempt: 1 } });
    const ended = await waitFor('attempt 1 ended', () => attemptRow(1)?.state === 'ended' && attemptRow(1), 10_000);
    expect(ended.result).toBe('fail');
    expect(ended.reason).toMatch(/^the agent's report was rejected: upload out\.txt: sha256 [0-9a-f]{64} does not match the declared/);

    // Attempt 2 (the retry, leased again at once): a result branch whose bundle is not a git bundle.
    const second = await claimOne(a);
    expect(second.attempt).toBe(2);
    const bundle = Buffer.from('not a bundle');
    send(second, { kind: 'finish', outcome: { kind: 'scored', result: 'pass', exitCode: 0, receipt: { artifacts: [], score: null } },
      branch: { branch: `shoal/${runId}/up`, base_commit: git(repo, 'rev-parse', 'HEAD').trim(), bundle: { name: 'result.bundle', sha256: sha256(bundle), data_b64: bundle.toString('base64') } } });
    await waitFor('the finish refused', () => frames(a, 'refused').length === 2);
    const status = await waitFor('the run to end', () => {
      const s = query<{ status: string }>(db, 'SELECT status FROM runs WHERE id = ?', runId)[0]?.status;
      return s === 'failed' || s === 'completed' ? s : null;
    }, 10_000);
    expect(status).toBe('failed');
    expect(attemptRow(2)).toMatchObject({ state: 'ended', result: 'fail' });
    expect(attemptRow(2)!.reason).toMatch(/^the agent's result was rejected: /);
    const task = query<{ state: string; last_error: string | null }>(db, 'SELECT state, last_error FROM tasks WHERE run_id = ? AND task_id = ?', runId, 'up')[0]!;
    expect(task.state).toBe('failed');
    expect(task.last_error).toMatch(/^the agent's result was rejected: /);
    // The agent was told to let go, not found stale: it stays a healthy worker.
    const worker = query<{ status: string; status_reason: string | null }>(db, 'SELECT status, status_reason FROM workers WHERE id = ?', welcome.agent_id)[0]!;
    expect(worker.status_reason).toBeNull();
    expect(['online', 'busy']).toContain(worker.status);
  });
});
