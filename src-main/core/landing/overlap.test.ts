// Conflict warnings on a big run: the run page (and an open task's page, every 1.5 s) asks for them
// again with every change of a running run, so they must cost about the files the tasks touch, not
// every task compared with every other.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../store/open';
import { tempDir } from '../test-support/temp-dir';
import { overlapWarnings } from './overlap';

const TASKS = 20_000;

function patchTouching(file: string, line: number): string {
  return `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -${line},1 +${line},1 @@\n-old\n+new\n`;
}

describe('overlap warnings', () => {
  it(`finds the few tasks that share a file among ${TASKS} finished ones, in well under two seconds`, async () => {
    const dir = tempDir();
    const store = openStore(path.join(dir, 'shoal.db'));
    try {
      const now = new Date().toISOString();
      store.db.prepare(`INSERT INTO runs (id, name, status, created_at) VALUES ('big', 'big', 'running', ?)`).run(now);
      const task = store.db.prepare(`INSERT INTO tasks (run_id, task_id, ordinal, name, spec, state, attempts) VALUES ('big', ?, ?, ?, '{}', 'passed', 1)`);
      const receipt = store.db.prepare(`INSERT INTO receipts (run_id, task_id, attempt, worker_id, completed_at, result, body) VALUES ('big', ?, 1, 'local', ?, 'pass', ?)`);
      // Three tasks change files: two of them the same one (on the same line), the third its own.
      const patches: Record<number, string> = { 10: patchTouching('shared.txt', 3), 15_000: patchTouching('shared.txt', 3), 19_999: patchTouching('own.txt', 1) };
      store.db.transaction(() => {
        for (let i = 0; i < TASKS; i++) {
          const id = `t${i}`;
          task.run(id, i, id);
          const artifacts = patches[i] === undefined ? [] : [{ kind: 'patch', path: path.join(dir, `${id}.patch`) }];
          if (patches[i] !== undefined) fs.writeFileSync(artifacts[0]!.path, patches[i]!);
          receipt.run(id, now, JSON.stringify({ result: 'pass', artifacts }));
        }
      })();

      const started = performance.now();
      const warnings = await overlapWarnings(store, 'big');
      const ms = performance.now() - started;
      expect(warnings).toEqual([{ tasks: ['t10', 't15000'], file: 'shared.txt', overlapping: true, conflicts: false }]);
      expect(ms).toBeLessThan(2_000);
    } finally {
      store.close();
    }
  });
});
