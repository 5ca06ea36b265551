// Several artifacts of one attempt, each small enough to ride a frame but together over the frame
// limit, with real processes on loopback: they all arrive and the run finishes. Before, they went in
// one `events` write the agent could never send ("over the limit; not sent"), which then blocked its
// outbox for good: the finish never arrived, and the task was retried after its lease, forever.
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { launchOnAgents, mintToken, query, startAgent, startControlPlane, stop, trackProcs, waitForRun } from './test-support/control-plane';

const track = trackProcs();

describe('remote agents: artifacts over the frame limit together', () => {
  it('sends two 3.5 MB artifacts that do not fit one frame together; both arrive and the run finishes', async () => {
    const dir = tempDir('shoal-remote-twoarts-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, path.join(dir, 'a'), dir));
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'two artifacts', task_specs: [{
        id: 'two', name: 'two', expected_artifacts: ['one', 'other'], retry_policy: { max_attempts: 1 },
        instructions: 'head -c 3500000 /dev/urandom > "$SHOAL_ARTIFACTS_DIR/one.bin"; head -c 3500000 /dev/urandom > "$SHOAL_ARTIFACTS_DIR/other.bin"',
      }],
    }, null);
    expect(await waitForRun(db, runId, 30_000).catch((e: Error) => `${e.message}\n${agent.err()}`)).toBe('completed');
    expect(agent.err()).not.toMatch(/over the .*-byte limit/);
    const receipt = JSON.parse(query<{ body: string }>(db, 'SELECT body FROM receipts WHERE run_id = ?', runId)[0]!.body) as { artifacts: Array<{ kind: string; path: string; checksum?: string }> };
    for (const kind of ['one', 'other']) {
      const a = receipt.artifacts.find((x) => x.kind === kind)!;
      const stored = fs.readFileSync(a.path);
      expect(stored.length).toBe(3_500_000);
      if (a.checksum) expect(a.checksum).toContain(crypto.createHash('sha256').update(stored).digest('hex'));
    }
    await stop(agent);
    await stop(cp);
  }, 120_000);
});

describe('remote agents: a stored write no frame can carry', () => {
  it('is dropped with a clear log, and the writes after it still go', async () => {
    const dir = tempDir('shoal-remote-oversize-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const dataDir = path.join(dir, 'a');
    const first = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, dataDir, dir));
    await stop(first);
    // Left in the outbox by an older agent: a write over the frame limit, then an ordinary one (for a
    // lease it does not hold, so the control plane's refusal shows that it arrived).
    const lease = JSON.stringify({ run_id: 'run-x', task_id: 't', attempt: 1, token: 'not-a-lease', inbox_seq: 1 });
    const outbox = new Database(path.join(dataDir, 'agent-outbox.db'));
    const insert = outbox.prepare('INSERT INTO outbox (lease, op) VALUES (?, ?)');
    const big = Number(insert.run(lease, JSON.stringify({ kind: 'events', events: [{ state: 'running', note: 'x'.repeat(9 * 1024 * 1024) }] })).lastInsertRowid);
    const after = Number(insert.run(lease, JSON.stringify({ kind: 'running', pid: null })).lastInsertRowid);
    outbox.close();
    const again = track(await startAgent(cp.agentsUrl, null, dataDir, dir));
    await waitFor(`the later write to be answered\n${again.err()}`, () => new RegExp(`write ${after} refused`).test(again.err()), 15_000, 100);
    expect(again.err()).toMatch(new RegExp(`write ${big} \\(events\\) for run-x/t attempt 1 is \\d+ bytes, over the \\d+-byte frame limit: it can never be sent; dropped`));
    await stop(again);
    await stop(cp);
  }, 120_000);
});
