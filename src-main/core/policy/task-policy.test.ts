// A run's policy (`metadata.policy`) is checked when the spec is, as the launch preview and
// `shoal validate` call it: a malformed one is listed by field path and nothing is launched — it
// used to launch, and then refuse every tool call of the task.
import { describe, expect, it } from 'vitest';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();

const spec = (policy: unknown) => JSON.stringify({ name: 'p', task_specs: [
  { id: 'ok', name: 'ok', instructions: 'true' },
  { id: 'bad', name: 'bad', instructions: 'true', metadata: { policy } },
] });

describe('metadata.policy in the launch preview', () => {
  it('names each bad field of a run policy, and nothing is launched', async () => {
    const core = makeCore({}, { start: false });
    const bad = { rules: [{ id: 'x', tool: 'exec_shell', prefix: 'git push', action: 'block' }, { id: 'y', tool: 'exec_shell', prefix: 'sudo rm', action: 'deny' }], timeout_seconds: 0 };
    const checked = await core.call('specs.validate', { text: spec(bad), filename: 'spec.json', workspace: null }, { transport: 'test' });
    expect(checked.ok && (checked.value as { issues?: string[] }).issues).toEqual([
      expect.stringMatching(/^task_specs\[1\]\.metadata\.policy\.rules\[0\]\.action: /),
      expect.stringMatching(/^task_specs\[1\]\.metadata\.policy\.timeout_seconds: /),
    ]);
    const launched = await core.call('specs.launch', { text: spec(bad), filename: 'spec.json', workspace: null }, { transport: 'test' });
    expect(launched.ok).toBe(false);
    expect(core.store.db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });

    const neverMatches = await core.call('specs.validate', { text: spec({ rules: [{ id: 'y', tool: 'exec_shell', prefix: 'sudo rm', action: 'deny' }] }), filename: 'spec.json', workspace: null }, { transport: 'test' });
    expect(neverMatches.ok && (neverMatches.value as { issues?: string[] }).issues).toEqual([
      'task_specs[1].metadata.policy.rules[0].prefix: "sudo rm" is judged as 2 separate commands ("sudo", "rm"), so it never matches; write one rule for each',
    ]);

    const good = await core.call('specs.validate', { text: spec({ rules: [{ id: 'p', tool: 'exec_shell', prefix: 'git push', action: 'ask' }], mode: 'untrusted' }), filename: 'spec.json', workspace: null }, { transport: 'test' });
    expect(good.ok && ((good.value as { issues?: string[] }).issues ?? [])).toEqual([]);
  });
});
