// Shapes the UI reads. They are derived from the store by main; the renderer never sees raw rows.
import { z } from 'zod';

export const RUN_STATUSES = ['pending', 'queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export const TASK_STATES = ['pending', 'queued', 'leased', 'starting', 'running', 'model_wait', 'running_tool', 'retry_wait', 'review', 'passed', 'failed', 'timeout', 'cancelled', 'skipped'] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** A task whose agent is at work (or about to be): Cancel stops it, landing skips its changes. */
export const WORKING_TASK_STATES = ['leased', 'starting', 'running', 'model_wait', 'running_tool'] as const satisfies readonly TaskState[];
/** A task that waits for a worker or for its retry's backoff: Cancel ends it at once. */
export const WAITING_TASK_STATES = ['pending', 'queued', 'retry_wait'] as const satisfies readonly TaskState[];
/** A task that has ended: it gets no attempt unless a person retries it. */
export const ENDED_TASK_STATES = ['passed', 'failed', 'timeout', 'cancelled', 'skipped'] as const satisfies readonly TaskState[];
/** A task that may be given another attempt now. */
export const RETRYABLE_TASK_STATES = ['retry_wait', 'failed', 'timeout', 'cancelled'] as const satisfies readonly TaskState[];

export const RunSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(RUN_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  workspace: z.string().nullable(),
  total: z.number(),
  passed: z.number(),
  failed: z.number(),
  review: z.number(),
  cancelled: z.number(),
  labels: z.record(z.string(), z.string()),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const TaskRowSchema = z.object({
  runId: z.string(),
  taskId: z.string(),
  name: z.string(),
  ordinal: z.number(),
  priority: z.number(),
  state: z.enum(TASK_STATES),
  attempts: z.number(),
  maxAttempts: z.number(),
  result: z.string().nullable(),
  workerId: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  scorer: z.string(),
  /** Set when no worker of the run can take the task (capabilities), so it is not left silent. */
  unplaceable: z.string().nullable(),
});
export type TaskRow = z.infer<typeof TaskRowSchema>;

/** A remote agent (`shoal agent`) as the Workers view shows it: connected and reporting, connected
 *  but silent for two heartbeats, not connected, or cut off for good. */
export const REMOTE_AGENT_STATES = ['online', 'stale', 'offline', 'revoked'] as const;
export type RemoteAgentState = (typeof REMOTE_AGENT_STATES)[number];

/** What a host has, as a probe finds it: a worker's Test, the Add worker dialog's check, and what a
 *  remote agent reports about its own machine when it connects. */
export const HostFactsSchema = z.object({
  git: z.string().nullable(),
  /** The coding-agent CLIs found on the host and their versions (`claude --version`, `codex --version`). */
  agents: z.array(z.object({ name: z.string(), version: z.string().nullable() })),
  cpus: z.number().nullable(),
  memoryMb: z.number().nullable(),
  os: z.string().nullable(),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

export const RemoteAgentInfoSchema = z.object({
  state: z.enum(REMOTE_AGENT_STATES),
  /** Where it connected from (IP:port as the control plane saw it). */
  address: z.string().nullable(),
  version: z.string().nullable(),
  hostname: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** What its machine has, as the agent found it when it last connected; null from an agent that did not say. */
  facts: HostFactsSchema.nullable(),
});
export type RemoteAgentInfo = z.infer<typeof RemoteAgentInfoSchema>;

/** What a worker is now, as the Workers view shows it (the raw `status` alone cannot say: an
 *  `offline` row may be a kept worker whose Shoal stopped, a kept worker the person removed, or a
 *  run's own worker whose run ended, and each wants its own words and actions):
 *  - online, busy: in service; checking: its host is being probed (status `unknown`);
 *  - down: unhealthy; a fault when `statusReason` names the cause (host down, auth refused, key mismatch);
 *  - draining, retired: taken out of service by a person (Resume puts it back);
 *  - offline: kept (or this computer, or a remote agent) but not running here now;
 *  - removed: a kept worker the person removed (it may still finish what it runs, then it leaves);
 *  - run-ended: a run's own worker (from its worker_specs) whose run is over. */
export const WORKER_STATES = ['online', 'busy', 'checking', 'down', 'draining', 'retired', 'offline', 'removed', 'run-ended'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export const WorkerRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostKind: z.string(),
  /** Where an SSH or Docker worker runs, as main describes its host ("ssh me@box:22", "docker IMAGE");
   *  null for this computer and remote agents. */
  where: z.string().nullable(),
  status: z.string(),
  /** Why it is unhealthy (a failed probe, a dropped connection, missed heartbeats) or offline (removed
   *  from the kept workers); null otherwise. */
  statusReason: z.string().nullable(),
  capabilities: z.array(z.string()),
  maxConcurrent: z.number().nullable(),
  running: z.number(),
  lastHeartbeatAt: z.string().nullable(),
  cpuPercent: z.number().nullable(),
  memoryMb: z.number().nullable(),
  /** Set for remote agents only. */
  agent: RemoteAgentInfoSchema.nullable(),
  state: z.enum(WORKER_STATES),
  /** When the row last changed state (the time it went offline, was removed, its run ended…). */
  stateSince: z.string().nullable(),
});
export type WorkerRow = z.infer<typeof WorkerRowSchema>;

export const AppInfoSchema = z.object({
  name: z.literal('Shoal'),
  version: z.string(),
  protocolVersion: z.string(),
  transport: z.enum(['electron', 'headless']),
  dbPath: z.string(),
  dataDir: z.string(),
  platform: z.string(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/** What launching a spec would do, shown before anything is created. */
export const SpecCheckSchema = z.object({
  ok: z.boolean(),
  /** `<field path>: <what is wrong>` per problem; empty when ok. */
  issues: z.array(z.string()),
  warnings: z.array(z.string()),
  preview: z.object({
    name: z.string(),
    format: z.enum(['json', 'yaml', 'toml']),
    workspace: z.string().nullable(),
    tasks: z.array(z.object({
      id: z.string(),
      name: z.string(),
      agent: z.string(),
      priority: z.number(),
      scorer: z.string(),
      retry: z.string(),
      alert: z.string().nullable(),
      timeoutSeconds: z.number().nullable(),
      requires: z.array(z.string()),
      placeableOn: z.array(z.string()),
      unplaceable: z.string().nullable(),
    })),
    workers: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string(), capabilities: z.array(z.string()), maxConcurrent: z.number().nullable() })),
  }).nullable(),
});
export type SpecCheck = z.infer<typeof SpecCheckSchema>;
