// The person's side of the policy, stored in the settings table: their rules (the first layer) and
// the options (approval mode, how long an agent waits). Every change is written to the audit log.
// Read fresh on every call so a rule added from the CLI or another window applies at once.
import type { ApprovalMode, PolicyRule } from '../../../src-shared/contract/methods/policy';
import { PolicyRuleSchema } from '../../../src-shared/contract/methods/policy';
import { ShoalError } from '../../../src-shared/contract/envelope';
import type { Store } from '../store/open';
import { DEFAULT_APPROVAL_MODE, DEFAULT_APPROVAL_TIMEOUT_SECONDS } from '../policy/defaults';
import type { AuditLog } from './audit-log';

export interface PolicyOptions {
  mode: ApprovalMode;
  timeoutSeconds: number;
}

const RULES_KEY = 'policy.rules';
const OPTIONS_KEY = 'policy.options';

export class PolicySettings {
  private readonly getStmt;
  private readonly putStmt;

  constructor(private readonly store: Store, private readonly audit: AuditLog) {
    this.getStmt = store.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.putStmt = store.db.prepare<[string, string, string]>(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
  }

  rules(): PolicyRule[] {
    const raw = this.read(RULES_KEY);
    if (!Array.isArray(raw)) return [];
    // A hand-edited row with a broken rule loses that rule, never the others.
    return raw.flatMap((r) => {
      const parsed = PolicyRuleSchema.safeParse(r);
      return parsed.success ? [parsed.data] : [];
    });
  }

  options(): PolicyOptions {
    const raw = (this.read(OPTIONS_KEY) ?? {}) as Partial<PolicyOptions>;
    return {
      mode: raw.mode ?? DEFAULT_APPROVAL_MODE,
      timeoutSeconds: typeof raw.timeoutSeconds === 'number' && raw.timeoutSeconds > 0 ? raw.timeoutSeconds : DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    };
  }

  setOptions(patch: Partial<PolicyOptions>, actor: string): PolicyOptions {
    const next = { ...this.options(), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    this.store.db.transaction(() => {
      this.write(OPTIONS_KEY, next);
      this.audit.append({ actor, action: 'policy.options', subject: null, detail: next });
    }).immediate();
    return next;
  }

  /** Adds a rule, or replaces the rule with the same id. */
  saveRule(rule: PolicyRule, actor: string, opts: { expectNew?: boolean } = {}): PolicyRule {
    return this.store.db.transaction(() => {
      const rules = this.rules();
      const at = rules.findIndex((r) => r.id === rule.id);
      if (at >= 0 && opts.expectNew) throw new ShoalError('conflict', `A rule with id "${rule.id}" already exists.`, [`id: "${rule.id}" is already used`]);
      if (at >= 0) rules[at] = rule;
      else rules.push(rule);
      this.write(RULES_KEY, rules);
      this.audit.append({ actor, action: at >= 0 ? 'policy.rule_updated' : 'policy.rule_added', subject: rule.id, detail: rule });
      return rule;
    }).immediate();
  }

  deleteRule(id: string, actor: string): boolean {
    return this.store.db.transaction(() => {
      const rules = this.rules();
      const rule = rules.find((r) => r.id === id);
      if (!rule) return false;
      this.write(RULES_KEY, rules.filter((r) => r.id !== id));
      this.audit.append({ actor, action: 'policy.rule_deleted', subject: id, detail: rule });
      return true;
    }).immediate();
  }

  /** A fresh id for a rule made from an approval: `allow-git-push`, `allow-git-push-2`, … */
  freeRuleId(base: string): string {
    const taken = new Set(this.rules().map((r) => r.id));
    const stem = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'rule';
    if (!taken.has(stem)) return stem;
    for (let n = 2; ; n++) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
  }

  private read(key: string): unknown {
    const row = this.getStmt.get(key);
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return undefined;
    }
  }

  private write(key: string, value: unknown): void {
    this.putStmt.run(key, JSON.stringify(value), new Date().toISOString());
  }
}
