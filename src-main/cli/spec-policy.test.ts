// `shoal validate` and `shoal run` refuse a spec whose exec policy would loosen the person's approval
// settings (read from the store without writing to it), naming the field; the real command in a
// child process, against a real store file.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempCore, tempDir } from '../core/test-support/temp-core';
import { runCli } from './test-support/cli';

const FIELD = 'task_specs[0].metadata.policy.mode: "never" would loosen your approval mode "untrusted"';

function writeSpec(dir: string, policy: Record<string, unknown>): string {
  const spec = path.join(dir, 'loose.json');
  fs.writeFileSync(spec, JSON.stringify({ name: 'loose', task_specs: [{ id: 'x', name: 'x', instructions: 'touch made.txt', metadata: { policy } }] }));
  return spec;
}

describe("a spec's policy against the person's settings", () => {
  it('validate and run refuse a mode looser than the stored one, name the field, and run nothing', async () => {
    const home = tempDir();
    const c = tempCore({}, home);
    c.policy.setOptions({ mode: 'untrusted' }, 'test');
    await c.shutdown();
    const spec = writeSpec(home, { mode: 'never' });

    const checked = await runCli(['validate', spec], { env: { SHOAL_HOME: home } });
    expect(checked.code).toBe(2);
    expect(checked.stdout).toContain(FIELD);
    const json = await runCli(['validate', spec, '--json', '--db', path.join(home, 'shoal.db')], { env: { SHOAL_HOME: tempDir() } });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ ok: false, errors: [expect.stringContaining(FIELD)] });

    const ran = await runCli(['run', spec], { env: { SHOAL_HOME: home }, cwd: home });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(FIELD);
    expect(ran.stderr).toContain('invalid spec; nothing was run');
    const db = new Database(path.join(home, 'shoal.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }

    // Stricter than the settings is fine; without a store the defaults are the settings.
    expect((await runCli(['validate', writeSpec(home, { mode: 'reject' })], { env: { SHOAL_HOME: home } })).code).toBe(0);
    const fresh = tempDir();
    const approve = await runCli(['validate', writeSpec(fresh, { timeout_decision: 'approve' })], { env: { SHOAL_HOME: fresh } });
    expect(approve.code).toBe(2);
    expect(approve.stdout).toContain('task_specs[0].metadata.policy.timeout_decision: "approve" would approve requests nobody answers');
    expect(fs.existsSync(path.join(fresh, 'shoal.db'))).toBe(false);
  });
});
