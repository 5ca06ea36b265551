// Task ids become branch names (shoal/<run>/<id as a ref allows>) and folder names. Two ids that
// come out as one name there shared one branch — the second task's work replaced the first's — so
// such a spec is refused by field path, naming both tasks.
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load-spec';

const load = (ids: string[], extra: Record<string, unknown> = {}) =>
  loadSpec(JSON.stringify({ name: 'ids', task_specs: ids.map((id) => ({ id, name: id, instructions: 'echo', ...(id === 'b' ? extra : {}) })) }), { filename: 'ids.json', defaultCapabilities: [] });

describe('task ids that would share a branch', () => {
  it('are refused when a branch name makes them one', () => {
    expect(load(['a..b', 'a.b'])).toEqual({ ok: false, issues: [
      'task_specs[1].id: "a.b" would share the branch shoal/<run>/a.b with "a..b" (task_specs[0]) (branch names cannot hold every id as written); give one of them another id',
    ] });
    expect(load(['x.lock', 'ok', 'x-lock'])).toMatchObject({ ok: false, issues: [expect.stringMatching(/^task_specs\[2\]\.id: "x-lock" would share the branch shoal\/<run>\/x-lock with "x\.lock" \(task_specs\[0\]\)/)] });
    const long = 'a'.repeat(90);
    expect(load([`${long}1`, `${long}2`])).toMatchObject({ ok: false, issues: [expect.stringMatching(/^task_specs\[1\]\.id: .* would share the branch/)] });
  });

  it('are refused when they differ only in case, once per task, and candidates count', () => {
    expect(load(['Lint', 'lint', 'lint'])).toEqual({ ok: false, issues: [
      'task_specs[2].id: duplicate id "lint" (also task_specs[1])',
      'task_specs[1].id: "lint" differs from "Lint" (task_specs[0]) only in case, and macOS and Windows take their branches and folders for one; give one of them another id',
    ] });
    expect(load(['b', 'B.c2'], { metadata: { candidates: 2 } })).toMatchObject({ ok: false, issues: [expect.stringMatching(/^task_specs\[1\]\.id: "B\.c2" differs from "b\.c2" \(task_specs\[0\]\) only in case/)] });
  });

  it('leave ids that stay apart alone', () => {
    expect(load(['a..b', 'x.lock', 'a-b', 'lint', 'lint-2']).ok).toBe(true);
  });
});
