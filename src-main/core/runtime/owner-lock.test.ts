// Two Shoal processes on one data dir: only one runs jobs and recovers threads. The other (a CLI
// `shoal run` beside the app) leaves a thread the owner is answering alone.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../fleet/process-tree';
import { runtimeHarness, until, type RuntimeHarness } from '../test-support/runtime-core';
import { tempDir } from '../test-support/temp-core';
import { SettingsTable } from '../store/settings-table';
import { OWNER_CLAIM } from './owner-lock';

const harnesses: RuntimeHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose();
});

describe('runtime ownership', () => {
  it('leaves jobs and threads to another live Shoal process, and takes over once it is gone', async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await until(() => processStartTime(other.pid!) !== null);
      const first = await runtimeHarness({}, dir);
      harnesses.push(first);
      const t = first.core.runtime.createThread().threadId;
      first.core.runtime.threads.touchMessage(t, 'mid-reply in the other process');
      new SettingsTable(first.core.store).set(OWNER_CLAIM, { pid: other.pid, start: processStartTime(other.pid!), since: new Date().toISOString() });
      first.core.runtime.jobs.manager.enqueue('artifact_index');

      const started = first.core.runtime.start();
      expect(started).toMatchObject({ owner: false, jobsResumed: 0 });
      expect(first.core.runtime.readThread(t).thread?.status).toBe('running');
      expect(first.core.runtime.readThread(t).data.history?.map((m) => m.role)).toEqual(['user']);
      await first.dispose();
      harnesses.splice(0);

      other.kill('SIGKILL');
      await until(() => other.exitCode !== null || other.signalCode !== null);
      const second = await runtimeHarness({}, dir);
      harnesses.push(second);
      expect(second.core.runtime.start().owner).toBe(true);
      expect(second.core.runtime.readThread(t).thread?.status).toBe('idle');
      expect(second.core.runtime.readThread(t).data.history?.at(-1)?.content).toContain('Shoal stopped before the reply finished');
    } finally {
      if (other.exitCode === null) other.kill('SIGKILL');
    }
  });
});
