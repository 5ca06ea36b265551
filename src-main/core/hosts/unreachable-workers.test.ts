// A worker whose host cannot be reached does not burn its tasks' retries: they wait, with a note
// naming the worker and the cause, and run once the host answers again (probed with backoff).
// Against a real OpenSSH server started here, stopped and restarted on the same port by its PID.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { startSshd, type TestSshd } from '../test-support/sshd';
import { eventsOf, launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { KnownHosts } from './ssh/host-keys';

const makeCore = useCores();
const SSHD_UP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/infra/sshd-up');
const FAST_REPROBE = { reprobe: { minMs: 200, maxMs: 1_000 } };

/** The same server (keys, port) back after a stop. */
function restart(own: TestSshd): void {
  execFileSync(SSHD_UP, [own.dir], { env: { ...process.env, SSHD_UP_PORT: String(own.port) } });
}

interface TaskRow { state: string; attempts: number; max_attempts: number; unplaceable: string | null }
function task(c: ShoalCore, runId: string, taskId = 't'): TaskRow {
  return c.store.db.prepare<[string, string], TaskRow>('SELECT state, attempts, max_attempts, unplaceable FROM tasks WHERE run_id = ? AND task_id = ?').get(runId, taskId)!;
}
function workerStatus(c: ShoalCore, id: string): string | undefined {
  return c.store.db.prepare<[string], { status: string }>('SELECT status FROM workers WHERE id = ?').get(id)?.status;
}

describe('an unreachable worker', () => {
  it("holds its tasks as waiting with the cause, without failing them, and runs them once it answers", async () => {
    const own = startSshd(tempDir('shoal-sshd-down-'));
    own.stop();
    try {
      const c = makeCore(FAST_REPROBE);
      KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${own.port}`, own.fingerprint);
      const runId = launch(c, {
        name: 'down',
        worker_specs: [{ id: 'w1', name: 'flaky box', host: { kind: 'ssh', host: '127.0.0.1', port: own.port, user: own.user, identity: own.identity } }],
        task_specs: [{ id: 't', name: 't', instructions: 'echo hello', retry_policy: { max_attempts: 1 } }],
      });
      const cause = `worker flaky box: ssh ${own.user}@127.0.0.1:${own.port}: connection refused (is sshd running there?)`;
      await waitFor('the task noted as waiting', () => task(c, runId).unplaceable);
      expect(task(c, runId)).toMatchObject({ state: 'queued', attempts: 0, unplaceable: `waiting for a worker that can be reached: ${cause}` });
      expect(workerStatus(c, 'w1')).toBe('unhealthy');
      // The Workers view (and `shoal workers list`) says why.
      expect(c.workersView.list().find((w) => w.id === 'w1')).toMatchObject({ status: 'unhealthy', statusReason: cause });
      expect(eventsOf(c, runId, 't').some((e) => e.state === 'queued' && String(e.unplaceable).includes(cause))).toBe(true);
      // `shoal run` does not hang on it: the run is idle, not failed.
      expect(await c.engine.waitForRun(runId, { untilIdle: true })).toBe('queued');

      restart(own);
      expect(await c.engine.waitForRun(runId)).toBe('completed');
      expect(task(c, runId)).toMatchObject({ state: 'passed', attempts: 1, unplaceable: null });
      expect(workerStatus(c, 'w1')).toMatch(/online|busy/);
      expect(c.workersView.list().find((w) => w.id === 'w1')?.statusReason).toBeNull();
    } finally {
      own.stop();
    }
  });

  it('gives back an attempt that could not start there: no retry is spent, and the task runs when the host is back', async () => {
    const own = startSshd(tempDir('shoal-sshd-gone-'));
    try {
      const c = makeCore(FAST_REPROBE, { start: false });
      c.workerRegistry.add({
        name: 'box', host: { kind: 'ssh', host: '127.0.0.1', port: own.port, user: own.user } as never, capabilities: ['remote'], maxTasks: 1,
        dockerHost: null, hostKey: own.fingerprint, privateKey: fs.readFileSync(own.identity, 'utf8'),
      });
      c.start();
      await waitFor('the kept worker probed', () => workerStatus(c, 'box') === 'online');
      own.stop(); // it was fine a moment ago: the engine learns otherwise only when it tries
      const runId = launch(c, { name: 'gone', task_specs: [{ id: 't', name: 't', instructions: 'echo there', retry_policy: { max_attempts: 1 }, metadata: { requires: ['remote'] } }] });
      await waitFor('the task noted as waiting', () => task(c, runId).unplaceable?.includes('connection refused'));
      expect(task(c, runId)).toMatchObject({ state: 'queued', attempts: 1, max_attempts: 2 });
      expect(task(c, runId).unplaceable).toContain(`worker box: ssh ${own.user}@127.0.0.1:${own.port}: connection refused`);
      const interrupted = eventsOf(c, runId, 't').find((e) => e.state === 'interrupted');
      expect(interrupted).toMatchObject({ signal: 'host-unreachable' });
      expect(c.engine.fleet.receipts(runId)).toEqual([]);

      restart(own);
      expect(await c.engine.waitForRun(runId)).toBe('completed');
      expect(c.engine.fleet.receipts(runId)).toMatchObject([{ worker_id: 'box', result: 'pass' }]);
      expect(task(c, runId)).toMatchObject({ state: 'passed', attempts: 2, unplaceable: null });
    } finally {
      own.stop();
    }
  });
});
