// Every agent profile is handed the attempt's gateway: the shell agent runs through the tiny client,
// Claude Code gets the MCP config and its permission-prompt tool, Codex the bridge to its app server.
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { planLaunch, type LaunchContext } from '../fleet/agents/launch';
import { CLAUDE_RUNNER_SCRIPT } from '../fleet/agents/claude-runner';
import { CODEX_BRIDGE_SCRIPT } from '../fleet/agents/codex-bridge';
import { SHELL_CLIENT_SCRIPT } from './shell-client';

const URL_ = 'http://127.0.0.1:4567/mcp/0123456789abcdef0123456789abcdef';
const ctx = (gateway = true): LaunchContext => ({
  instructions: 'npm test', workdir: '/w', runId: 'r', taskId: 't', attempt: 2, artifactsDir: '/a', isGitRepo: true, taskEnv: {},
  parentEnv: { PATH: '/usr/bin:/bin', SECRET_TOKEN: 'x' }, ...(gateway ? { gateway: { url: URL_ } } : {}),
});

describe('agents get the gateway', () => {
  it('the shell agent runs its instructions through the client, with this Node', () => {
    const plan = planLaunch({ kind: 'shell' }, ctx());
    expect(plan.command).toBe(process.execPath);
    expect(plan.args).toEqual(['-e', SHELL_CLIENT_SCRIPT, '--', 'npm test']);
    expect(plan.env).toMatchObject({ SHOAL_GATEWAY_URL: URL_, ELECTRON_RUN_AS_NODE: '1', SHOAL_ATTEMPT: '2' });
    expect(plan.env.SECRET_TOKEN).toBeUndefined();
    // The client is valid JavaScript for this runtime.
    expect(() => new vm.Script(SHELL_CLIENT_SCRIPT)).not.toThrow();
  });

  it('an engine without a gateway runs bash directly', () => {
    expect(planLaunch({ kind: 'shell' }, ctx(false))).toMatchObject({ command: 'bash', args: ['--noprofile', '--norc', '-c', 'npm test'] });
  });

  it('Claude Code runs through its runner with a strict MCP config, the permission-prompt tool and the PreToolUse hook', () => {
    const plan = planLaunch({ kind: 'claude-code' }, ctx());
    const { args } = plan;
    expect(plan.command).toBe(process.execPath);
    expect(args.slice(0, 4)).toEqual(['-e', CLAUDE_RUNNER_SCRIPT, '--', '-p']);
    const config = JSON.parse(args[args.indexOf('--mcp-config') + 1]!) as unknown;
    expect(config).toEqual({ mcpServers: { shoal: { type: 'http', url: URL_ } } });
    expect(args).toContain('--strict-mcp-config');
    expect(args[args.indexOf('--permission-prompt-tool') + 1]).toBe('mcp__shoal__approval_prompt');
    const settings = JSON.parse(args[args.indexOf('--settings') + 1]!) as { hooks: { PreToolUse: Array<{ hooks: Array<{ type: string; url: string }> }> } };
    expect(settings.hooks.PreToolUse[0]!.hooks[0]).toMatchObject({ type: 'http', url: 'http://127.0.0.1:4567/hook/0123456789abcdef0123456789abcdef' });
    expect(() => new vm.Script(CLAUDE_RUNNER_SCRIPT)).not.toThrow();
  });

  it('Codex runs through the app-server bridge, with the gateway and the model in its environment', () => {
    const plan = planLaunch({ kind: 'codex', model: 'o4' }, ctx());
    expect(plan.command).toBe(process.execPath);
    expect(plan.args).toEqual(['-e', CODEX_BRIDGE_SCRIPT, '--', 'npm test']);
    expect(plan.stream).toBe('codex-app-server');
    expect(plan.env).toMatchObject({ SHOAL_GATEWAY_URL: URL_, SHOAL_CODEX_MODEL: 'o4', ELECTRON_RUN_AS_NODE: '1' });
    expect(plan.env.SECRET_TOKEN).toBeUndefined();
    expect(() => new vm.Script(CODEX_BRIDGE_SCRIPT)).not.toThrow();
  });
});
