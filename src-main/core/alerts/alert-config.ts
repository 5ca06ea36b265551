// What an alert channel and the alert settings may hold, validated with zod so that every problem
// names its field: `channels[1].routing_key: empty; ...`. One schema serves the spec loader (a task's
// alert_policy), Settings and the CLI. No Node imports: the checks are pure.
import { z } from 'zod';

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerDutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];

/** True for a host that never leaves this machine: plain http is allowed only there. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Why `value` is not an acceptable alert URL, or null. A URL carries a secret (Slack's webhook path,
 *  a receiver's token) and the alert's content, so it must be https unless it stays on this machine. */
export function alertUrlProblem(value: string): string | null {
  if (value.trim() === '') return 'empty; give the receiver\'s URL';
  // A sealed value was validated before it was sealed.
  if (value.startsWith('sealed:')) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a valid URL (expected https://host/path)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `scheme "${url.protocol.replace(':', '')}" is not supported; use https`;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return `must be https for a host other than this machine (got http://${url.host})`;
  // fetch refuses such a URL outright: every delivery would fail, retried to the limit.
  if (url.username || url.password) return 'must not carry a user name or password (HTTP clients refuse to send one); put the token in the path or query, or use the signing secret';
  return null;
}

const alertUrl = z.string().superRefine((v, ctx) => {
  const problem = alertUrlProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const AlertChannelConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('slack'), webhook_url: alertUrl }).strict(),
  z.object({
    kind: z.literal('webhook'),
    url: alertUrl,
    secret: z.string().min(1, 'empty; leave it out for unsigned deliveries').nullable().optional(),
  }).strict(),
  z.object({
    kind: z.literal('pager_duty'),
    routing_key: z.string().trim().min(1, 'empty; give the PagerDuty integration\'s routing key'),
    severity: z.string().superRefine((s, ctx) => {
      if (!(PAGERDUTY_SEVERITIES as readonly string[]).includes(s)) ctx.addIssue({ code: 'custom', message: `unknown severity "${s}"; expected one of ${PAGERDUTY_SEVERITIES.join(', ')}` });
    }),
  }).strict(),
], { error: 'unknown channel kind; expected slack, webhook or pager_duty' });
export type AlertChannelConfig = z.infer<typeof AlertChannelConfigSchema>;

/** Settings earlier versions kept here; the approval timeout is now the one deadline. */
const RETIRED_SETTINGS = ['approval_deadline_minutes', 'approval_default_decision'] as const;
const APPROVAL_DEADLINE_HOME = 'the approval deadline is the approval timeout now: set it and its decision (deny by default) in Settings → Exec policy (or metadata.policy.timeout_seconds and timeout_decision in a spec); a request still waiting then gets that decision, audited';

/** A copy of a stored or given value without the retired keys (an older row keeps its channels). */
export function withoutRetired(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !(RETIRED_SETTINGS as readonly string[]).includes(k)));
}

const AlertSettingsShape = z.object({
  channels: z.array(AlertChannelConfigSchema).default([]),
  after_attempts: z.number().int().min(1).nullable().default(null),
  after_minutes_stale: z.number().int().min(1).nullable().default(null),
  /** An approval waiting longer than this escalates through the alert channels; null: never. A
   *  task's alert_policy.approval_escalate_minutes overrides it for the approvals of that task. */
  approval_escalate_minutes: z.number().positive().nullable().default(null),
  /** Delivery attempts before a delivery is marked failed. */
  max_delivery_attempts: z.number().int().min(1).max(50).default(8),
}).strict();

/** Alert settings (Settings, and `shoal alerts` flags): the default policy for tasks that have none,
 *  when a waiting approval escalates, and how hard a delivery is tried. A retired key is refused
 *  saying where its setting lives now. */
export const AlertSettingsSchema = z.preprocess((v, ctx) => {
  if (v && typeof v === 'object') {
    for (const key of RETIRED_SETTINGS) if (key in v) ctx.addIssue({ code: 'custom', path: [key], message: APPROVAL_DEADLINE_HOME, input: v });
  }
  return withoutRetired(v);
}, AlertSettingsShape);
export type AlertSettings = z.infer<typeof AlertSettingsSchema>;

/** Every problem with a zod parse as `<prefix>.<field path>: <message>`. */
export function issuesOf(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((i) => {
    const tail = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    const at = `${prefix}${tail}`.replace(/^\./, '') || '(root)';
    return `${at}: ${i.message}`;
  });
}

/** Problems with a task's alert_policy (already shaped by the protocol schema): bad URLs, unknown
 *  severities, empty routing keys, each naming its field under `at`. */
export function alertPolicyIssues(policy: { channels: readonly unknown[]; approval_escalate_minutes?: unknown } | null | undefined, at: string): string[] {
  if (!policy) return [];
  const issues: string[] = [];
  const escalate = policy.approval_escalate_minutes;
  if (escalate !== undefined && escalate !== null && !(Number(escalate) >= 1)) {
    issues.push(`${at}.approval_escalate_minutes: must be at least 1 (leave it out to use the Settings value)`);
  }
  policy.channels.forEach((c, i) => {
    const parsed = AlertChannelConfigSchema.safeParse(stripNulls(c));
    if (!parsed.success) issues.push(...issuesOf(parsed.error, `${at}.channels[${i}]`));
  });
  return issues;
}

/** The protocol gives an absent webhook secret as null; the channel schema accepts both. */
function stripNulls(c: unknown): unknown {
  if (!c || typeof c !== 'object') return c;
  return Object.fromEntries(Object.entries(c as Record<string, unknown>).filter(([, v]) => v !== undefined));
}
