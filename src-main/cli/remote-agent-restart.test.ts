// A remote agent killed (SIGKILL) mid-attempt, then started again, with real processes on loopback:
// the attempt's detached process group outlived the agent; the restarted agent ends it before it
// takes any work, and reports the attempt interrupted so the task retries at once (not after its lease).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { launchOnAgents, mintToken, query, startAgent, startControlPlane, stop, trackProcs, waitForRun } from './test-support/control-plane';
import { isAlive } from '../core/fleet/process-tree';

const track = trackProcs();

describe('remote agents: restart after a crash', () => {
  it("a restarted agent ends the attempt its killed predecessor left running, and the task retries without waiting for the lease", async () => {
    const dir = tempDir('shoal-remote-restart-');
    const db = path.join(dir, 'cp.db');
    // A long lease: only the agent's own report can get the task retried within the test.
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1', '--lease-seconds', '600']));
    const dataDir = path.join(dir, 'agent');
    const first = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, dataDir, dir, ['--max-tasks', '1']));
    // The agent's credential is kept in its outbox file: readable by its own user only.
    if (process.platform !== 'win32') {
      for (const f of fs.readdirSync(dataDir).filter((n) => n.startsWith('agent-outbox.db'))) {
        expect((fs.statSync(path.join(dataDir, f)).mode & 0o077).toString(8), f).toBe('0');
      }
      expect((fs.statSync(dataDir).mode & 0o077).toString(8)).toBe('0');
    }
    const pidFile = path.join(dir, 'first.pids');
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'outlives its agent',
      task_specs: [{ id: 'long', name: 'long', instructions: `if [ -f ${pidFile} ]; then echo retried; else sleep 120 & echo "$$ $!" > ${pidFile}; wait; fi`, retry_policy: { max_attempts: 2, initial_backoff_seconds: 0 } }],
    });
    const pids = await waitFor('the attempt to start its commands', () => {
      const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '';
      return /^\d+ \d+$/.test(text) ? text.split(' ').map(Number) : null;
    }, 30_000, 100);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(pids.every(isAlive)).toBe(true); // detached: the kill did not reach them

    const again = track(await startAgent(cp.agentsUrl, null, dataDir, dir, ['--max-tasks', '1']));
    await waitFor(`the left-over attempt to be ended\n${again.err()}`, () => !pids.some(isAlive), 10_000, 50);
    expect(again.err()).toMatch(/left running by an earlier run of this agent; ended it/);
    expect(await waitForRun(db, runId, 30_000)).toBe('completed');
    const attempts = query<{ attempt: number; state: string }>(db, 'SELECT attempt, state FROM attempts WHERE run_id = ? ORDER BY attempt', runId);
    expect(attempts.map((a) => a.attempt), JSON.stringify(attempts)).toEqual([1, 2]);
    expect(query(db, 'SELECT 1 FROM receipts WHERE run_id = ?', runId)).toHaveLength(1);
    await stop(again);
    await stop(cp);
  }, 120_000);
});
