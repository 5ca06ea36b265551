// The reaps Shoal owes (work a host started for an attempt that was never seen to end, whose lease
// is gone), as the Workers view's "Still to stop on hosts" lists them: retry one now, or forget it
// (the person takes it over: Shoal stops trying; work still running there is theirs to end).
import { z } from 'zod';
import { defineMethod } from '../define';
import { OwedReapSchema } from '../fleet-views';
import { Id } from './common';

const AttemptRef = z.object({ runId: Id, taskId: Id, attempt: z.number().int().min(1).max(1_000_000) }).strict();

export const owedReapsMethods = {
  'workers.owedReaps': defineMethod({
    name: 'workers.owedReaps', summary: 'Work Shoal still has to stop on hosts (owed reaps), oldest first.',
    input: z.object({}).strict(), output: z.array(OwedReapSchema), invalidates: [],
  }),
  'workers.retryReap': defineMethod({
    name: 'workers.retryReap', summary: 'Try now to end the work an owed reap names, instead of at the end of its pause.',
    input: AttemptRef,
    output: z.object({ outcome: z.enum(['woken', 'started', 'ended', 'failed']), error: z.string().nullable() }),
    invalidates: ['workers'],
  }),
  'workers.forgetReap': defineMethod({
    name: 'workers.forgetReap', summary: 'Take an owed reap over: Shoal stops trying to end that work (end it yourself if it still runs).',
    // The audit log (Approvals) records who forgot it.
    input: AttemptRef, output: OwedReapSchema, invalidates: ['workers', 'approvals'],
  }),
} as const;
