// The typed stream main pushes to every window: what changed, so react-query can refetch, plus the
// live worker events the timeline renders without waiting for a refetch.
import { z } from 'zod';
import { QUERY_FAMILIES } from './define';
import { EventFrameSchema } from './frames';

export const ServerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('invalidate'), families: z.array(z.enum(QUERY_FAMILIES)) }),
  z.object({ type: z.literal('worker_events'), runId: z.string(), events: z.array(z.record(z.string(), z.unknown())) }),
  z.object({ type: z.literal('notify'), title: z.string(), body: z.string(), runId: z.string().optional(), taskId: z.string().optional(), threadId: z.string().optional() }),
  // The desktop app's own window only: a person clicked a system notification, and the window shows
  // what it was about (the run, the task or the thread).
  z.object({ type: z.literal('open'), runId: z.string().optional(), taskId: z.string().optional(), threadId: z.string().optional() }),
  // A response_delta's place in its reply: the model call of the turn (`round`) and the length of
  // that round's text (or reasoning) before it (`at`), so a window can tell a missed or repeated delta.
  z.object({ type: z.literal('frame'), threadId: z.string().optional(), frame: EventFrameSchema, round: z.number().int().nonnegative().optional(), at: z.number().int().nonnegative().optional() }),
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;

/** Channel names on the Electron transport. */
export const IPC_PREFIX = 'shoal:';
export const IPC_EVENT_CHANNEL = 'shoal:event';
