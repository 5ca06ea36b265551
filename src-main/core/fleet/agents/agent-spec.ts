// Which coding agent a task runs, read from the task's metadata (the reference implementation's FleetTaskSpec has no
// field for it): `metadata.agent` is "shell" (default), "claude-code", "codex", or
// {"command": "tool --flag {instructions}"} for any other command.
export type AgentSpec =
  | { kind: 'shell' }
  | { kind: 'claude-code'; model?: string }
  | { kind: 'codex'; model?: string }
  | { kind: 'custom'; command: string };

export const AGENT_KINDS = ['shell', 'claude-code', 'codex', 'custom'] as const;
export const TEMPLATE_PLACEHOLDERS = ['instructions', 'workdir', 'task_id', 'run_id', 'attempt'] as const;

/** Returns the agent or a `<what is wrong>` message for the field `metadata.agent`. */
export function readAgentSpec(metadata: Record<string, unknown>): AgentSpec | string {
  const raw = metadata.agent;
  if (raw === undefined || raw === null || raw === 'shell') return { kind: 'shell' };
  const model = typeof metadata.model === 'string' ? metadata.model : undefined;
  if (raw === 'claude-code' || raw === 'claude') return model ? { kind: 'claude-code', model } : { kind: 'claude-code' };
  if (raw === 'codex') return model ? { kind: 'codex', model } : { kind: 'codex' };
  if (raw === 'custom') {
    const command = metadata.command;
    if (typeof command !== 'string' || command.trim() === '') return 'custom agents need metadata.command, a command template such as "aider --message {instructions}"';
    return { kind: 'custom', command };
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const command = (raw as Record<string, unknown>).command;
    if (typeof command !== 'string' || command.trim() === '') return 'expected {"command": "<template>"} with a non-empty command';
    return { kind: 'custom', command };
  }
  return `unknown agent ${JSON.stringify(raw)}; expected one of shell, claude-code, codex, custom, or {"command": "..."}`;
}

/** The agent as a person reads it in a view: its kind, or `custom: <command>` (never the raw
 *  metadata JSON). Metadata that does not read as an agent shows as the default, shell. */
export function agentLabel(metadata: Record<string, unknown>): string {
  const agent = readAgentSpec(metadata);
  if (typeof agent === 'string') return 'shell';
  return agent.kind === 'custom' ? `custom: ${agent.command}` : agent.kind;
}
