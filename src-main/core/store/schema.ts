// The SQLite store is Shoal's single source of truth: every view, the CLI and
// the live timeline are derived from these tables. Migrations under drizzle/ are generated from this
// file by drizzle-kit and are additive only.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A fleet run. `last_seq` allocates worker-event seqs inside the writing transaction, so seqs stay
 *  contiguous even when two processes (app + CLI) write to the same database. */
export const runs = sqliteTable('runs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  status: text('status').notNull(),
  labels: text('labels').notNull().default('{}'),
  workerSpecs: text('worker_specs').notNull().default('[]'),
  workspace: text('workspace'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at'),
  completedAt: text('completed_at'),
  lastSeq: integer('last_seq').notNull().default(0),
  /** Number of the run's tasks per terminal outcome, maintained on every transition so the runs
   *  list never has to COUNT(*) the tasks table. */
  tasksTotal: integer('tasks_total').notNull().default(0),
  tasksPassed: integer('tasks_passed').notNull().default(0),
  tasksFailed: integer('tasks_failed').notNull().default(0),
  tasksReview: integer('tasks_review').notNull().default(0),
  tasksCancelled: integer('tasks_cancelled').notNull().default(0),
}, (t) => [index('runs_created_idx').on(t.createdAt)]);

/** One row per task spec of a run; `state` is the task's current state (see TaskState). */
export const tasks = sqliteTable('tasks', {
  runId: text('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
  taskId: text('task_id').notNull(),
  ordinal: integer('ordinal').notNull(),
  name: text('name').notNull(),
  spec: text('spec').notNull(),
  priority: integer('priority').notNull().default(0),
  state: text('state').notNull(),
  attempts: integer('attempts').notNull().default(0),
  /** From the retry policy; "retry now" on a finished task raises it by one, durably. */
  maxAttempts: integer('max_attempts').notNull().default(3),
  result: text('result'),
  workerId: text('worker_id'),
  startedAt: text('started_at'),
  finishedAt: text('finished_at'),
  lastError: text('last_error'),
  /** Why no worker can take the task (capabilities); null when it is placeable. */
  unplaceable: text('unplaceable'),
  // The task's place in the queue. A task is in the queue (waiting for or holding a lease) while
  // `enqueued_at` is set. A lease is (lease_token, lease_deadline, worker_id); every worker write is
  // fenced by (task, attempts, lease_token). `ready_at` holds retry backoff (ms); `held` is set
  // while the run is paused. These live on the task's own row, not in a table of their own: a lease
  // and a finish then write one row and no extra b-trees, which is most of the scheduler's cost.
  enqueuedAt: text('enqueued_at'),
  readyAt: integer('ready_at').notNull().default(0),
  leaseDeadline: integer('lease_deadline'),
  leaseToken: text('lease_token'),
  /** The capabilities a worker needs (JSON list), or null for none. */
  requires: text('requires'),
  /** null: the default workers take it; a run id: only that run's own worker_specs may. */
  pool: text('pool'),
  held: integer('held').notNull().default(0),
}, (t) => [
  primaryKey({ columns: [t.runId, t.taskId] }),
  // Only tasks waiting for a lease are in it, in the order they are leased (the task's place in its
  // spec breaks ties): taking a lease removes the entry and a retry puts it back. It also holds what
  // choosing one reads (when it is ready, what it requires, which task it is), so skipping the tasks
  // a worker cannot take, and finding the next backoff to end, never read the task's row (its spec
  // can be kilobytes).
  index('tasks_waiting_idx').on(t.pool, t.held, sql`${t.priority} DESC`, t.enqueuedAt, t.ordinal, t.readyAt, t.requires, t.runId, t.taskId, t.attempts,
    // Always null here, but a column of the index lets SQLite answer from the index alone.
    t.leaseToken)
    .where(sql`${t.enqueuedAt} IS NOT NULL AND ${t.leaseToken} IS NULL`),
  // Only the leases held now (a handful): the reaper's deadline scan, crash recovery, the per-worker
  // counts and a lookup by token read these without walking every task ever run.
  index('tasks_leased_idx').on(t.leaseToken).where(sql`${t.leaseToken} IS NOT NULL`),
]);

/** Where the queue lived before migration 0010 moved it onto the tasks (see tasks.enqueued_at).
 *  Nothing reads or writes it any more; it stays, empty, because migrations only ever add. */
export const inbox = sqliteTable('inbox', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  runId: text('run_id').notNull(),
  taskId: text('task_id').notNull(),
  priority: integer('priority').notNull(),
  enqueuedAt: text('enqueued_at').notNull(),
  readyAt: integer('ready_at').notNull().default(0),
  leaseDeadline: integer('lease_deadline'),
  leaseToken: text('lease_token'),
  workerId: text('worker_id'),
  attempts: integer('attempts').notNull().default(0),
  requires: text('requires'),
  /** null: the default workers take it; a run id: only that run's own worker_specs may. */
  pool: text('pool'),
  held: integer('held').notNull().default(0),
}, (t) => [
  uniqueIndex('inbox_task_uq').on(t.runId, t.taskId),
  // Only tasks waiting for a lease are in the ready index: taking a lease removes the entry and a
  // retry puts it back, instead of moving it within the index on every lease.
  index('inbox_waiting_idx').on(t.pool, t.held, sql`${t.priority} DESC`, t.enqueuedAt, t.seq).where(sql`${t.leaseToken} IS NULL`),
  // No index on lease_deadline: the reaper's scan every few seconds is cheaper than updating one
  // more b-tree on every enqueue, lease and completion.
]);

