// View shapes of the desktop experience: the run timeline as bars, a task's attempts with their
// receipts and artifacts, artifact and log text, worker activity, and what the launch preview
// needs to put each validation problem next to the part of the spec it is about.
import { z } from 'zod';
import { TaskRowSchema } from './views';
import { WorkerPlaceSchema } from './worker-place';

/** What a timeline bar (or the queue row) can be coloured by, in legend order. */
export const BAR_STATES = ['queued', 'leased', 'running', 'model_wait', 'running_tool', 'review', 'passed', 'failed', 'timeout', 'cancelled'] as const;
export type BarState = (typeof BAR_STATES)[number];
/** The states a finished attempt ends in. */
export const BAR_OUTCOMES = ['review', 'passed', 'failed', 'timeout', 'cancelled'] as const;
export type BarOutcome = (typeof BAR_OUTCOMES)[number];

export const TimelineBarSchema = z.object({
  taskId: z.string(),
  attempt: z.number(),
  workerId: z.string(),
  /** Epoch ms of the lease; end is null while the attempt runs. */
  start: z.number(),
  end: z.number().nullable(),
  outcome: z.enum(BAR_OUTCOMES).nullable(),
  /** Why it failed, or the agent's summary. */
  detail: z.string().nullable(),
  /** How the attempt spent its time: flat pairs [epoch ms, index into BAR_STATES], in time order. */
  segs: z.array(z.number()),
});
export type TimelineBar = z.infer<typeof TimelineBarSchema>;

export const TimelineSchema = z.object({
  runId: z.string(),
  /** The last event folded in; pass it back as afterSeq to get only what changed since. */
  lastSeq: z.number(),
  /** True when this is the whole timeline, false for a delta (bars replace those with the same task and attempt). */
  full: z.boolean(),
  lanes: z.array(z.object({ id: z.string(), name: z.string() })),
  bars: z.array(TimelineBarSchema),
  /** Tasks waiting for a worker over time: flat pairs [epoch ms, depth]; a delta appends. */
  queue: z.array(z.number()),
  /** The host's clock, so live bars are drawn up to the host's now. */
  now: z.number(),
});
export type Timeline = z.infer<typeof TimelineSchema>;

export const ArtifactRefSchema = z.object({
  kind: z.string(),
  path: z.string(),
  name: z.string(),
  checksum: z.string().nullable(),
  mimeType: z.string().nullable(),
  sizeBytes: z.number().nullable(),
});
export type ArtifactRef = z.infer<typeof ArtifactRefSchema>;

/** What a coding agent reported spending on one attempt (Claude Code's result, Codex's token usage
 *  notifications). Input counts every prompt token, cached ones included; cost only when the CLI
 *  reports one (Claude does, Codex does not). Kept on the receipt beside the wire fields. */
export const AgentUsageSchema = z.object({
  input_tokens: z.number(),
  cached_input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number().nullable(),
});
export type AgentUsage = z.infer<typeof AgentUsageSchema>;

/** What a run's agents spent, summed over the receipts that carry usage. Cost is summed over the
 *  receipts that name one; `costReceipts < receipts` means that sum is partial (some CLIs report no cost). */
export const RunUsageSchema = AgentUsageSchema.extend({
  receipts: z.number(),
  costReceipts: z.number(),
});
export type RunUsage = z.infer<typeof RunUsageSchema>;

export const AttemptDetailSchema = z.object({
  attempt: z.number(),
  workerId: z.string(),
  state: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  exitCode: z.number().nullable(),
  result: z.string().nullable(),
  reason: z.string().nullable(),
  /** The agent may still be writing (its log grows). */
  live: z.boolean(),
  /** The reference implementation's FleetReceipt, once written (a manual review writes it when a person decides). */
  receipt: z.record(z.string(), z.unknown()).nullable(),
  /** Tokens and cost from the receipt, when the agent reported them. */
  usage: AgentUsageSchema.nullable(),
  artifacts: z.array(ArtifactRefSchema),
});
export type AttemptDetail = z.infer<typeof AttemptDetailSchema>;

