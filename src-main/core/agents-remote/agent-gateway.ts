// The tool gateway a remote agent gives its attempts: the same endpoints on 127.0.0.1 as the control
// plane's gateway (the shell client's approval tool, Claude Code's PreToolUse hook and permission
// tool, the Codex bridge), but it judges nothing itself. Each call's policy subject is computed here,
// where the files are, and sent to the control plane, whose policy and approvals decide; the agent's
// own settings never do. Commands run as the agent's children, as they do without a remote.
import crypto from 'node:crypto';
import type { LeaseRef, PolicySubjectFrame } from '../../../src-shared/protocol/worker-protocol';
import { GATEWAY_SERVER_NAME } from '../fleet/agents/launch';
import { APPROVAL_TOOL, APPROVAL_TOOL_DESCRIPTOR, SHELL_RESULT_TOOL, subjectOf } from '../gateway/claude-permission';
import { lifecycleRecord, type AttemptBinding, type AttemptSession, type RemoteVerdict } from '../gateway/gateway';
import { GatewayHttpServer, type McpCallResult, type McpScope, type PreToolUseAnswer } from '../gateway/mcp-http';
import { realPathIn, type RealPath } from '../policy/real-path';
import { followedPaths } from '../policy/real-path-there';

/** Sends one judgment to the control plane and waits for its verdict (however long a person takes). */
export type RemoteJudgment = (ref: LeaseRef, callId: string, subject: PolicySubjectFrame, agentReason: string | null, signal: AbortSignal) => Promise<RemoteVerdict>;

export class AgentGateway {
  private readonly http: GatewayHttpServer;
  private readonly scopes = new Map<string, McpScope>();

  constructor(private readonly judgment: RemoteJudgment, version: string) {
    this.http = new GatewayHttpServer((secret) => this.scopes.get(secret) ?? null, version);
  }

  /** What the attempt supervisor opens for one attempt of the lease `ref`. */
  forLease(ref: LeaseRef): { openAttempt(binding: AttemptBinding): Promise<AttemptSession> } {
    return { openAttempt: (binding) => this.openAttempt(ref, binding) };
  }

  async close(): Promise<void> {
    this.scopes.clear();
    await this.http.close();
  }

  private async openAttempt(ref: LeaseRef, binding: AttemptBinding): Promise<AttemptSession> {
    const secret = crypto.randomBytes(24).toString('hex');
    const stop = new AbortController();
    // Where the agent sees its workdir (a container of this agent's may name it otherwise).
    let workdir = binding.scope.workdir;
    let realPath: RealPath | undefined;
    const ask = async (toolName: string, input: Record<string, unknown>, callId: string, signal: AbortSignal, shellCwd?: string): Promise<RemoteVerdict | null> => {
      const subject = subjectOf(toolName, input, workdir, shellCwd);
      if (!subject) return null;
      const reason = typeof input.description === 'string' ? input.description : typeof input.reason === 'string' ? input.reason : null;
      const frame = { ...subject, cwd: subject.cwd ?? workdir };
      return this.judgment(ref, callId, { ...frame, ...landingsOf(frame, workdir, (realPath ??= realPathIn(workdir))) }, reason, AbortSignal.any([signal, stop.signal]));
    };
    this.scopes.set(secret, {
      listTools: () => [APPROVAL_TOOL_DESCRIPTOR],
      preToolUse: async (input, signal): Promise<PreToolUseAnswer> => {
        const answer = (permissionDecision: 'allow' | 'deny', permissionDecisionReason: string): PreToolUseAnswer => ({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision, permissionDecisionReason } });
        if (input.tool_name.startsWith(`mcp__${GATEWAY_SERVER_NAME}__`)) return answer('allow', 'judged by the gateway when called');
        const verdict = await ask(input.tool_name, input.tool_input, input.tool_use_id ?? `call-${crypto.randomUUID()}`, signal, input.cwd);
        return !verdict || verdict.allowed ? answer('allow', "allowed by Shoal's exec policy") : answer('deny', verdict.message);
      },
      callTool: async (name, args, extra): Promise<McpCallResult> => {
        if (name === APPROVAL_TOOL) {
          const input = (args.input && typeof args.input === 'object' ? args.input : {}) as Record<string, unknown>;
          const callId = typeof args.tool_use_id === 'string' && args.tool_use_id ? args.tool_use_id : `call-${crypto.randomUUID()}`;
          const verdict = await ask(typeof args.tool_name === 'string' ? args.tool_name : '', input, callId, extra.signal);
          const text = !verdict || verdict.allowed
            ? { behavior: 'allow', updatedInput: input }
            : { behavior: 'deny', message: verdict.message, ...(verdict.interrupt ? { interrupt: true } : {}) };
          return { text: JSON.stringify(text), isError: false };
        }
        if (name === SHELL_RESULT_TOOL) {
          const callId = typeof args.call_id === 'string' ? args.call_id : '';
          const code = typeof args.exit_code === 'number' ? args.exit_code : 1;
          // Through the attempt's own fenced, durable writes, like the rest of its timeline.
          binding.record([lifecycleRecord({ kind: 'tool', phase: code === 0 ? 'completed' : 'failed', tool: 'exec_shell', callId, detail: { ok: code === 0, exit_code: code } })]);
          return { text: 'recorded', isError: false };
        }
        return { text: `${name}: not offered on a remote agent; use the agent's own tools (each is judged by the control plane's policy)`, isError: true };
      },
    });
    const url = await this.http.urlFor(secret);
    return {
      url,
      stopCommands: () => stop.abort(),
      close: () => {
        stop.abort();
        this.scopes.delete(secret);
      },
      workdirThere: (dir) => {
        workdir = dir;
        realPath = undefined;
      },
    };
  }
}

/** Where the paths a call names really land here, for the control plane's path rules (it cannot
 *  follow symlinks on this machine, nor know which paths its rules are about): every path any rule
 *  could follow, with the workdir first. Nothing when the workdir is not here to resolve. */
function landingsOf(frame: PolicySubjectFrame, workdir: string, realPath: RealPath): Pick<PolicySubjectFrame, 'real_paths'> {
  const paths = followedPaths({ tool: frame.tool, command: frame.command, cwd: frame.cwd, root: workdir, workspace: null, ...(frame.path !== undefined ? { path: frame.path } : {}), ...(frame.folder ? { folder: true } : {}) });
  if (paths.length === 0) return {};
  const landed: Array<[string, string]> = [[workdir, workdir]];
  for (const p of paths.slice(0, 511)) {
    const real = realPath(p);
    if (real === undefined) return {};
    landed.push([p, real]);
  }
  return { real_paths: landed };
}