/** Every attempt of a task, with the agent's pid so a restart can find and end orphans. */
export const attempts = sqliteTable('attempts', {
  runId: text('run_id').notNull(),
  taskId: text('task_id').notNull(),
  attempt: integer('attempt').notNull(),
  workerId: text('worker_id').notNull(),
  leaseToken: text('lease_token').notNull(),
  state: text('state').notNull(),
  pid: integer('pid'),
  pidStart: text('pid_start'),
  /** Where the attempt's agent runs (hosts/host-ref.ts, JSON): recovery adopts or reaps through it. */
  hostRef: text('host_ref'),
  ownerPid: integer('owner_pid'),
  workdir: text('workdir'),
  branch: text('branch'),
  startedAt: text('started_at').notNull(),
  endedAt: text('ended_at'),
  exitCode: integer('exit_code'),
  result: text('result'),
  reason: text('reason'),
  /** A manual-review attempt's receipt body (artifacts, score) until a person decides. */
  pendingReceipt: text('pending_receipt'),
  /** 1 from the moment a host started the attempt's work (its host_ref; not a remote agent's, which
   *  ends its own) until Shoal saw that work end: the agent's exit, or a reap that ended it or found
   *  it gone. Once the attempt's lease is gone a 1 is a reap Shoal still owes (its host could not be
   *  reached): every start of the engine retries it in the background until it is confirmed. */
  reapPending: integer('reap_pending').notNull().default(0),
  // How the tries to end an owed reap went, for the person who may take it over (Workers view,
  // `shoal workers owed`): the last failure's cause and time, and the tries so far, across restarts.
  // Written only when a try fails (rare), never on the scheduler's commit path. Since when it is owed
  // needs no column: it is the attempt's ended_at, written when its lease went with the work unseen.
  reapError: text('reap_error'),
  reapTries: integer('reap_tries').notNull().default(0),
  reapTriedAt: text('reap_tried_at'),
}, (t) => [
  // No index on the active ones: crash recovery finds them through the leases held now
  // (tasks_leased_idx, a handful), so an attempt costs no extra b-tree write when it starts or ends.
  primaryKey({ columns: [t.runId, t.taskId, t.attempt] }),
  // Only what may still run is in it (the running attempts and the owed reaps, a handful): a start
  // finds the owed reaps without reading every attempt ever made.
  index('attempts_reap_pending_idx').on(t.reapPending).where(sql`${t.reapPending} = 1`),
]);

export const workers = sqliteTable('workers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  host: text('host').notNull(),
  labels: text('labels').notNull().default('{}'),
  capabilities: text('capabilities').notNull().default('[]'),
  maxConcurrent: integer('max_concurrent'),
  status: text('status').notNull(),
  /** Why the worker is unhealthy (the failed probe, start or dropped connection), for the Workers
   *  view and `shoal workers list`; null while it is fine. */
  statusReason: text('status_reason'),
  lastHeartbeatAt: text('last_heartbeat_at'),
  cpuPercent: real('cpu_percent'),
  memoryMb: integer('memory_mb'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at'),
});

