// The fleet: specs in, runs and tasks out, the timeline, receipts, reviews, workers.
import { z } from 'zod';
import { defineMethod } from '../define';
import { RunSummarySchema, SpecCheckSchema, TaskRowSchema, WorkerRowSchema } from '../views';
import { Id, Ok, Page, RunRef, TaskRef, WireObject } from './common';

const SpecInput = z.object({
  text: z.string().max(5_000_000, 'text: spec files larger than 5 MB are not supported'),
  filename: z.string().max(1000).optional(),
  workspace: z.string().max(4096).nullable().optional(),
}).strict();

export const fleetMethods = {
  'runs.list': defineMethod({
    name: 'runs.list',
    summary: 'Runs, newest first, keyset-paginated by creation time.',
    input: z.object({ ...Page, before: z.string().optional() }).strict(),
    output: z.object({ items: z.array(RunSummarySchema), next: z.string().nullable() }),
    invalidates: [],
  }),
  'runs.get': defineMethod({
    name: 'runs.get',
    summary: 'One run with its tasks.',
    input: z.object({ runId: Id }).strict(),
    output: z.object({ run: RunSummarySchema, tasks: z.array(TaskRowSchema) }),
    invalidates: [],
  }),
  'specs.validate': defineMethod({
    name: 'specs.validate',
    summary: 'Check a dropped spec and describe what launching it would do. Writes nothing.',
    input: SpecInput,
    output: SpecCheckSchema,
    invalidates: [],
  }),
  'specs.launch': defineMethod({
    name: 'specs.launch',
    summary: 'Create a run from a valid spec and start it.',
    input: SpecInput,
    output: z.object({ runId: z.string() }),
    invalidates: ['runs', 'tasks', 'workers'],
  }),
  'specs.examples': defineMethod({
    name: 'specs.examples',
    summary: 'The bundled example specs, to try with one click.',
    input: z.object({}).strict(),
    output: z.array(z.object({ filename: z.string(), title: z.string(), description: z.string(), text: z.string() })),
    invalidates: [],
  }),
  'runs.cancel': defineMethod({ name: 'runs.cancel', summary: 'Cancel a run: queued tasks are dropped, running agents stopped.', input: RunRef, output: Ok, invalidates: ['runs', 'tasks'] }),
  'runs.pause': defineMethod({ name: 'runs.pause', summary: 'Stop leasing new tasks of a run; running ones finish.', input: RunRef, output: Ok, invalidates: ['runs'] }),
  'runs.resume': defineMethod({ name: 'runs.resume', summary: 'Resume a paused run.', input: RunRef, output: Ok, invalidates: ['runs'] }),
  'tasks.events': defineMethod({
    name: 'tasks.events',
    summary: 'Worker events of a run (or one task), in seq order after a cursor.',
    input: z.object({ runId: Id, taskId: Id.optional(), afterSeq: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(20_000).default(2000) }).strict(),
    output: z.object({ events: z.array(WireObject), lastSeq: z.number() }),
    invalidates: [],
  }),
  'tasks.receipts': defineMethod({
    name: 'tasks.receipts',
    summary: 'Receipts of a run (or one task), in the seed wire format.',
    input: z.object({ runId: Id, taskId: Id.optional() }).strict(),
    output: z.array(WireObject),
    invalidates: [],
  }),
  'tasks.review': defineMethod({
    name: 'tasks.review',
    summary: "A person's verdict on a task waiting for manual review.",
    input: z.object({ runId: Id, taskId: Id, pass: z.boolean(), notes: z.string().max(4000).optional() }).strict(),
    output: Ok,
    invalidates: ['runs', 'tasks', 'receipts', 'events'],
  }),
  'tasks.retry': defineMethod({ name: 'tasks.retry', summary: 'Retry a task now (skips the backoff, or gives a failed task one more attempt).', input: TaskRef, output: Ok, invalidates: ['runs', 'tasks'] }),
  'tasks.cancel': defineMethod({ name: 'tasks.cancel', summary: "Stop a running task's agent.", input: TaskRef, output: Ok, invalidates: ['runs', 'tasks'] }),
  'workers.list': defineMethod({
    name: 'workers.list',
    summary: 'Known workers with their health and load.',
    input: z.object({}).strict(),
    output: z.array(WorkerRowSchema),
    invalidates: [],
  }),
} as const;
