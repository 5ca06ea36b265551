// Landing: the merge queue's durable state. A landing is one `shoal land` of a run into a
// target branch; its items are the run's tasks in landing order. Each item's outcome is written the
// moment it is known, so a crash mid-queue resumes at the first undecided item and never merges a
// task twice (see core/landing/merge-queue.ts for how a merge that reached git but not this table is
// recognised).
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const landings = sqliteTable('landings', {
  id: text('id').primaryKey(),
  runId: text('run_id').notNull(),
  /** The repository (top level of the run's workspace) and the branch results are merged into. */
  repo: text('repo').notNull(),
  intoBranch: text('into_branch').notNull(),
  /** merge | squash | branches (leave as branches, only check). */
  mode: text('mode').notNull(),
  checkCommand: text('check_command'),
  /** running | done | failed */
  status: text('status').notNull(),
  /** The target branch's commit when the landing started, and its latest tip. */
  baseCommit: text('base_commit').notNull(),
  tipCommit: text('tip_commit').notNull(),
  error: text('error'),
  /** The process working the queue; a landing whose owner died is resumed by the next `land`. */
  ownerPid: integer('owner_pid'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
}, (t) => [index('landings_run_idx').on(t.runId, t.createdAt)]);

export const landingItems = sqliteTable('landing_items', {
  landingId: text('landing_id').notNull().references(() => landings.id, { onDelete: 'cascade' }),
  taskId: text('task_id').notNull(),
  ordinal: integer('ordinal').notNull(),
  branch: text('branch').notNull(),
  /** queued | landed | conflict | check_failed | empty | kept | missing */
  state: text('state').notNull(),
  /** The commit on the target branch that landed it. */
  commit: text('commit'),
  /** JSON array: the conflicting files, or the files the merge touched. */
  files: text('files').notNull().default('[]'),
  reason: text('reason'),
  updatedAt: text('updated_at').notNull(),
}, (t) => [primaryKey({ columns: [t.landingId, t.taskId] })]);

/** Best-of-N: a person's pick of the winning candidate of a task (overrides the ranking, breaks ties). */
export const candidatePicks = sqliteTable('candidate_picks', {
  runId: text('run_id').notNull(),
  groupId: text('group_id').notNull(),
  taskId: text('task_id').notNull(),
  pickedBy: text('picked_by').notNull(),
  pickedAt: text('picked_at').notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.groupId] })]);
