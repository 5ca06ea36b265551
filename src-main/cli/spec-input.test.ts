// Spec files as people really write them, through the real `shoal` command: what is refused says
// which field and why, exits 2, and leaves nothing behind.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli } from './test-support/cli';
import { spawnCli } from './test-support/control-plane';

function runRows(db: string): Array<{ id: string; name: string }> {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT id, name FROM runs ORDER BY id').all() as Array<{ id: string; name: string }>;
  } finally {
    d.close();
  }
}

describe('a spec that names its run', () => {
  it('is refused by field with exit 2 when the store already has that run id, and the run there is left as it was', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'shoal.db');
    const spec = path.join(dir, 'named.yaml');
    fs.writeFileSync(spec, 'id: nightly\nname: first\ntask_specs:\n  - { id: a, name: A, instructions: echo one }\n');
    expect((await runCli(['run', spec, '--db', db])).code).toBe(0);
    fs.writeFileSync(spec, 'id: nightly\nname: second\ntask_specs:\n  - { id: a, name: A, instructions: echo two }\n');
    const again = await runCli(['run', spec, '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('id: "nightly" is already used by another run');
    expect(again.stderr).toContain('nothing was run');
    expect(again.stderr).not.toContain('UNIQUE constraint');
    expect(runRows(db)).toEqual([{ id: 'nightly', name: 'first' }]);
    // `shoal validate` against that store says so too: valid there must mean it launches.
    const checked = await runCli(['validate', spec, '--db', db]);
    expect(checked.code).toBe(2);
    expect(checked.stdout).toContain('id: "nightly" is already used by another run');
    expect(JSON.parse((await runCli(['validate', spec, '--db', db, '--json'])).stdout)).toEqual({ ok: false, errors: [expect.stringContaining('id: "nightly" is already used')] });
    // Without that store (another one, or none yet) the id is free.
    expect((await runCli(['validate', spec, '--db', path.join(dir, 'other.db')])).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'other.db'))).toBe(false);
  });

  it('is refused when its id comes out as the branch and folder name of another run ("a..b" and "A.b"), naming that run', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'shoal.db');
    const spec = path.join(dir, 'named.yaml');
    fs.writeFileSync(spec, 'id: v1..2\nname: first\ntask_specs:\n  - { id: a, name: A, instructions: echo one }\n');
    expect((await runCli(['run', spec, '--db', db])).code).toBe(0);
    fs.writeFileSync(spec, 'id: V1.2\nname: second\ntask_specs:\n  - { id: a, name: A, instructions: echo two }\n');
    const again = await runCli(['run', spec, '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('id: "V1.2" would share its branches and folders (V1.2) with run "v1..2"');
    expect(again.stderr).toContain('nothing was run');
    expect(runRows(db)).toEqual([{ id: 'v1..2', name: 'first' }]);
    expect(fs.readdirSync(path.join(dir, 'workdirs'))).toEqual(['v1.2']);
  });

  it('is refused the same way by `shoal run --server`, which exits 2', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'host.db');
    const host = spawnCli(['serve', '--db', db], dir);
    try {
      const url = (await waitFor(`shoal serve to print its address\n${host.err()}`, () => /Shoal UI: (\S+)/.exec(host.out()), 30_000))[1]!;
      const spec = path.join(dir, 'named.yaml');
      fs.writeFileSync(spec, 'id: nightly\nname: first\ntask_specs:\n  - { id: a, name: A, instructions: echo one }\n');
      const first = await runCli(['run', spec, '--server', url]);
      expect(first.code, first.stderr).toBe(0);
      const again = await runCli(['run', spec, '--server', url]);
      expect(again.code, again.stderr).toBe(2);
      expect(again.stderr).toContain('id: "nightly" is already used by another run');
      expect(again.stderr).toContain('nothing was run');
    } finally {
      host.child.kill('SIGTERM');
      await host.exited;
    }
  });
});

describe('the bytes of a spec file', () => {
  const task = '{"id":"a","name":"A","instructions":"echo a"}';

  it('reads a JSON spec saved with a byte-order mark, as YAML and TOML ones were read', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'notepad.json');
    fs.writeFileSync(spec, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`{"name":"with bom","task_specs":[${task}]}`)]));
    const r = await runCli(['validate', spec]);
    expect(r.stdout + r.stderr).not.toContain('Unexpected token');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('run "with bom" with 1 task');
  });

  it('refuses bytes that are not UTF-8, naming the byte and where it is, rather than running with "�" in the spec', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'latin1.yaml');
    // "café" saved as Latin-1: é is the single byte 0xe9.
    fs.writeFileSync(spec, Buffer.concat([Buffer.from('name: ok\ntask_specs:\n  - { id: a, name: "caf'), Buffer.from([0xe9]), Buffer.from('", instructions: echo }\n')]));
    const validate = await runCli(['validate', spec, '--json']);
    expect(validate.code).toBe(2);
    expect(JSON.parse(validate.stdout)).toEqual({ ok: false, errors: ['(root): not UTF-8 text: byte 0xe9 at line 3, column 24 is not part of a UTF-8 character; save the file as UTF-8'] });
    const run = await runCli(['run', spec], { env: { SHOAL_HOME: dir } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('(root): not UTF-8 text: byte 0xe9 at line 3, column 24');
    expect(fs.existsSync(path.join(dir, 'shoal.db'))).toBe(false);
  });

  it('says a folder is a folder', async () => {
    const dir = tempDir();
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shoal validate: cannot read ${dir}: it is a folder, not a spec file\n`);
  });
});

describe('several spec files', () => {
  it('`shoal validate` checks every one (it passed the rest unread), each problem led by its file, exit 2 if any is invalid', async () => {
    const dir = tempDir();
    const good = path.join(dir, 'good.yaml');
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(good, 'name: good\ntask_specs:\n  - { id: a, name: A, instructions: echo a }\n');
    fs.writeFileSync(bad, 'name: bad\ntask_specs:\n  - { id: a, name: A, instructions: echo a, timeout_seconds: 0 }\n');
    const r = await runCli(['validate', good, bad]);
    expect(r.code).toBe(2);
    expect(r.stdout.trim().split('\n')).toEqual([
      `${good}: valid (yaml), run "good" with 1 task`,
      `${bad}: task_specs[0].timeout_seconds: must be at least 1 (leave it out for no timeout)`,
    ]);
    const json = await runCli(['validate', good, good, '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; ok: boolean })).toMatchObject([{ file: good, ok: true }, { file: good, ok: true }]);
  });

  it('`shoal run` refuses a second spec instead of ignoring it, and creates nothing', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'one.yaml');
    fs.writeFileSync(spec, 'name: one\ntask_specs:\n  - { id: a, name: A, instructions: echo a }\n');
    const r = await runCli(['run', spec, spec], { env: { SHOAL_HOME: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('shoal run: one spec at a time (got 2');
    expect(fs.existsSync(path.join(dir, 'shoal.db'))).toBe(false);
  });
});