/** Worker events, the timeline. Seq is per run, strictly increasing without gaps. `body` holds the
 *  event's wire JSON less the envelope columns, so reading back re-creates the exact FleetWorkerEvent. */
export const workerEvents = sqliteTable('worker_events', {
  runId: text('run_id').notNull(),
  seq: integer('seq').notNull(),
  taskId: text('task_id').notNull(),
  workerId: text('worker_id').notNull(),
  timestamp: text('timestamp').notNull(),
  state: text('state').notNull(),
  attempt: integer('attempt'),
  body: text('body').notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.seq] }), index('worker_events_task_idx').on(t.runId, t.taskId, t.seq)]);

/** One receipt per finished attempt; the primary key is what makes a duplicate receipt impossible. */
export const receipts = sqliteTable('receipts', {
  runId: text('run_id').notNull(),
  taskId: text('task_id').notNull(),
  attempt: integer('attempt').notNull(),
  workerId: text('worker_id').notNull(),
  completedAt: text('completed_at').notNull(),
  result: text('result').notNull(),
  body: text('body').notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.taskId, t.attempt] })]);

/** Every file an attempt produced: the one place Shoal looks up an attempt's artifacts (the task view,
 *  which files artifacts.read may open, retention). Receipts and `artifact` events carry the same refs
 *  on the wire, but nothing reads them back for that. */
export const artifacts = sqliteTable('artifacts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  runId: text('run_id').notNull(),
  taskId: text('task_id').notNull(),
  attempt: integer('attempt').notNull(),
  kind: text('kind').notNull(),
  path: text('path').notNull(),
  checksum: text('checksum'),
  mimeType: text('mime_type'),
  sizeBytes: integer('size_bytes'),
  createdAt: text('created_at').notNull(),
}, (t) => [
  index('artifacts_task_idx').on(t.runId, t.taskId, t.attempt),
  // An attempt's file is recorded once however many times it is reported (artifact event, receipt,
  // a manual review's pending receipt): recording is an INSERT OR IGNORE.
  uniqueIndex('artifacts_attempt_path_uq').on(t.runId, t.taskId, t.attempt, t.path),
]);

export const threads = sqliteTable('threads', {
  id: text('id').primaryKey(),
  name: text('name'),
  preview: text('preview').notNull().default(''),
  source: text('source').notNull(),
  model: text('model').notNull(),
  modelProvider: text('model_provider').notNull(),
  status: text('status').notNull(),
  archived: integer('archived').notNull().default(0),
  forkedFrom: text('forked_from'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
}, (t) => [index('threads_updated_idx').on(t.updatedAt)]);

export const messages = sqliteTable('messages', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  threadId: text('thread_id').notNull().references(() => threads.id, { onDelete: 'cascade' }),
  role: text('role').notNull(),
  content: text('content').notNull(),
  createdAt: text('created_at').notNull(),
}, (t) => [index('messages_thread_idx').on(t.threadId, t.id)]);

export const checkpoints = sqliteTable('checkpoints', {
  threadId: text('thread_id').notNull(),
  name: text('name').notNull(),
  reason: text('reason').notNull(),
  state: text('state').notNull(),
  createdAt: text('created_at').notNull(),
}, (t) => [primaryKey({ columns: [t.threadId, t.name] })]);

export const jobs = sqliteTable('jobs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  status: text('status').notNull(),
  progress: integer('progress').notNull().default(0),
  detail: text('detail'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
}, (t) => [index('jobs_updated_idx').on(t.updatedAt)]);

export const approvals = sqliteTable('approvals', {
  id: text('id').primaryKey(),
  runId: text('run_id'),
  taskId: text('task_id'),
  threadId: text('thread_id'),
  callId: text('call_id').notNull(),
  request: text('request').notNull(),
  status: text('status').notNull(),
  decision: text('decision'),
  decidedBy: text('decided_by'),
  createdAt: text('created_at').notNull(),
  decidedAt: text('decided_at'),
  /** The request's context, beside the request itself: the tool asked for, the attempt, the Shoal
   *  process whose agent waits (when it is gone nobody can receive the answer), the diff of a file
   *  write and the agent's stated reason. Null only on rows of a store too old to have recorded it. */
  tool: text('tool'),
  attempt: integer('attempt'),
  ownerPid: integer('owner_pid'),
  diff: text('diff'),
  agentReason: text('agent_reason'),
}, (t) => [index('approvals_status_idx').on(t.status, t.createdAt)]);

