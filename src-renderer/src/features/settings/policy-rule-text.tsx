// How a rule reads in a list: its action as a pill, and what it matches.
import type { PolicyAction, PolicyRule } from '../../../../src-shared/contract/methods/policy';
import { StatusPill, type Tone } from '../../ui/StatusPill';

const TONE: Record<PolicyAction, Tone> = { allow: 'passed', ask: 'review', deny: 'failed' };
const WORD: Record<PolicyAction, string> = { allow: 'Allow', ask: 'Ask', deny: 'Deny' };

export function RuleAction({ action }: { action: PolicyAction }) {
  return <StatusPill tone={TONE[action]} label={WORD[action]} />;
}

export function ruleMatch(rule: Pick<PolicyRule, 'tool' | 'prefix' | 'path' | 'workspace'>): string {
  const parts = [rule.tool];
  if (rule.prefix) parts.push(`“${rule.prefix}”`);
  if (rule.path) parts.push(`path ${rule.path}`);
  if (rule.workspace) parts.push(`in ${rule.workspace}`);
  return parts.join(' ');
}
