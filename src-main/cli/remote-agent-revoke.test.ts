// Revoking a remote agent while it is connected and busy, with real processes on loopback: the
// control plane turns it away at its next heartbeat (not only at its next claim, which a busy agent
// never sends), the agent stops the attempt it was running (nothing left running on its machine),
// and the same machine can join again with a new token and the same data directory.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli } from './test-support/cli';
import { launchOnAgents, mintToken, query, startAgent, startControlPlane, stop, trackProcs, waitForRun } from './test-support/control-plane';
import { isAlive } from '../core/fleet/process-tree';

const track = trackProcs();

describe('remote agents: revocation', () => {
  it('a busy agent revoked from the command line is turned away, stops its attempt, and can join again with a new token', async () => {
    const dir = tempDir('shoal-remote-revoke-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const dataDir = path.join(dir, 'agent');
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, dataDir, dir, ['--max-tasks', '1']));
    const pidFile = path.join(dir, 'busy.pids');
    // The first attempt hangs; the retry (the pid file is there by then) finishes at once.
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'busy',
      task_specs: [{ id: 'busy', name: 'busy', instructions: `if [ -f ${pidFile} ]; then echo retried; else sleep 120 & echo "$$ $!" > ${pidFile}; wait; fi`, retry_policy: { max_attempts: 2 } }],
    });
    const pids = await waitFor('the attempt to start its commands', () => {
      const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '';
      return /^\d+ \d+$/.test(text) ? text.split(' ').map(Number) : null;
    }, 30_000, 100);
    expect(pids.every(isAlive)).toBe(true);

    // Revoked by another process (no listener call): the busy agent, which sends no claims, hears it anyway.
    const agentId = query<{ id: string }>(db, 'SELECT id FROM remote_agents')[0]!.id;
    expect((await runCli(['agent-token', '--db', db, '--revoke', agentId], { cwd: dir })).code).toBe(0);
    const code = await Promise.race([agent.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
    expect(code, agent.err()).toBe(1);
    expect(agent.err()).toMatch(/was revoked at/);
    // Its attempt did not outlive it.
    await waitFor(`the attempt's commands to be gone\n${agent.err()}`, () => !pids.some(isAlive), 10_000, 50);

    // Its lease lapsed with the revocation (not ten minutes later): the task waits for a worker again.
    const leased = () => query<{ worker_id: string | null }>(db, 'SELECT worker_id FROM tasks WHERE run_id = ? AND lease_token IS NOT NULL', runId)[0]?.worker_id;
    await waitFor(`the revoked agent's lease to be reclaimed\n${cp.err()}`, () => leased() !== agentId, 15_000, 100);

    // A new token, the same data directory: it joins again as a new agent and takes the task back.
    const again = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, dataDir, dir, ['--max-tasks', '1']));
    expect(again.err()).toMatch(/joined as/);
    const agents = query<{ id: string; revoked_at: string | null }>(db, 'SELECT id, revoked_at FROM remote_agents ORDER BY created_at');
    expect(agents).toHaveLength(2);
    expect(agents[1]!.revoked_at).toBeNull();
    expect(await waitForRun(db, runId)).toBe('completed');
    expect(query<{ worker_id: string }>(db, 'SELECT worker_id FROM receipts WHERE run_id = ?', runId).map((r) => r.worker_id)).toEqual([agents[1]!.id]);
    await stop(again);
    await stop(cp, 'SIGKILL');
  }, 120_000);

  it('shoal agent-token refuses a token that would work longer than 30 days, as the Workers view does', async () => {
    const dir = tempDir('shoal-remote-ttl-');
    const db = path.join(dir, 'cp.db');
    const long = await runCli(['agent-token', '--db', db, '--url', 'ws://127.0.0.1:7071', '--ttl', '31d'], { cwd: dir });
    expect(long.code).not.toBe(0);
    expect(long.stderr).toContain('--ttl: 31d is longer than 30 days');
    expect(fs.existsSync(db) ? query(db, 'SELECT id FROM agent_join_tokens') : []).toHaveLength(0);
    expect((await runCli(['agent-token', '--db', db, '--url', 'ws://127.0.0.1:7071', '--ttl', '30d'], { cwd: dir })).code).toBe(0);
  });
});
