// A run's own policy, carried by its task specs as `metadata.policy`:
//   {"rules": [{"id": "push", "tool": "exec_shell", "prefix": "git push", "action": "ask"}],
//    "mode": "untrusted", "timeout_seconds": 300, "timeout_decision": "deny"}
// (a bare array is taken as the rules). A malformed policy is listed by field path when the spec is
// checked (launch preview, `shoal validate`), so it is never launched; one that reaches an attempt
// anyway (a run stored by an older version) fails closed: every call of that task is refused with
// the problems.
import { z } from 'zod';
import { ApprovalModeSchema, PolicyRuleSchema, TimeoutDecisionSchema, type ApprovalMode, type PolicyRule, type TimeoutDecision } from '../../../src-shared/contract/methods/policy';
import { formatIssues } from '../../../src-shared/protocol/errors';
import { prefixProblem } from './command-prefix';

export interface TaskPolicy {
  rules: PolicyRule[];
  mode?: ApprovalMode;
  timeoutSeconds?: number;
  /** What this run's requests become when nobody answers in time; unset: the Settings choice. */
  timeoutDecision?: TimeoutDecision;
}

const TaskPolicySchema = z.preprocess((v) => (Array.isArray(v) ? { rules: v } : v),
  z.object({
    rules: z.array(PolicyRuleSchema).default([]),
    mode: ApprovalModeSchema.optional(),
    timeout_seconds: z.number().int().min(1).max(7 * 24 * 3600).optional(),
    timeout_decision: TimeoutDecisionSchema.optional(),
  }).strict().transform((p) => ({ rules: p.rules, mode: p.mode, timeoutSeconds: p.timeout_seconds, timeoutDecision: p.timeout_decision })));

export function readTaskPolicy(metadata: Record<string, unknown>): { ok: true; policy: TaskPolicy } | { ok: false; issues: string[] } {
  const raw = metadata.policy;
  if (raw === undefined || raw === null) return { ok: true, policy: { rules: [] } };
  const parsed = TaskPolicySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: formatIssues(parsed.error).map(prefixed) };
  const p = parsed.data;
  const prefixIssues = p.rules.flatMap((r, i) => {
    const problem = r.prefix ? prefixProblem(r.prefix) : null;
    return problem ? [`metadata.policy.rules[${i}].prefix: ${JSON.stringify(r.prefix)} ${problem}`] : [];
  });
  if (prefixIssues.length > 0) return { ok: false, issues: prefixIssues };
  return {
    ok: true,
    policy: {
      rules: p.rules, ...(p.mode ? { mode: p.mode } : {}), ...(p.timeoutSeconds ? { timeoutSeconds: p.timeoutSeconds } : {}),
      ...(p.timeoutDecision ? { timeoutDecision: p.timeoutDecision } : {}),
    },
  };
}

function prefixed(issue: string): string {
  if (issue.startsWith('(root)')) return `metadata.policy${issue.slice('(root)'.length)}`;
  return issue.startsWith('[') ? `metadata.policy${issue}` : `metadata.policy.${issue}`;
}
