// A run's own policy, carried by its task specs as `metadata.policy`:
//   {"rules": [{"id": "push", "tool": "exec_shell", "prefix": "git push", "action": "ask"}],
//    "mode": "untrusted", "timeout_seconds": 300, "timeout_decision": "deny"}
// (a bare array is taken as the rules). A malformed policy is listed by field path when the spec is
// checked (launch preview, `shoal validate`), so it is never launched; one that reaches an attempt
// anyway (a run stored by an older version) fails closed: every call of that task is refused with
// the problems.
// A spec may come from anyone, so it may only make the person's policy stricter: a mode that would
// let through what the person's mode asks about or refuses, or a timeout decision of approve where
// the person's is deny, is refused when the spec is checked (policyLooseningIssues, naming the
// field); the gateway judges the stricter of the two either way (evaluateForRun), for a run launched
// before the settings changed.
import { z } from 'zod';
import { APPROVAL_MODE_LABELS, ApprovalModeSchema, PolicyRuleInputSchema, TimeoutDecisionSchema, type ApprovalMode, type PolicyRule, type TimeoutDecision } from '../../../src-shared/contract/methods/policy';
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
    rules: z.array(PolicyRuleInputSchema).default([]),
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

type Outcome = 'allow' | 'ask' | 'deny';
const STRICTNESS: Record<Outcome, number> = { allow: 0, ask: 1, deny: 2 };
/** What each mode makes of a call no rule matches, one an ask rule matches, and one the policy cannot read. */
const CASES = ['a call no rule matches', 'a call an ask rule matches', 'a command the policy cannot read'] as const;
const OUTCOMES: Record<ApprovalMode, readonly [Outcome, Outcome, Outcome]> = {
  untrusted: ['ask', 'ask', 'ask'],
  'on-request': ['allow', 'ask', 'ask'],
  never: ['allow', 'deny', 'deny'],
  reject: ['deny', 'deny', 'deny'],
};
const DOES: Record<Outcome, string> = { allow: 'runs without asking', ask: 'waits for a person', deny: 'is refused' };

/** Where a run's mode is looser than the person's: the first case it lets through more, or null. */
export function modeLoosening(runMode: ApprovalMode, userMode: ApprovalMode): string | null {
  const i = OUTCOMES[runMode].findIndex((o, k) => STRICTNESS[o] < STRICTNESS[OUTCOMES[userMode][k]!]);
  if (i < 0) return null;
  return `${CASES[i]} ${DOES[OUTCOMES[runMode][i]!]} instead of ${OUTCOMES[userMode][i] === 'ask' ? 'waiting for a person' : 'being refused'}`;
}

/** The fields of a run's policy that would loosen the person's settings, as `<field>: <why>`. */
export function policyLooseningIssues(policy: TaskPolicy, user: { mode: ApprovalMode; timeoutDecision: TimeoutDecision }): string[] {
  const issues: string[] = [];
  if (policy.mode && policy.mode !== user.mode) {
    const loosens = modeLoosening(policy.mode, user.mode);
    if (loosens) {
      const allowed = (Object.keys(OUTCOMES) as ApprovalMode[]).filter((m) => modeLoosening(m, user.mode) === null).map((m) => `"${m}"`);
      issues.push(`metadata.policy.mode: "${policy.mode}" would loosen your approval mode "${user.mode}" (${APPROVAL_MODE_LABELS[user.mode]}): ${loosens}. `
        + `A spec may only make the policy stricter: use ${allowed.join(' or ')}, or leave mode out.`);
    }
  }
  if (policy.timeoutDecision === 'approve' && user.timeoutDecision !== 'approve') {
    issues.push('metadata.policy.timeout_decision: "approve" would approve requests nobody answers, but your setting denies them. '
      + 'A spec may only make the policy stricter: use "deny", or leave timeout_decision out.');
  }
  return issues;
}
