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

export const AGENT_CLI_NAMES = ['claude', 'codex'] as const;
export type AgentCliName = (typeof AGENT_CLI_NAMES)[number];

/** One coding-agent CLI on this computer: the path a person kept (null: the PATH's), the binary
 *  that would run, its version, and what is wrong when it cannot run. */
export const AgentBinaryViewSchema = z.object({
  cli: z.enum(AGENT_CLI_NAMES),
  path: z.string().nullable(),
  resolved: z.string().nullable(),
  version: z.string().nullable(),
  problem: z.string().nullable(),
});
export type AgentBinaryView = z.output<typeof AgentBinaryViewSchema>;

export const agentKeyMethods = {
  'agents.keys': defineMethod({ name: 'agents.keys', summary: 'Whether each coding agent API key is set (never the keys).', input: z.object({}).strict(), output: z.array(AgentKeyViewSchema), invalidates: [] }),
  'agents.setKey': defineMethod({
    name: 'agents.setKey',
    summary: 'Seals an API key for Claude Code (anthropic) or Codex (openai); null removes it.',
    // A key is one word: a space, line break or control character means something else was pasted
    // with it (and the CLI would be sent that whole text as its key).
    input: z.object({
      provider: z.enum(AGENT_KEY_PROVIDERS),
      apiKey: z.string().trim().min(1).max(4000).regex(/^[\x21-\x7e]+$/, 'one word of printable characters: no spaces, line breaks or control characters').nullable(),
    }).strict(),
    output: z.array(AgentKeyViewSchema),
    invalidates: ['settings'],
  }),
  'agents.binaries': defineMethod({ name: 'agents.binaries', summary: 'Where the claude and codex CLIs are on this computer, and their versions.', input: z.object({}).strict(), output: z.array(AgentBinaryViewSchema), invalidates: [] }),
  'agents.setBinary': defineMethod({
    name: 'agents.setBinary',
    summary: 'Keeps the path of the claude or codex CLI (checked: it exists, is executable and answers --version); null goes back to the PATH.',
    input: z.object({ cli: z.enum(AGENT_CLI_NAMES), path: z.string().trim().min(1).max(4096).nullable() }).strict(),
    output: z.array(AgentBinaryViewSchema),
    invalidates: ['settings'],
  }),
} as const;
