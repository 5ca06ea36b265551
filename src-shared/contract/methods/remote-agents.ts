// Remote agents from the Workers view and Settings → Workers: the agent listener (start, stop, its
// status), one-time join tokens (mint, list the pending ones) and revocation. A minted token crosses
// once, in the mint's answer; afterwards only its id and hash exist. TLS files are named by path and
// read by main.
import { z } from 'zod';
import { defineMethod } from '../define';
import { Ok } from './common';
import { CAPABILITY_PATTERN, CAPABILITY_RULE } from '../../protocol/capability';

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
const Capability = z.string().regex(CAPABILITY_PATTERN, `each ${CAPABILITY_RULE}`);
/** 90s, 15m, 2h, 1d — at most 30 days. */
export const TTL_PATTERN = /^\s*[1-9]\d{0,6}\s*[smhd]?\s*$/;

export const ListenerConfigInputSchema = z.object({
  listen: z.string().min(1, 'required (HOST:PORT, e.g. 127.0.0.1:7071)').max(300),
  leaseSeconds: z.number().int().min(1).max(86_400).default(600),
  heartbeatSeconds: z.number().int().min(1).max(3_600).default(5),
  tlsCert: z.string().max(4096).nullable().default(null),
  tlsKey: z.string().max(4096).nullable().default(null),
  insecure: z.boolean().default(false),
}).strict();

const ListenerConfigSchema = z.object({
  listen: z.string(), leaseSeconds: z.number(), heartbeatSeconds: z.number(), tlsCert: z.string().nullable(), tlsKey: z.string().nullable(), insecure: z.boolean(),
});

export const ListenerStatusSchema = z.object({
  running: z.boolean(),
  url: z.string().nullable(),
  tls: z.boolean(),
  insecure: z.boolean(),
  config: ListenerConfigSchema.nullable(),
  enabled: z.boolean(),
  error: z.string().nullable(),
  elsewhere: z.object({ url: z.string(), pid: z.number() }).nullable(),
});
export type ListenerStatusView = z.infer<typeof ListenerStatusSchema>;

export const JoinTokenRowSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  capabilities: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type JoinTokenRow = z.infer<typeof JoinTokenRowSchema>;

export const MintedJoinTokenSchema = z.object({
  id: z.string(),
  token: z.string(),
  url: z.string(),
  command: z.string(),
  expiresAt: z.string(),
});

export const remoteAgentsMethods = {
  'workers.agentListener': defineMethod({
    name: 'workers.agentListener', summary: 'Whether this host listens for remote agents, where, and how it is configured.',
    input: z.object({}).strict(), output: ListenerStatusSchema, invalidates: [],
  }),
  'workers.startAgentListener': defineMethod({
    name: 'workers.startAgentListener', summary: 'Start (or restart) the agent listener with this configuration and remember it for the next start.',
    input: ListenerConfigInputSchema, output: ListenerStatusSchema, invalidates: ['workers'],
  }),
  'workers.stopAgentListener': defineMethod({
    name: 'workers.stopAgentListener', summary: 'Stop the agent listener (connected agents are disconnected and reconnect when it is back).',
    input: z.object({}).strict(), output: ListenerStatusSchema, invalidates: ['workers'],
  }),
  'workers.joinTokens': defineMethod({
    name: 'workers.joinTokens', summary: 'Join tokens not yet used, revoked or expired (never the tokens themselves).',
    input: z.object({}).strict(), output: z.array(JoinTokenRowSchema), invalidates: [],
  }),
  'workers.mintJoinToken': defineMethod({
    name: 'workers.mintJoinToken', summary: 'A one-time join token and the exact `shoal agent` command; shown once, only its hash is kept.',
    input: z.object({
      name: Name.optional(),
      ttl: z.string().regex(TTL_PATTERN, 'a duration such as 90s, 15m, 2h or 1d').default('15m'),
      capabilities: z.array(Capability).max(64).default([]),
    }).strict(),
    output: MintedJoinTokenSchema, invalidates: ['workers'],
  }),
  'workers.revoke': defineMethod({
    name: 'workers.revoke', summary: "Revoke a pending join token (jt-…) or a joined agent's credential (agent-…); a connected agent is disconnected.",
    input: z.object({ id: z.string().regex(/^(jt|agent)-[A-Za-z0-9]{1,64}$/, 'expected a join token (jt-…) or an agent (agent-…)') }).strict(),
    output: Ok, invalidates: ['workers'],
  }),
} as const;
