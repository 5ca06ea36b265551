// What an agent leaves in $SHOAL_ARTIFACTS_DIR is read by Shoal itself (to checksum it, to serve it to
// the task view) and written to (the patch): a symlink, a pipe or a device there must neither hang
// Shoal nor make it read or write a file outside the attempt's artifact folder. (A container on a
// local Docker daemon has the folder mounted, so it can leave links to paths of this computer.)
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initRepo } from '../core/test-support/git-repo';
import { tempDir } from '../core/test-support/temp-dir';
import { runCli } from './test-support/cli';
import { query } from './test-support/control-plane';

describe('artifacts an agent leaves as links, pipes or devices', () => {
  it('are not artifacts: the run ends, the patch lands in the artifact folder, and the linked file is untouched', async () => {
    const dir = tempDir();
    const repo = initRepo();
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'precious\n');
    const spec = path.join(dir, 'links.yaml');
    fs.writeFileSync(spec, `name: links
task_specs:
  - id: links
    name: Links
    expected_artifacts: [test_result]
    instructions: |
      out="$SHOAL_ARTIFACTS_DIR"
      ln -s /dev/zero "$out/test_result-zero.xml"
      mkfifo "$out/test_result-fifo.xml"
      ln -s ${victim} "$out/test_result-victim.xml"
      ln -s ${victim} "$out/changes.patch"
      echo '<testsuite name="t"><testcase name="ok"/></testsuite>' > "$out/test_result-real.xml"
      echo "changed by the agent" >> README.md
`);
    const db = path.join(dir, 'shoal.db');
    const r = await runCli(['run', spec, '--db', db, '--workspace', repo, '--json'], { env: { SHOAL_HOME: dir }, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    const { receipts } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { receipts: Array<{ artifacts: Array<{ kind: string; path: string }> }> };
    const artifacts = receipts[0]!.artifacts;
    expect(artifacts.map((a) => `${a.kind} ${path.basename(a.path)}`).sort()).toEqual(['log agent.log', 'patch changes.patch', 'test_result test_result-real.xml']);
    const patch = artifacts.find((a) => a.kind === 'patch')!.path;
    expect(fs.lstatSync(patch).isFile()).toBe(true);
    expect(fs.readFileSync(patch, 'utf8')).toContain('+changed by the agent');
  });

  it('a log the agent replaced with a link fails the attempt at once, saying why, instead of holding the task for its lease', async () => {
    const dir = tempDir();
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'precious\n');
    const spec = path.join(dir, 'log-link.yaml');
    fs.writeFileSync(spec, `name: log link
task_specs:
  - id: sabotage
    name: Sabotage
    retry_policy: { max_attempts: 1 }
    instructions: |
      rm -f "$SHOAL_ARTIFACTS_DIR/agent.log"
      ln -s ${victim} "$SHOAL_ARTIFACTS_DIR/agent.log"
`);
    const started = Date.now();
    const r = await runCli(['run', spec, '--db', path.join(dir, 'shoal.db'), '--workspace', initRepo(), '--json'], { env: { SHOAL_HOME: dir }, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(25_000);
    const task = query<{ state: string; last_error: string | null }>(path.join(dir, 'shoal.db'), 'SELECT state, last_error FROM tasks')[0]!;
    expect(task).toEqual({ state: 'failed', last_error: 'Shoal could not collect what the attempt left: agent.log is a symbolic link, not a file; it is not read' });
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});
