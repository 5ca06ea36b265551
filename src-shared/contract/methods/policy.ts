// The exec policy's shapes, shared by main (which judges tool calls) and the renderer (which edits
// rules and shows why a call was stopped). Names and values follow Codex's, so its agents
// map one to one: approval modes are its AskForApproval, decisions its ReviewDecision, requests its ExecApprovalRequestEvent.
import { z } from 'zod';

export const POLICY_ACTIONS = ['allow', 'ask', 'deny'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** The built-in tools every agent gets through the gateway; MCP tools are `<server>__<tool>`. */
export const BUILTIN_TOOLS = ['exec_shell', 'read_file', 'write_file', 'apply_patch'] as const;

/** ask unless trusted · on request · never ask · reject (Codex's AskForApproval values, kebab-case). */
export const APPROVAL_MODES = ['untrusted', 'on-request', 'never', 'reject'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
export const ApprovalModeSchema = z.enum(APPROVAL_MODES);

export const APPROVAL_MODE_LABELS: Record<ApprovalMode, string> = {
  untrusted: 'Ask unless trusted',
  'on-request': 'On request',
  never: 'Never ask',
  reject: 'Reject',
};

/** What a request nobody answered in time becomes: denied (the safe default) or approved. */
export const TIMEOUT_DECISIONS = ['deny', 'approve'] as const;
export type TimeoutDecision = (typeof TIMEOUT_DECISIONS)[number];
export const TimeoutDecisionSchema = z.enum(TIMEOUT_DECISIONS, { error: `expected one of ${TIMEOUT_DECISIONS.join(', ')}` });

export const PolicyRuleSchema = z.object({
  id: z.string().trim().min(1, 'required').max(100),
  /** exec_shell, read_file, write_file, apply_patch, an MCP tool `<server>__<tool>`, or a glob (`github__*`, `*`). */
  tool: z.string().trim().min(1, 'required').max(200),
  /** For exec_shell: the command prefix, word by word (`git push`). */
  prefix: z.string().trim().max(2000).optional(),
  /** For tools with a path argument: a glob relative to the workdir (`secrets/**`), or absolute. */
  path: z.string().trim().max(2000).optional(),
  /** Only calls whose workspace is this folder (or inside it). */
  workspace: z.string().trim().max(4096).optional(),
  action: z.enum(POLICY_ACTIONS),
  note: z.string().max(2000).optional(),
  /** 'approval': added by an "always allow" answer in the approval dialog (or `shoal approve`), not
   *  written by the person as a rule. Such a rule never outranks a deny rule of the run or the
   *  built-in defaults: one click on a broad prefix (`rm`) must not let `rm -rf /` through. */
  origin: z.literal('approval').optional(),
}).strict().superRefine((rule, ctx) => {
  if (rule.prefix !== undefined && rule.prefix !== '' && !/^exec_shell$|\*/.test(rule.tool)) {
    ctx.addIssue({ code: 'custom', path: ['prefix'], message: `only exec_shell rules match a command prefix (tool is "${rule.tool}")` });
  }
  // A shell command has no path of its own, and a prefix only matches shell commands: such a rule
  // would be saved and never match anything.
  if (rule.path !== undefined && rule.path !== '' && rule.tool === 'exec_shell') {
    ctx.addIssue({ code: 'custom', path: ['path'], message: 'exec_shell calls have no path, so this rule would never match; match the command with prefix' });
  } else if (rule.path !== undefined && rule.path !== '' && rule.prefix !== undefined && rule.prefix !== '') {
    ctx.addIssue({ code: 'custom', path: ['path'], message: 'a prefix matches only shell commands and a path only file and MCP calls, so a rule with both never matches; make two rules' });
  }
});
export type PolicyRule = z.output<typeof PolicyRuleSchema>;

/** A glob's unclosed `[` or `{` (picomatch then reads it as plain text, and the rule matches only a
 *  file named that way), or null. */
function unclosedInGlob(glob: string): string | null {
  const open: string[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\') i++;
    else if (c === '[' || c === '{') open.push(c);
    else if ((c === ']' && open.at(-1) === '[') || (c === '}' && open.at(-1) === '{')) open.pop();
  }
  return open.at(-1) ?? null;
}

/** A rule as a person or a spec gives it: also refused when it could never match anything (a tool
 *  name no tool has, a workspace that is not an absolute folder, a glob left open). Rules already
 *  stored are read with PolicyRuleSchema alone, so none is dropped by a check added later. */
export const PolicyRuleInputSchema = PolicyRuleSchema.superRefine((rule, ctx) => {
  if (!/^[A-Za-z0-9_.*?-]+$/.test(rule.tool)) {
    ctx.addIssue({ code: 'custom', path: ['tool'], message: `"${rule.tool}" is no tool's name: give exec_shell, read_file, write_file, apply_patch, an MCP tool (<server>__<tool>) or a glob of them (github__*, *)` });
  }
  if (rule.workspace !== undefined && rule.workspace !== '' && !rule.workspace.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(rule.workspace)) {
    ctx.addIssue({ code: 'custom', path: ['workspace'], message: `must be an absolute folder path, got "${rule.workspace}"` });
  }
  const unclosed = rule.path ? unclosedInGlob(rule.path) : null;
  if (unclosed) ctx.addIssue({ code: 'custom', path: ['path'], message: `the glob "${rule.path}" leaves a "${unclosed}" open, so it would match only a file named exactly that` });
});

export const POLICY_LAYERS = ['user', 'run', 'default'] as const;
export type PolicyLayer = (typeof POLICY_LAYERS)[number];

/** ReviewDecision as serde writes it: unit variants as strings, network_policy_amendment as an object. */
export const REVIEW_DECISIONS = ['approved', 'approved_for_session', 'denied', 'abort', 'approved_execpolicy_amendment', 'network_policy_amendment'] as const;
export type ReviewDecisionName = (typeof REVIEW_DECISIONS)[number];
export const ReviewDecisionNameSchema = z.enum(REVIEW_DECISIONS);
export const NetworkPolicyAmendmentSchema = z.object({ host: z.string(), action: z.string() });
export const ReviewDecisionSchema = z.union([
  z.enum(['approved', 'approved_for_session', 'denied', 'abort', 'approved_execpolicy_amendment']),
  z.object({ network_policy_amendment: NetworkPolicyAmendmentSchema }),
]);
export type ReviewDecision = z.output<typeof ReviewDecisionSchema>;

export function decisionName(d: ReviewDecision | ReviewDecisionName): ReviewDecisionName {
  return typeof d === 'string' ? d : 'network_policy_amendment';
}

/** The reference implementation's ExecApprovalRequestEvent, field for field. */
export const ExecApprovalRequestSchema = z.object({
  call_id: z.string(),
  approval_id: z.string(),
  turn_id: z.string(),
  command: z.string(),
  cwd: z.string(),
  reason: z.string(),
  matched_rule: z.string().nullable(),
  network_approval_context: z.unknown().nullable(),
  proposed_execpolicy_amendment: z.array(z.string()),
  proposed_network_policy_amendments: z.array(NetworkPolicyAmendmentSchema),
  additional_permissions: z.array(z.unknown()),
  available_decisions: z.array(ReviewDecisionSchema),
});
export type ExecApprovalRequest = z.output<typeof ExecApprovalRequestSchema>;

/** What the policy says about one call (or one segment of a chained shell command). */
export const PolicyVerdictSchema = z.object({
  /** allow: runs now; ask: waits for a person; deny: refused. */
  action: z.enum(POLICY_ACTIONS),
  /** `tool=exec_shell command=git push` style description of the deciding rule, or null. */
  matchedRule: z.string().nullable(),
  ruleId: z.string().nullable(),
  layer: z.enum(POLICY_LAYERS).nullable(),
  reason: z.string(),
});
export type PolicyVerdict = z.output<typeof PolicyVerdictSchema>;

export const PolicyDecisionSchema = PolicyVerdictSchema.extend({
  mode: ApprovalModeSchema,
  /** One verdict per segment of a chained shell command, in order; the strictest decided. */
  segments: z.array(PolicyVerdictSchema.extend({ command: z.string() })),
  /** The prefix an "always allow" would add (empty: not offered). */
  proposedAmendment: z.array(z.string()),
});
export type PolicyDecision = z.output<typeof PolicyDecisionSchema>;
