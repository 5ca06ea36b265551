// Shapes of the runtime's views: threads and their messages, jobs, model providers, MCP servers.
// Thread responses keep the reference runtime's ThreadResponse shape (thread_id, status, thread, threads,
// model, model_provider, cwd, data), in the contract's camelCase.
import { z } from 'zod';
import { McpStartupSummarySchema } from './frames';

export const THREAD_SOURCES = ['interactive', 'resume', 'fork', 'api', 'unknown'] as const;
export const THREAD_STATUSES = ['running', 'idle', 'completed', 'failed', 'paused', 'archived'] as const;
export const MESSAGE_ROLES = ['user', 'assistant', 'history', 'tool_call', 'tool_event', 'tool_result', 'error'] as const;

export const ThreadViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  preview: z.string(),
  source: z.enum(THREAD_SOURCES),
  model: z.string(),
  modelProvider: z.string(),
  /** The provider's display name, when it still exists. */
  providerName: z.string().nullable(),
  status: z.enum(THREAD_STATUSES),
  archived: z.boolean(),
  forkedFrom: z.string().nullable(),
  cwd: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The model is answering right now. */
  busy: z.boolean(),
});
export type ThreadView = z.infer<typeof ThreadViewSchema>;

export const ThreadMessageSchema = z.object({
  id: z.number(),
  role: z.enum(MESSAGE_ROLES),
  content: z.string(),
  /** history, tool_call, tool_event and tool_result messages: the item (a tool call's call_id, tool, arguments…). */
  item: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  /** For a tool call that asked a person: the approval request's state. */
  approval: z.object({ id: z.string(), status: z.string(), decision: z.string().nullable() }).nullable(),
});
export type ThreadMessage = z.infer<typeof ThreadMessageSchema>;

export const CheckpointViewSchema = z.object({ checkpointId: z.string(), state: z.record(z.string(), z.unknown()), createdAt: z.string() });

export const ActiveTurnSchema = z.object({ turnId: z.string(), responseId: z.string(), text: z.string(), reasoning: z.string(), round: z.number().int().nonnegative() });
export type ActiveTurnView = z.infer<typeof ActiveTurnSchema>;

export const ThreadResponseSchema = z.object({
  threadId: z.string(),
  /** created, started, resumed, forked, missing, ok, archived, unarchived, accepted, interrupted. */
  status: z.string(),
  thread: ThreadViewSchema.nullable(),
  threads: z.array(ThreadViewSchema),
  model: z.string().nullable(),
  modelProvider: z.string().nullable(),
  cwd: z.string().nullable(),
  turnId: z.string().optional(),
  responseId: z.string().optional(),
  data: z.object({
    history: z.array(ThreadMessageSchema).optional(),
    checkpoint: CheckpointViewSchema.nullable().optional(),
    activeTurn: ActiveTurnSchema.nullable().optional(),
    error: z.string().optional(),
  }),
});
export type ThreadResponse = z.infer<typeof ThreadResponseSchema>;

// ── jobs (the reference implementation's wire names) ──────────────────────────────────────────────────────────────
export const JOB_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export const JobRetrySchema = z.object({
  attempt: z.number(), max_attempts: z.number(), backoff_base_ms: z.number(), next_backoff_ms: z.number(), next_retry_at: z.number().nullable(),
});
export const JobHistoryEntrySchema = z.object({
  at: z.number(), phase: z.string(), status: z.enum(JOB_STATUSES), progress: z.number().nullable(), detail: z.string().nullable(), retry: JobRetrySchema,
});
export const JobViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The job kind's display name (the name itself for a kind this Shoal does not know). */
  label: z.string(),
  status: z.enum(JOB_STATUSES),
  progress: z.number().nullable(),
  detail: z.string().nullable(),
  retry: JobRetrySchema,
  history: z.array(JobHistoryEntrySchema),
  created_at: z.number(),
  updated_at: z.number(),
});
export type JobView = z.infer<typeof JobViewSchema>;
export const JobKindSchema = z.object({ name: z.string(), label: z.string(), description: z.string() });

// ── providers ─────────────────────────────────────────────────────────────────────────────────
export const ProviderViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  baseUrl: z.string(),
  model: z.string(),
  hasApiKey: z.boolean(),
  apiKeyUnreadable: z.boolean(),
  isDefault: z.boolean(),
});
export type ProviderView = z.infer<typeof ProviderViewSchema>;
export const ProviderCheckSchema = z.object({ ok: z.boolean(), message: z.string(), models: z.array(z.string()), modelFound: z.boolean().nullable(), latencyMs: z.number() });

// ── MCP servers ───────────────────────────────────────────────────────────────────────────────
export const MCP_SERVER_STATUSES = ['starting', 'ready', 'failed', 'cancelled', 'stopped', 'disabled'] as const;
export const McpServerViewSchema = z.object({
  name: z.string(),
  transport: z.enum(['stdio', 'http']),
  command: z.string().nullable(),
  args: z.array(z.string()),
  cwd: z.string().nullable(),
  url: z.string().nullable(),
  enabled: z.boolean(),
  /** Names only: the values are secrets and stay in main. */
  envKeys: z.array(z.string()),
  headerKeys: z.array(z.string()),
  status: z.enum(MCP_SERVER_STATUSES),
  error: z.string().nullable(),
  tools: z.array(z.object({ name: z.string(), description: z.string() })),
});
export type McpServerView = z.infer<typeof McpServerViewSchema>;
export const McpStatusSchema = z.object({ servers: z.array(McpServerViewSchema), summary: McpStartupSummarySchema.nullable() });
