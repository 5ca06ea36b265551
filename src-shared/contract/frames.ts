// Runtime event frames (tagged by `event`, snake_case, as the reference runtime writes them): a thread's streamed
// reply (response_start / response_delta / response_end), its tool calls as they happen, and MCP
// server startup. Main pushes them on the server event stream as `{type: 'frame', threadId?, frame}`.
import { z } from 'zod';

export const TOOL_CALL_STATUSES = ['completed', 'failed', 'denied', 'aborted'] as const;
export const MCP_STARTUP_STATES = ['starting', 'ready', 'failed', 'cancelled'] as const;

export const McpStartupFailureSchema = z.object({ server_name: z.string(), error: z.string() });
export const McpStartupSummarySchema = z.object({
  ready: z.array(z.string()),
  failed: z.array(McpStartupFailureSchema),
  cancelled: z.array(z.string()),
});
export type McpStartupSummary = z.infer<typeof McpStartupSummarySchema>;

export const EventFrameSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('response_start'), response_id: z.string(), turn_id: z.string() }),
  z.object({ event: z.literal('response_delta'), response_id: z.string(), delta: z.string(), channel: z.enum(['text', 'reasoning']) }),
  z.object({ event: z.literal('response_end'), response_id: z.string(), status: z.enum(['completed', 'failed', 'aborted', 'interrupted']) }),
  z.object({ event: z.literal('tool_call_start'), response_id: z.string(), call_id: z.string(), tool_name: z.string(), arguments: z.record(z.string(), z.unknown()) }),
  z.object({ event: z.literal('tool_call_result'), response_id: z.string(), call_id: z.string(), tool_name: z.string(), status: z.enum(TOOL_CALL_STATUSES), output: z.string() }),
  z.object({ event: z.literal('error'), response_id: z.string(), message: z.string() }),
  z.object({ event: z.literal('mcp_startup_update'), update: z.object({ server_name: z.string(), status: z.enum(MCP_STARTUP_STATES), error: z.string().optional() }) }),
  z.object({ event: z.literal('mcp_startup_complete'), summary: McpStartupSummarySchema }),
]);
export type EventFrame = z.infer<typeof EventFrameSchema>;
