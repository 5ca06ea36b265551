// A run started from a terminal against the store an open app uses shows up in the app within a
// second, without the app polling any view: main sees the other process's commits and invalidates.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueryFamily, ServerEvent } from '../../../src-shared/contract';
import type { ShoalCore } from '../../core/shoal';
import { tempCore, tempDir } from '../../core/test-support/temp-core';
import { waitFor } from '../../core/test-support/wait-for';
import { runCli } from '../test-support/cli';

let core: ShoalCore | null = null;
afterEach(() => core?.close());

describe('writes by another process', () => {
  it('reach an open window as an invalidation within a second of the CLI finishing', async () => {
    const dir = tempDir();
    core = tempCore({}, dir);
    const seen: QueryFamily[][] = [];
    core.bus.subscribe((e: ServerEvent) => {
      if (e.type === 'invalidate') seen.push(e.families);
    });
    const spec = path.join(dir, 'spec.json');
    fs.writeFileSync(spec, JSON.stringify({ id: 'from-terminal', name: 'from a terminal', task_specs: [{ id: 't', name: 't', instructions: 'true' }] }));
    const r = await runCli(['run', spec, '--db', path.join(dir, 'shoal.db'), '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    await waitFor('an invalidation of runs', () => seen.some((f) => f.includes('runs') && f.includes('approvals')), 1_000);
    expect(core.runsView.list(50).items.map((run) => run.id).filter((id) => id.startsWith('from-terminal'))).toHaveLength(1);
  });
});
