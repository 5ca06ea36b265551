// Landing a run's results: the merge queue, conflict warnings and best-of-N candidates.
import { z } from 'zod';
import { defineMethod } from '../define';
import { Id, RunRef } from './common';

export const LAND_MODES = ['merge', 'squash', 'branches'] as const;
export const LAND_ITEM_STATES = ['queued', 'merging', 'checking', 'landed', 'conflict', 'check_failed', 'empty', 'kept'] as const;

export const LandItemSchema = z.object({
  task_id: z.string(), branch: z.string(), state: z.enum(LAND_ITEM_STATES), commit: z.string().nullable(), files: z.array(z.string()), reason: z.string().nullable(),
});
export const LandReportSchema = z.object({
  landing_id: z.string(), run_id: z.string(), repo: z.string(), into: z.string(), mode: z.enum(LAND_MODES), status: z.enum(['running', 'done', 'failed']),
  base_commit: z.string(), tip_commit: z.string(), error: z.string().nullable(), resumed: z.boolean(),
  /** Running, but nobody is working it (Shoal was stopped mid-queue): the next land resumes it. */
  interrupted: z.boolean(),
  items: z.array(LandItemSchema),
});
export type LandReportView = z.output<typeof LandReportSchema>;

export const OverlapWarningSchema = z.object({
  tasks: z.tuple([z.string(), z.string()]), file: z.string(), overlapping: z.boolean(), conflicts: z.boolean(),
});
export type OverlapWarningView = z.output<typeof OverlapWarningSchema>;

export const CandidateSchema = z.object({
  taskId: z.string(), agent: z.string(), state: z.string(), result: z.string().nullable(), score: z.string().nullable(), scoreValue: z.number().nullable(),
  testsPassed: z.number().nullable(), linesChanged: z.number(), filesChanged: z.number(), durationS: z.number().nullable(),
  costUsd: z.number().nullable(),
});
export const CandidateGroupSchema = z.object({
  group: z.string(), measures: z.array(z.string()), candidates: z.array(CandidateSchema), winner: z.string().nullable(), pickedBy: z.string().nullable(), tie: z.boolean(),
});
export type CandidateGroupView = z.output<typeof CandidateGroupSchema>;

export const LandingOverviewSchema = z.object({
  runId: z.string(),
  runStatus: z.string(),
  /** The branch a landing goes into by default (checked out in the workspace), when there is one. */
  defaultInto: z.string().nullable(),
  landable: z.array(z.object({ taskId: z.string(), name: z.string(), branch: z.string() })),
  warnings: z.array(OverlapWarningSchema),
  groups: z.array(CandidateGroupSchema),
  landing: LandReportSchema.nullable(),
});
export type LandingOverview = z.output<typeof LandingOverviewSchema>;

const Branch = z.string().min(1, 'into: a branch name').max(250);
// A git remote's name, never a URL or anything git could read as an option: the landing pushes only
// to remotes the repository already has.
const RemoteName = z.string().max(100).regex(/^[A-Za-z0-9_][A-Za-z0-9._/-]*$/, 'remote: a remote name such as origin');

export const landingMethods = {
  'landing.overview': defineMethod({
    name: 'landing.overview',
    summary: 'What can land from a run, tasks that touch the same files, best-of-N candidates and the latest landing.',
    input: RunRef,
    output: LandingOverviewSchema,
    invalidates: [],
  }),
  'landing.land': defineMethod({
    name: 'landing.land',
    summary: 'Lands the run\'s passed results (or the chosen tasks) into a branch through the merge queue.',
    input: z.object({
      runId: Id, into: Branch.optional(), mode: z.enum(LAND_MODES).default('merge'),
      tasks: z.array(Id).max(1000).optional(), check: z.string().max(10_000).nullable().optional(),
      /** Push the target branch to `remote` after landing (default origin). */
      push: z.boolean().default(false), remote: RemoteName.optional(),
      /** Push each result branch and open a pull request with gh instead of merging (implies push). */
      pr: z.boolean().default(false),
    }).strict(),
    output: LandReportSchema,
    invalidates: ['runs', 'receipts'],
  }),
  'landing.pick': defineMethod({
    name: 'landing.pick',
    summary: 'A person picks the winning candidate of a best-of-N task.',
    input: z.object({ runId: Id, taskId: Id }).strict(),
    output: CandidateGroupSchema,
    invalidates: ['runs'],
  }),
  'landing.compare': defineMethod({
    name: 'landing.compare',
    summary: 'The diff between two tasks\' result branches (two candidates side by side).',
    input: z.object({ runId: Id, a: Id, b: Id }).strict(),
    output: z.object({ patch: z.string() }),
    invalidates: [],
  }),
} as const;