export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: text('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subject: text('subject'),
  detail: text('detail'),
}, (t) => [index('audit_log_at_idx').on(t.at)]);

/** Command process groups the gateway started for an agent (they are outside the agent's own group),
 *  so a start after a crash can end the ones whose owning Shoal process is gone. `start` is the
 *  process start time, which tells a reused pid from the original. */
export const gatewayProcesses = sqliteTable('gateway_processes', {
  pid: integer('pid').primaryKey(),
  start: text('start'),
  ownerPid: integer('owner_pid').notNull(),
  scope: text('scope').notNull(),
  createdAt: text('created_at').notNull(),
});

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** Workers a person keeps (`shoal workers add`, the Workers view), beside a spec's own worker_specs.
 *  `host` is the FleetHostSpec without secrets; a key given inline is sealed in `sealed_secret`.
 *  `host_key` pins the SSH host key (SHA256 fingerprint) accepted for this worker. */
export const workerRegistry = sqliteTable('worker_registry', {
  name: text('name').primaryKey(),
  host: text('host').notNull(),
  capabilities: text('capabilities').notNull().default('[]'),
  maxConcurrent: integer('max_concurrent'),
  dockerHost: text('docker_host'),
  hostKey: text('host_key'),
  sealedSecret: text('sealed_secret'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at'),
});
// Landing's tables live in their own file (one owner, additive).
export * from './schema-landing';

/** One-time join tokens for remote agents (`shoal agent-token`). Only the token's sha256 is kept;
 *  a token is spent by the join that uses it (used_at, agent_id), expires, or is revoked. */
export const agentJoinTokens = sqliteTable('agent_join_tokens', {
  id: text('id').primaryKey(),
  name: text('name'),
  tokenHash: text('token_hash').notNull(),
  capabilities: text('capabilities').notNull().default('[]'),
  createdAt: text('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: text('used_at'),
  agentId: text('agent_id'),
  revokedAt: text('revoked_at'),
}, (t) => [uniqueIndex('agent_join_tokens_hash_idx').on(t.tokenHash)]);

/** Remote agents that joined: the long-lived credential they reconnect with (sha256 only) and the
 *  highest write sequence applied from their outbox (the (agent, sequence) deduplication). The
 *  agent is also a row of `workers` with the same id. */
export const remoteAgents = sqliteTable('remote_agents', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  credentialHash: text('credential_hash').notNull(),
  capabilities: text('capabilities').notNull().default('[]'),
  version: text('version'),
  hostname: text('hostname'),
  address: text('address'),
  ackedSeq: integer('acked_seq').notNull().default(0),
  createdAt: text('created_at').notNull(),
  lastSeenAt: text('last_seen_at'),
  revokedAt: text('revoked_at'),
});
/** The alert outbox: one row per (alert, channel, action). It is written in the same transaction as
 *  the fleet event that caused it, so an alert is never lost to a crash; `id` is the delivery id a
 *  receiver sees on every retry (X-Shoal-Delivery), so a re-send after a crash is recognisable.
 *  `channel` holds the channel config with its URL and secrets sealed (see alerts/sealed-channel.ts). */
export const alertDeliveries = sqliteTable('alert_deliveries', {
  id: text('id').primaryKey(),
  /** What the alert is about, e.g. `task:<run>:<task>:attempts`; unique per channel and action, which
   *  is what makes an alert fire once, not once per retry. */
  alertKey: text('alert_key').notNull(),
  /** Stable per task alert (PagerDuty's dedup_key): a resolve closes what the trigger opened. */
  dedupKey: text('dedup_key').notNull(),
  action: text('action').notNull(),
  rule: text('rule').notNull(),
  runId: text('run_id'),
  taskId: text('task_id'),
  attempt: integer('attempt'),
  reason: text('reason').notNull(),
  channelIndex: integer('channel_index').notNull(),
  channelKind: text('channel_kind').notNull(),
  channel: text('channel').notNull(),
  state: text('state').notNull(),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: integer('next_attempt_at').notNull(),
  lastError: text('last_error'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
  deliveredAt: text('delivered_at'),
}, (t) => [
  uniqueIndex('alert_deliveries_key_uq').on(t.alertKey, t.channelIndex, t.action),
  index('alert_deliveries_due_idx').on(t.state, t.nextAttemptAt),
  index('alert_deliveries_task_idx').on(t.runId, t.taskId),
]);
