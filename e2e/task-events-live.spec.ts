// A task's Events tab stays the store's truth: events written by another process on the same store
// (`shoal run` in a terminal), which never pass this host's live stream, reach it all the same, in
// order and each once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures/shoal-host';
import { callHost } from './fixtures/host-call';
import { ShellPage } from './pages/shell-page';
import { TaskPage } from './pages/task-page';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The seqs the Events tab shows, top to bottom (the rows near the viewport; these runs are short). */
async function shownSeqs(page: Page): Promise<number[]> {
  const cells = await page.getByTestId('event-log').locator('[role="row"].event-row > [role="cell"]:first-child').allTextContents();
  return cells.map(Number);
}

test('events written by `shoal run` in a terminal on the same store reach an open Events tab', async ({ page, host }) => {
  test.setTimeout(60_000);
  const spec = `id: from-terminal
name: from a terminal
task_specs:
  - id: slow
    name: Slow steps
    instructions: for i in 1 2 3 4 5 6; do echo "step $i"; sleep 0.5; done
`;
  const specFile = path.join(host.dataDir, 'from-terminal.yaml');
  fs.writeFileSync(specFile, spec);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'shoal.js'), 'run', specFile, '--db', host.dbPath], {
    cwd: ROOT, env: { ...process.env, SHOAL_HOME: host.dataDir }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const shell = new ShellPage(page);
    await shell.open(host.url);
    // Opened while the agent runs: what the terminal's Shoal writes from now on never passes this host's stream.
    await expect.poll(async () => {
      const t = await callHost(host, 'tasks.get', { runId: 'from-terminal', taskId: 'slow' }).catch(() => null);
      return t?.task.state ?? null;
    }, { timeout: 20_000, message: stderr }).toMatch(/^(running|running_tool|model_wait)$/);
    await page.evaluate(() => { location.hash = '#/runs/from-terminal/slow'; });
    const task = new TaskPage(page);
    await task.openTab('Events');
    await expect(page.getByTestId('event-log').locator('[data-state="running"]')).toHaveCount(1);
    expect(await exited, stderr).toBe(0);
    await expect(page.getByTestId('event-log').locator('[data-state="completed"]')).toHaveCount(1, { timeout: 10_000 });
    const stored = await callHost(host, 'tasks.events', { runId: 'from-terminal', taskId: 'slow', afterSeq: 0, limit: 100 });
    expect(await shownSeqs(page)).toEqual(stored.events.map((e) => Number(e.seq)));
  } finally {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  }
});
