// Background jobs: worktree cleanup, artifact indexing, retention.
import { z } from 'zod';
import { defineMethod } from '../define';
import { JobKindSchema, JobViewSchema } from '../runtime-views';
import { Id, Ok } from './common';

const JobRef = z.object({ jobId: Id }).strict();

export const jobMethods = {
  'jobs.list': defineMethod({
    name: 'jobs.list',
    summary: 'Jobs, most recently updated first, with the kinds that can be started and the retention setting.',
    input: z.object({}).strict(),
    output: z.object({ jobs: z.array(JobViewSchema), kinds: z.array(JobKindSchema), retentionDays: z.number() }),
    invalidates: [],
  }),
  'jobs.run': defineMethod({
    name: 'jobs.run',
    summary: 'Starts a job of this kind now (or returns the one already pending).',
    input: z.object({ name: z.string().min(1).max(100) }).strict(),
    output: JobViewSchema,
    invalidates: ['jobs'],
  }),
  'jobs.cancel': defineMethod({ name: 'jobs.cancel', summary: 'Cancels a job and any pending retry.', input: JobRef, output: Ok, invalidates: ['jobs'] }),
  'jobs.pause': defineMethod({ name: 'jobs.pause', summary: 'Pauses a queued, running or retrying job.', input: JobRef, output: Ok, invalidates: ['jobs'] }),
  'jobs.resume': defineMethod({ name: 'jobs.resume', summary: 'Runs a paused or failed job again.', input: JobRef, output: Ok, invalidates: ['jobs'] }),
  'jobs.setRetention': defineMethod({
    name: 'jobs.setRetention',
    summary: 'Days to keep the timelines and artifacts of finished runs (0 keeps everything).',
    input: z.object({ days: z.number().int('days: a whole number of days').min(0, 'days: 0 or more').max(3650, 'days: at most 3650') }).strict(),
    output: z.object({ retentionDays: z.number() }),
    invalidates: ['jobs', 'settings'],
  }),
} as const;
