// One contract per IPC method, the single definition both sides check against: its name, the zod schemas of what goes in and
// what comes out, and the query families a successful call makes stale. Both transports (Electron IPC
// and the headless WebSocket) are generated from these objects, so the renderer cannot tell them apart.
import type { z } from 'zod';

/** Families of react-query keys; a mutation names the ones it invalidates, and main pushes the same
 *  names on the event stream when the store changes underneath (a worker finished, the CLI wrote). */
export const QUERY_FAMILIES = ['app', 'runs', 'tasks', 'events', 'receipts', 'artifacts', 'workers', 'jobs', 'threads', 'approvals', 'settings', 'providers', 'mcp', 'alerts'] as const;
export type QueryFamily = (typeof QUERY_FAMILIES)[number];

export interface MethodContract<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly summary: string;
  readonly input: I;
  readonly output: O;
  readonly invalidates: readonly QueryFamily[];
}

export function defineMethod<I extends z.ZodType, O extends z.ZodType>(contract: MethodContract<I, O>): MethodContract<I, O> {
  return contract;
}
