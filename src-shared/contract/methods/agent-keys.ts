// API keys for the coding agents (Claude Code, Codex). Keys go in and never come back out: the
// view says only whether one is set. They are sealed at rest and reach only the agent that uses them.
import { z } from 'zod';
import { defineMethod } from '../define';

export const AGENT_KEY_PROVIDERS = ['anthropic', 'openai'] as const;

export const AgentKeyViewSchema = z.object({
  provider: z.enum(AGENT_KEY_PROVIDERS),
  /** The variable the agent sees it as. */
  env: z.string(),
  state: z.enum(['set', 'unset', 'unreadable']),
});
export type AgentKeyView = z.output<typeof AgentKeyViewSchema>;

export const agentKeyMethods = {
  'agents.keys': defineMethod({ name: 'agents.keys', summary: 'Whether each coding agent API key is set (never the keys).', input: z.object({}).strict(), output: z.array(AgentKeyViewSchema), invalidates: [] }),
  'agents.setKey': defineMethod({
    name: 'agents.setKey',
    summary: 'Seals an API key for Claude Code (anthropic) or Codex (openai); null removes it.',
    input: z.object({ provider: z.enum(AGENT_KEY_PROVIDERS), apiKey: z.string().trim().min(1).max(4000).nullable() }).strict(),
    output: z.array(AgentKeyViewSchema),
    invalidates: ['settings'],
  }),
} as const;
