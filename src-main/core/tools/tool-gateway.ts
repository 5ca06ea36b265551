// The one door every tool call goes through, whoever makes it: a fleet task's agent (via the MCP
// gateway server), a thread's model (issue: threads), or an MCP server's tool offered to either.
// The implementation judges each call against the exec policy, asks a person when the policy says
// ask (persisting the request so a crash loses nothing), records the lifecycle, then runs the tool.
// Kept as an interface so the callers (fleet agents, threads) and the implementation (policy,
// approvals, gateway) can evolve independently.

/** Who is asking: decides the working directory, the session for approved_for_session, what abort
 *  cancels, and where the lifecycle shows up (a task's timeline or a thread's conversation). */
export type ToolScope =
  | { kind: 'task'; runId: string; taskId: string; attempt: number; workdir: string }
  | { kind: 'thread'; threadId: string; turnId: string; workdir: string };

export interface ToolCallRequest {
  /** exec_shell, read_file, write_file, apply_patch, or `<server>__<tool>` for an MCP server's tool. */
  tool: string;
  arguments: Record<string, unknown>;
  callId: string;
  scope: ToolScope;
  /** Why the agent wants to run it, when it said. */
  reason?: string;
  /** Live output of a running tool (exec_shell's stdout and stderr as they come). */
  onOutput?: (chunk: string) => void;
  /** Tool and approval lifecycle of this call, as it happens. A task's lifecycle is also written to
   *  its timeline by the gateway; a thread stores it with its messages through this hook. */
  onLifecycle?: (event: ToolLifecycleEvent) => void;
}

/** The reference implementation's ToolLifecycle / ApprovalLifecycle hook events. `detail` carries the precheck payload
 *  (policy_precheck_payload), the approval request, or the result, as JSON. */
export type ToolLifecycleEvent =
  | { kind: 'tool'; phase: 'precheck' | 'dispatching' | 'completed' | 'failed'; tool: string; callId: string; detail: Record<string, unknown> }
  | { kind: 'approval'; phase: 'requested' | 'approved' | 'denied'; tool: string; callId: string; approvalId: string | null; reason: string | null; detail: Record<string, unknown> };

export type ToolCallOutcome =
  /** The tool ran; `output` is what the model sees (stdout/stderr, file text, …). */
  | { status: 'completed'; output: string; exitCode?: number }
  /** The tool ran and failed. */
  | { status: 'failed'; output: string; exitCode?: number }
  /** The policy or a person said no; `output` is the refusal the agent sees (it carries on). */
  | { status: 'denied'; output: string; matchedRule: string | null }
  /** A person chose abort: the caller must cancel the task / turn. */
  | { status: 'aborted'; output: string };

export interface ToolDescriptor {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  inputSchema: Record<string, unknown>;
}

/** A source of extra tools (an MCP server started by Shoal). */
export interface ToolProvider {
  readonly id: string;
  listTools(): ToolDescriptor[];
  call(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<{ output: string; isError: boolean }>;
}

export interface ToolGateway {
  /** Tools available to this scope: the built-ins plus every ready provider's tools. */
  listTools(scope: ToolScope): ToolDescriptor[];
  /** Resolves when the call has completed, failed or been refused — possibly after a person decided. */
  invoke(request: ToolCallRequest, signal?: AbortSignal): Promise<ToolCallOutcome>;
  registerProvider(provider: ToolProvider): () => void;
}
