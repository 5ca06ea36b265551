// Approvals and the exec policy: pending requests across all runs and threads, a person's
// decisions (one or many), the audit log, and the user's rules with a tester.
// Every method is in the 'approvals' family, so one invalidation refreshes the dialog, the inbox
// and the rules in every window.
import { z } from 'zod';
import { defineMethod } from '../define';
import { Id, Ok } from './common';
import { WorkerPlaceSchema } from '../worker-place';
import {
  ApprovalModeSchema, ExecApprovalRequestSchema, PolicyDecisionSchema, PolicyRuleInputSchema, PolicyRuleSchema, REVIEW_DECISIONS, TimeoutDecisionSchema,
} from './policy';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'aborted', 'timed_out', 'expired'] as const;

export const ApprovalViewSchema = z.object({
  id: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  /** The policy tool: exec_shell, write_file, apply_patch, read_file, `<server>__<tool>`. */
  tool: z.string(),
  runId: z.string().nullable(),
  taskId: z.string().nullable(),
  taskName: z.string().nullable(),
  attempt: z.number().nullable(),
  threadId: z.string().nullable(),
  callId: z.string(),
  /** The reference implementation's ExecApprovalRequest, as stored. */
  request: ExecApprovalRequestSchema,
  /** The worker a task's call would run on, and where that is ("this computer", "ssh me@box:22",
   *  "docker IMAGE", "a remote agent"); null for a thread's call (this computer) or an unknown worker. */
  runsOn: WorkerPlaceSchema.nullable(),
  /** For file writes: the unified diff that would be applied. */
  diff: z.string().nullable(),
  agentReason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  decision: z.string().nullable(),
  decidedBy: z.string().nullable(),
});
export type ApprovalView = z.infer<typeof ApprovalViewSchema>;

export const AuditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  subject: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const PolicyOptionsSchema = z.object({ mode: ApprovalModeSchema, timeoutSeconds: z.number().int(), timeoutDecision: TimeoutDecisionSchema });
export type PolicyOptionsView = z.infer<typeof PolicyOptionsSchema>;

const Decision = z.enum(REVIEW_DECISIONS, { error: `expected one of ${REVIEW_DECISIONS.join(', ')}` });

export const approvalsMethods = {
  'approvals.list': defineMethod({
    name: 'approvals.list',
    summary: 'Pending approval requests across all runs, workers and threads, oldest first.',
    input: z.object({ limit: z.number().int().min(1).max(500).default(200) }).strict(),
    output: z.object({ items: z.array(ApprovalViewSchema) }),
    invalidates: [],
  }),
  'approvals.get': defineMethod({
    name: 'approvals.get',
    summary: 'One approval request, pending or decided.',
    input: z.object({ id: Id }).strict(),
    output: ApprovalViewSchema,
    invalidates: [],
  }),
  'approvals.decide': defineMethod({
    name: 'approvals.decide',
    summary: "A person's decision on one request (only a decision the request offers).",
    input: z.object({ id: Id, decision: Decision }).strict(),
    output: z.object({ changed: z.boolean(), approval: ApprovalViewSchema }),
    invalidates: ['approvals', 'runs', 'tasks', 'events'],
  }),
  'approvals.decideMany': defineMethod({
    name: 'approvals.decideMany',
    summary: 'Approve or deny several pending requests at once.',
    input: z.object({ ids: z.array(Id).min(1, 'choose at least one request').max(500), decision: z.enum(['approved', 'denied']) }).strict(),
    output: z.object({ results: z.array(z.object({ id: z.string(), changed: z.boolean(), status: z.string().nullable(), error: z.string().nullable() })) }),
    invalidates: ['approvals', 'runs', 'tasks', 'events'],
  }),
  'approvals.audit': defineMethod({
    name: 'approvals.audit',
    summary: 'The audit log of requests, decisions and policy changes, newest first.',
    input: z.object({ limit: z.number().int().min(1).max(1000).default(100), before: z.number().int().optional() }).strict(),
    output: z.object({ items: z.array(AuditEntrySchema), next: z.number().nullable() }),
    invalidates: [],
  }),
  'approvals.rules.list': defineMethod({
    name: 'approvals.rules.list',
    summary: "The user's rules, the built-in defaults, and the approval options.",
    input: z.object({}).strict(),
    output: z.object({ rules: z.array(PolicyRuleSchema), defaults: z.array(PolicyRuleSchema), options: PolicyOptionsSchema }),
    invalidates: [],
  }),
  'approvals.rules.save': defineMethod({
    name: 'approvals.rules.save',
    summary: 'Add a rule, or replace one (previousId renames it).',
    input: z.object({ rule: PolicyRuleInputSchema, previousId: Id.optional(), isNew: z.boolean().default(false) }).strict(),
    output: PolicyRuleSchema,
    invalidates: ['approvals'],
  }),
  'approvals.rules.delete': defineMethod({
    name: 'approvals.rules.delete',
    summary: 'Delete one of the user\u2019s rules.',
    input: z.object({ id: Id }).strict(),
    output: Ok,
    invalidates: ['approvals'],
  }),
  'approvals.rules.options': defineMethod({
    name: 'approvals.rules.options',
    summary: 'Change the approval mode, how long an agent waits for a person, and what a request nobody answered in time becomes.',
    input: z.object({
      mode: ApprovalModeSchema.optional(),
      timeoutSeconds: z.number().int().min(5).max(7 * 24 * 3600).optional(),
      timeoutDecision: TimeoutDecisionSchema.optional(),
    }).strict(),
    output: PolicyOptionsSchema,
    invalidates: ['approvals'],
  }),
  'approvals.rules.test': defineMethod({
    name: 'approvals.rules.test',
    summary: 'Which rule decides a command (or a file call), under the current rules. Writes nothing.',
    input: z.object({
      tool: z.string().trim().min(1).max(200).default('exec_shell'),
      command: z.string().max(20_000).optional(),
      path: z.string().max(4096).optional(),
      workspace: z.string().max(4096).optional(),
      mode: ApprovalModeSchema.optional(),
    }).strict(),
    output: PolicyDecisionSchema,
    invalidates: [],
  }),
} as const;