export const TaskDetailSchema = z.object({
  runName: z.string(),
  runStatus: z.string(),
  task: TaskRowSchema,
  description: z.string().nullable(),
  instructions: z.string(),
  agent: z.string(),
  scorer: z.string(),
  timeoutSeconds: z.number().nullable(),
  expectedArtifacts: z.array(z.string()),
  attempts: z.array(AttemptDetailSchema),
  /** The worker of its latest attempt and where that is; null before one. */
  worker: WorkerPlaceSchema.nullable(),
});
export type TaskDetail = z.infer<typeof TaskDetailSchema>;

export const LogTailSchema = z.object({
  attempt: z.number(),
  /** Byte offset of `text` in the log, and where to continue from. */
  offset: z.number(),
  nextOffset: z.number(),
  size: z.number(),
  text: z.string(),
  /** The agent is still running: more may come. */
  live: z.boolean(),
});
export type LogTail = z.infer<typeof LogTailSchema>;

export const ArtifactTextSchema = z.object({
  kind: z.string(),
  mimeType: z.string().nullable(),
  size: z.number(),
  offset: z.number(),
  nextOffset: z.number(),
  eof: z.boolean(),
  text: z.string(),
  /** With a query: matching lines (1-based numbers) over the whole file. */
  matches: z.array(z.object({ line: z.number(), text: z.string() })).nullable(),
  matchesTruncated: z.boolean(),
});
export type ArtifactText = z.infer<typeof ArtifactTextSchema>;

export const WorkerActivitySchema = z.object({
  workerId: z.string(),
  current: z.array(z.object({ runId: z.string(), runName: z.string(), taskId: z.string(), taskName: z.string(), attempt: z.number(), since: z.string() })),
  /** Heartbeat samples, oldest first: epoch ms, CPU percent summed over the worker's tasks, memory MB. */
  samples: z.array(z.object({ t: z.number(), cpu: z.number(), mem: z.number() })),
});
export type WorkerActivity = z.infer<typeof WorkerActivitySchema>;

/** Added to specs.validate: each problem placed in the spec, and the tasks as written, so the
 *  preview can list problems next to the task they are about even when nothing could be built. */
export const SpecReviewSchema = z.object({
  located: z.array(z.object({
    message: z.string(),
    path: z.string(),
    /** Index in task_specs, when the problem is inside one task. */
    taskIndex: z.number().nullable(),
    /** 1-based line in the text, when it can be found. */
    line: z.number().nullable(),
  })),
  outline: z.array(z.object({ index: z.number(), id: z.string().nullable(), name: z.string().nullable(), line: z.number().nullable() })),
});
export type SpecReview = z.infer<typeof SpecReviewSchema>;

/** Work a host started for an attempt that was never seen to end, whose lease is gone: Shoal keeps
 *  trying to end it (owed-reaps.ts) until it is ended, or a person takes it over (Forget). */
export const OwedReapSchema = z.object({
  runId: z.string(), runName: z.string().nullable(), taskId: z.string(), taskName: z.string().nullable(), attempt: z.number(),
  workerId: z.string(),
  /** The worker's name when it is still known, else null (the id then says which it was). */
  workerName: z.string().nullable(),
  /** The kept worker whose login Shoal ends it with (the attempt's own, or another that reaches the
   *  same host), else null. Its owed reaps are counted on that worker, in the app and the CLI alike. */
  keptWorker: z.string().nullable(),
  /** The work on its host, for a person: `ssh me@box:22 pgid 4242`, `container 0123456789ab`. */
  work: z.string(),
  hostKind: z.enum(['local', 'ssh', 'docker', 'agent']),
  /** Since when it is owed: when the attempt's lease went with its work not seen to end. */
  since: z.string(),
  /** The last failed try's cause (it names the host), when one failed. */
  lastError: z.string().nullable(),
  lastTriedAt: z.string().nullable(),
  /** Failed tries so far, across restarts. */
  tries: z.number(),
});
export type OwedReapRow = z.infer<typeof OwedReapSchema>;

/** The worker an owed reap is counted on (the app's Workers badge, `shoal workers list`): the kept
 *  worker whose login ends it, else the worker its attempt ran on. */
export function owedReapWorker(o: Pick<OwedReapRow, 'keptWorker' | 'workerId'>): string {
  return o.keptWorker ?? o.workerId;
}
