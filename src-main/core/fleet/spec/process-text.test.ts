// What an agent is started with (instructions, environment, a custom command, a model name) must be
// something a process can be given: a NUL made the start throw, and the attempt hung in "starting"
// until its lease ran out. Refused by field path before anything is created.
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load-spec';

const load = (task: Record<string, unknown>) =>
  loadSpec(JSON.stringify({ name: 'p', task_specs: [{ id: 'a', name: 'A', instructions: 'echo', ...task }] }), { filename: 'p.json', defaultCapabilities: [] });

describe('text handed to the agent process', () => {
  it('refuses a NUL in instructions, env values, a custom command or a model, and env names a process cannot take', () => {
    const nul = 'contains a NUL character (\\u0000), which a program cannot be given';
    expect(load({ instructions: 'echo a\u0000b' })).toEqual({ ok: false, issues: [`task_specs[0].instructions: ${nul}`] });
    expect(load({ metadata: { env: { GOOD: 'x', BAD: 'a\u0000b', 'A=B': 'x', '': 'y' } } })).toEqual({ ok: false, issues: [
      'task_specs[0].metadata.env[""]: not an environment variable name (it must be non-empty, without "=" or NUL)',
      'task_specs[0].metadata.env["A=B"]: not an environment variable name (it must be non-empty, without "=" or NUL)',
      `task_specs[0].metadata.env.BAD: ${nul}`,
    ] });
    expect(load({ metadata: { agent: { command: 'run \u0000 {instructions}' } } })).toEqual({ ok: false, issues: [`task_specs[0].metadata.agent.command: ${nul}`] });
    expect(load({ metadata: { agent: 'custom', command: 'run \u0000' } })).toEqual({ ok: false, issues: [`task_specs[0].metadata.command: ${nul}`] });
    expect(load({ metadata: { agent: 'codex', model: 'o\u0000' } })).toEqual({ ok: false, issues: [`task_specs[0].metadata.model: ${nul}`] });
  });

  it('refuses a custom command template that cannot be split into a command (it validated, and every attempt hung in "starting")', () => {
    expect(load({ metadata: { agent: { command: "echo 'unterminated {instructions}" } } }))
      .toEqual({ ok: false, issues: ["task_specs[0].metadata.agent.command: unterminated ' quote in command template"] });
    expect(load({ metadata: { agent: 'custom', command: '"" {instructions}' } }))
      .toEqual({ ok: false, issues: ['task_specs[0].metadata.command: has no command word'] });
    expect(load({ metadata: { agent: { command: `aider --message "{instructions}" --yes` } } }).ok).toBe(true);
  });

  it('takes ordinary text', () => {
    expect(load({ instructions: 'printf "tab\\tand é 🚀"', metadata: { env: { PATH_EXTRA: '/opt/x', _under: '' } } }).ok).toBe(true);
  });
});
