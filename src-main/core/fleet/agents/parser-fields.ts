// What the agent-output readers (stream-parsers.ts, codex-events.ts) put into events alike.

/** Agent text as one line of at most 300 characters (summaries, failures, details). */
export const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim().slice(0, 300);

/** A model_wait event's `extra` when the agent is retrying its model call: the task's event log
 *  reads "model retrying  try=6  of=10  status=401  error=authentication_failed". */
export function modelRetry(fields: Record<string, string | number | null>): Record<string, unknown> {
  return { kind: 'model', phase: 'retrying', ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) };
}
