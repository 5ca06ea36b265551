// How each agent profile is started. No shell is involved except for the shell agent itself:
// custom templates are split into argv first and placeholders are substituted inside words, so
// instructions can never inject shell syntax into a command line.
import { splitTemplate } from './command-template';
import { SHELL_CLIENT_SCRIPT } from '../../gateway/shell-client';
import { SHELL_CLIENT_BASH } from '../../gateway/shell-client-bash';
import type { AgentSpec } from './agent-spec';
import { hookUrlOf } from '../../gateway/endpoints';
import { CLAUDE_RUNNER_SCRIPT } from './claude-runner';
import { CODEX_BRIDGE_SCRIPT } from './codex-bridge';
import type { StreamKind } from './stream-parsers';

export interface LaunchPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** How to read the agent's stdout into events. */
  stream: StreamKind;
}

export interface LaunchContext {
  instructions: string;
  workdir: string;
  runId: string;
  taskId: string;
  attempt: number;
  artifactsDir: string;
  isGitRepo: boolean;
  /** Task-specific variables from metadata.env. */
  taskEnv: Record<string, string>;
  /** The parent's environment, filtered through the allowlist below. */
  parentEnv: NodeJS.ProcessEnv;
  extraAllowlist?: readonly string[];
  /** The attempt's tool gateway (MCP over HTTP on 127.0.0.1): every tool call goes through it. */
  gateway?: { url: string };
  /** Where the shell agent's gateway client runs: 'node' on this computer (Shoal's own runtime),
   *  'bash' on a host that only promises bash (SSH, containers). */
  shellClient?: 'node' | 'bash';
}

/** The gateway's name in the agents' MCP config: Claude sees its tools as mcp__shoal__<tool>. */
export const GATEWAY_SERVER_NAME = 'shoal';

/** The hook waits while a person decides; the approval's own timeout (15 min by default) ends it first. */
const HOOK_TIMEOUT_S = 24 * 60 * 60;

/** What an agent may inherit from Shoal's environment. Everything else (other credentials, tokens
 *  in the developer's shell) stays out unless the task's metadata.env sets it explicitly. */
export const BASE_ENV_ALLOWLIST = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TERM', 'TMPDIR', 'TZ', 'SHELL', 'SSH_AUTH_SOCK', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL'];
const PROFILE_ALLOWLIST: Record<AgentSpec['kind'], string[]> = {
  shell: [],
  // CLAUDE_CONFIG_DIR is not passed on: the runner gives Claude a fresh one per attempt.
  'claude-code': ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'AWS_PROFILE', 'AWS_REGION', 'SHOAL_CLAUDE_BIN'],
  // CODEX_HOME is not passed on: the bridge gives Codex a fresh one per attempt.
  codex: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'SHOAL_CODEX_BIN'],
  custom: [],
};

export function agentEnv(kind: AgentSpec['kind'], ctx: LaunchContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV_ALLOWLIST, ...PROFILE_ALLOWLIST[kind], ...(ctx.extraAllowlist ?? [])]) {
    const v = ctx.parentEnv[name];
    if (v !== undefined) env[name] = v;
  }
  for (const [k, v] of Object.entries(ctx.parentEnv)) if (k.startsWith('LC_') && v !== undefined) env[k] = v;
  Object.assign(env, ctx.taskEnv, {
    SHOAL_RUN_ID: ctx.runId,
    SHOAL_TASK_ID: ctx.taskId,
    SHOAL_ATTEMPT: String(ctx.attempt),
    SHOAL_WORKDIR: ctx.workdir,
    SHOAL_ARTIFACTS_DIR: ctx.artifactsDir,
  });
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return env;
}

export function planLaunch(agent: AgentSpec, ctx: LaunchContext): LaunchPlan {
  const env = agentEnv(agent.kind, ctx);
  switch (agent.kind) {
    case 'shell':
      // Through the gateway: a tiny client (this very Node, or Electron as Node) asks the policy,
      // then runs the instructions with bash as its child. Without a gateway (an engine used on
      // its own, as the benchmark does) bash runs them directly.
      if (!ctx.gateway) return { command: 'bash', args: ['--noprofile', '--norc', '-c', ctx.instructions], env, stream: 'plain' };
      if (ctx.shellClient === 'bash') {
        return { command: 'bash', args: ['--noprofile', '--norc', '-c', SHELL_CLIENT_BASH, 'shoal-shell', ctx.instructions], env: { ...env, SHOAL_GATEWAY_URL: ctx.gateway.url }, stream: 'plain' };
      }
      return {
        command: process.execPath, args: ['-e', SHELL_CLIENT_SCRIPT, '--', ctx.instructions],
        env: { ...env, SHOAL_GATEWAY_URL: ctx.gateway.url, ELECTRON_RUN_AS_NODE: '1' }, stream: 'plain',
      };
    case 'claude-code': {
      // Through the runner (a private CLAUDE_CONFIG_DIR). Claude gets only Shoal's MCP server
      // (strict), a PreToolUse hook on the gateway that judges every tool call before it runs —
      // also those Claude would never ask about — and the permission-prompt tool for whatever
      // Claude itself asks.
      const judged = ctx.gateway ? [
        '--mcp-config', JSON.stringify({ mcpServers: { [GATEWAY_SERVER_NAME]: { type: 'http', url: ctx.gateway.url } } }), '--strict-mcp-config',
        '--permission-prompt-tool', `mcp__${GATEWAY_SERVER_NAME}__approval_prompt`,
        '--settings', JSON.stringify({ hooks: { PreToolUse: [{ hooks: [{ type: 'http', url: hookUrlOf(ctx.gateway.url), timeout: HOOK_TIMEOUT_S }] }] } }),
      ] : [];
      return {
        command: process.execPath,
        args: ['-e', CLAUDE_RUNNER_SCRIPT, '--', '-p', ctx.instructions, '--output-format', 'stream-json', '--verbose', ...judged, ...(agent.model ? ['--model', agent.model] : [])],
        env: { ...env, ELECTRON_RUN_AS_NODE: '1' },
        stream: 'claude-stream-json',
      };
    }
    case 'codex':
      // Through the bridge (codex-bridge.ts): `codex app-server`, whose every command and file
      // change is judged by the attempt's gateway before it runs.
      return {
        command: process.execPath, args: ['-e', CODEX_BRIDGE_SCRIPT, '--', ctx.instructions],
        env: {
          ...env, ELECTRON_RUN_AS_NODE: '1',
          ...(ctx.gateway ? { SHOAL_GATEWAY_URL: ctx.gateway.url } : {}),
          ...(agent.model ? { SHOAL_CODEX_MODEL: agent.model } : {}),
        },
        stream: 'codex-app-server',
      };
    case 'custom': {
      const words = splitTemplate(agent.command);
      const values: Record<string, string> = { instructions: ctx.instructions, workdir: ctx.workdir, task_id: ctx.taskId, run_id: ctx.runId, attempt: String(ctx.attempt) };
      const argv = words.map((w) => w.replace(/\{(instructions|workdir|task_id|run_id|attempt)\}/g, (_, k: string) => values[k] ?? ''));
      const [command, ...args] = argv;
      if (!command) throw new Error('metadata.command is empty');
      return { command, args, env, stream: 'plain' };
    }
  }
}
