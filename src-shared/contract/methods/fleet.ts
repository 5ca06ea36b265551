// The fleet: specs in, runs and tasks out, the timeline, receipts, reviews, workers.
import { z } from 'zod';
import { defineMethod } from '../define';
import { RunSummarySchema, SpecCheckSchema, TaskRowSchema, WorkerRowSchema } from '../views';
import { Id, Ok, Page, RunRef, TaskRef, WireObject } from './common';
import { ArtifactTextSchema, LogTailSchema, RunUsageSchema, SpecReviewSchema, TaskDetailSchema, TimelineSchema, WorkerActivitySchema } from '../fleet-views';

/** Whether a worker a spec would run on answers now; `error` names the host and the cause. */
const WorkerReachSchema = z.object({
  id: z.string(), name: z.string(), kind: z.string(), ok: z.boolean(), error: z.string().nullable(),
  /** Set when the host presented an SSH key not pinned yet (never for a changed key): what to trust, and where. */
  unknownHostKey: z.object({ address: z.string(), fingerprint: z.string() }).nullable(),
});

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
    summary: 'One run with its tasks, and what its agents spent (null when no receipt carries usage).',
    input: z.object({ runId: Id }).strict(),
    output: z.object({ run: RunSummarySchema, tasks: z.array(TaskRowSchema), usage: RunUsageSchema.nullable() }),
    invalidates: [],
  }),
  'runs.export': defineMethod({
    name: 'runs.export',
    summary: 'A run and its receipts as one line of the reference wire format (FleetRun, FleetReceipt[]): what `shoal run --json` prints.',
    input: z.object({ runId: Id }).strict(),
    output: z.object({ json: z.string() }),
    invalidates: [],
  }),
  'specs.validate': defineMethod({
    name: 'specs.validate',
    summary: 'Check a dropped spec and describe what launching it would do. Writes nothing.',
    input: SpecInput,
    output: SpecCheckSchema.extend(SpecReviewSchema.shape),
    invalidates: [],
  }),
  'specs.probeWorkers': defineMethod({
    name: 'specs.probeWorkers',
    summary: 'Probe the workers a spec would run on (its own, else the kept ones): which cannot be reached, and why. Writes nothing.',
    input: SpecInput,
    output: z.array(WorkerReachSchema),
    invalidates: [],
  }),
  'specs.launch': defineMethod({
    name: 'specs.launch',
    summary: 'Create a run from a valid spec and start it.',
    input: SpecInput,
    output: z.object({ runId: z.string() }),
    // `app` holds the spec checks: a spec still open in the preview may name the run id just taken.
    invalidates: ['runs', 'tasks', 'workers', 'app'],
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
    summary: 'Receipts of a run (or one task), in the fleet wire format.',
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
  'runs.timeline': defineMethod({
    name: 'runs.timeline',
    summary: 'A run as bars (one per task attempt, per worker lane) and its queue depth, computed from the events. afterSeq > 0 returns only what changed since.',
    input: z.object({ runId: Id, afterSeq: z.number().int().min(0).default(0) }).strict(),
    output: TimelineSchema,
    invalidates: [],
  }),
  'tasks.get': defineMethod({
    name: 'tasks.get',
    summary: 'One task: its spec in words, every attempt with its receipt and artifacts.',
    input: TaskRef,
    output: TaskDetailSchema,
    invalidates: [],
  }),
  'tasks.logTail': defineMethod({
    name: 'tasks.logTail',
    summary: "The agent's output of an attempt (the last attempt by default), from a byte offset or, without one, its tail.",
    input: z.object({ runId: Id, taskId: Id, attempt: z.number().int().min(1).optional(), offset: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(2_000_000).default(256_000) }).strict(),
    output: LogTailSchema,
    invalidates: [],
  }),
  'artifacts.read': defineMethod({
    name: 'artifacts.read',
    summary: "Reads an artifact recorded for a task attempt (never any other file): a chunk of its text, or the lines matching a query.",
    input: z.object({
      runId: Id, taskId: Id, attempt: z.number().int().min(1), path: z.string().min(1).max(4096),
      offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(8_000_000).default(2_000_000),
      query: z.string().min(1).max(200).optional(),
    }).strict(),
    output: ArtifactTextSchema,
    invalidates: [],
  }),
  'workers.activity': defineMethod({
    name: 'workers.activity',
    summary: "Each worker's current tasks and recent CPU / memory samples from its heartbeats.",
    input: z.object({}).strict(),
    output: z.array(WorkerActivitySchema),
    invalidates: [],
  }),
  'workers.drain': defineMethod({ name: 'workers.drain', summary: 'Stop giving a worker new tasks; the ones it runs finish.', input: z.object({ workerId: Id }).strict(), output: Ok, invalidates: ['workers'] }),
  'workers.resume': defineMethod({ name: 'workers.resume', summary: 'Let a drained or retired worker take tasks again.', input: z.object({ workerId: Id }).strict(), output: Ok, invalidates: ['workers'] }),
  'workers.retire': defineMethod({ name: 'workers.retire', summary: 'Take an idle worker out of service for good (it can be resumed).', input: z.object({ workerId: Id }).strict(), output: Ok, invalidates: ['workers'] }),
} as const;
