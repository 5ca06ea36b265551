// The person's side of the policy, stored in the settings table: their rules (the first layer) and
// the options (approval mode, how long an agent waits, what a request nobody answered becomes).
// Every change is written to the audit log.
// Read fresh on every call so a rule added from the CLI or another window applies at once.
import { z } from 'zod';
import type { ApprovalMode, PolicyRule, TimeoutDecision } from '../../../src-shared/contract/methods/policy';
import { ApprovalModeSchema, PolicyRuleSchema, TimeoutDecisionSchema } from '../../../src-shared/contract/methods/policy';
import { ShoalError } from '../../../src-shared/contract/envelope';
import type { Store } from '../store/open';
import { readStoreIfThere } from '../store/read-only';
import { listOf, setting, type SettingsTable } from '../store/settings-table';
import { prefixProblem } from '../policy/command-prefix';
import { DEFAULT_APPROVAL_MODE, DEFAULT_APPROVAL_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_DECISION } from '../policy/defaults';
import type { AuditLog } from './audit-log';

export interface PolicyOptions {
  mode: ApprovalMode;
  timeoutSeconds: number;
  timeoutDecision: TimeoutDecision;
}

// A hand-edited row with a broken rule loses that rule, never the others.
const RULES = setting<PolicyRule[]>('policy.rules', listOf(PolicyRuleSchema), []);

// Each field falls back on its own, so a row written before the timeout decision existed (or with
// a value this version does not know) reads as deny and keeps its mode and wait time.
const OPTIONS = setting<PolicyOptions>('policy.options', z.object({
  mode: ApprovalModeSchema.catch(DEFAULT_APPROVAL_MODE),
  timeoutSeconds: z.number().positive().catch(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
  timeoutDecision: TimeoutDecisionSchema.catch(DEFAULT_TIMEOUT_DECISION),
}), { mode: DEFAULT_APPROVAL_MODE, timeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS, timeoutDecision: DEFAULT_TIMEOUT_DECISION });

/** The person's approval options as a store file holds them, read without opening the store for
 *  writing (`shoal validate` creates nothing): the fallbacks when there is no file or no row. */
export function readStoredPolicyOptions(dbPath: string): PolicyOptions {
  const fallback = OPTIONS.fallback;
  return readStoreIfThere(dbPath, (db) => {
    const row = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(OPTIONS.name);
    const parsed = row ? OPTIONS.schema.safeParse(JSON.parse(row.value)) : null;
    return parsed?.success ? parsed.data : { ...fallback };
  }, { ...fallback });
}

export class PolicySettings {
  constructor(private readonly store: Store, private readonly table: SettingsTable, private readonly audit: AuditLog) {}

  rules(): PolicyRule[] {
    // A copy: with no row stored the table hands out the key's one fallback array, and saveRule
    // changes the list it gets (every later read of a missing or broken row saw those rules).
    return this.table.get(RULES).map(withOrigin);
  }

  options(): PolicyOptions {
    return { ...this.table.get(OPTIONS) };
  }

  setOptions(patch: Partial<PolicyOptions>, actor: string): PolicyOptions {
    const next = { ...this.options(), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    this.audit.transaction(() => {
      this.table.set(OPTIONS, next);
      this.audit.append({ actor, action: 'policy.options', subject: null, detail: next });
    });
    return next;
  }

  /** Adds a rule, or replaces the rule with the same id. */
  saveRule(rule: PolicyRule, actor: string, opts: { expectNew?: boolean } = {}): PolicyRule {
    const problem = rule.prefix ? prefixProblem(rule.prefix) : null;
    if (problem) {
      const issue = `rule.prefix: ${JSON.stringify(rule.prefix)} ${problem}`;
      throw new ShoalError('invalid_input', issue, [issue]);
    }
    return this.audit.transaction(() => {
      const rules = this.rules();
      const at = rules.findIndex((r) => r.id === rule.id);
      if (at >= 0 && opts.expectNew) throw new ShoalError('conflict', `A rule with id "${rule.id}" already exists.`, [`id: "${rule.id}" is already used`]);
      if (at >= 0) rules[at] = rule;
      else rules.push(rule);
      this.table.set(RULES, rules);
      this.audit.append({ actor, action: at >= 0 ? 'policy.rule_updated' : 'policy.rule_added', subject: rule.id, detail: rule });
      return rule;
    });
  }

  deleteRule(id: string, actor: string): boolean {
    return this.audit.transaction(() => {
      const rules = this.rules();
      const rule = rules.find((r) => r.id === id);
      if (!rule) return false;
      this.table.set(RULES, rules.filter((r) => r.id !== id));
      this.audit.append({ actor, action: 'policy.rule_deleted', subject: id, detail: rule });
      return true;
    });
  }

  /** A fresh id for a rule made from an approval: `allow-git-push`, `allow-git-push-2`, … */
  freeRuleId(base: string): string {
    const taken = new Set(this.rules().map((r) => r.id));
    const stem = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'rule';
    if (!taken.has(stem)) return stem;
    for (let n = 2; ; n++) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
  }
}

/** A rule an "always allow" answer added before rules carried their origin: the note the gateway
 *  wrote then is the only mark (`Added when you approved approval-<uuid>.`). Read as what it is, so
 *  an old always-allow cannot outrank a built-in deny either. */
const LEGACY_APPROVAL_NOTE = /^Added when .+ approved approval-[0-9a-f-]{36}\.$/;

function withOrigin(rule: PolicyRule): PolicyRule {
  return !rule.origin && rule.action === 'allow' && rule.note !== undefined && LEGACY_APPROVAL_NOTE.test(rule.note) ? { ...rule, origin: 'approval' } : rule;
}
