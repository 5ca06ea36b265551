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

/** Alert settings (Settings, and `shoal alerts` flags): the default policy for tasks that have none,
 *  when a waiting approval escalates, and how hard a delivery is tried. */
export const AlertSettingsSchema = z.object({
  channels: z.array(AlertChannelConfigSchema).default([]),
  after_attempts: z.number().int().min(1).nullable().default(null),
  after_minutes_stale: z.number().int().min(1).nullable().default(null),
  /** An approval waiting longer than this escalates through the alert channels; null: never. */
  approval_escalate_minutes: z.number().positive().nullable().default(null),
  /** An approval still waiting this long is decided for the person (and audited as such); null: never. */
  approval_deadline_minutes: z.number().positive().nullable().default(null),
  approval_default_decision: z.enum(['denied', 'abort', 'approved']).default('denied'),
  /** Delivery attempts before a delivery is marked failed. */
  max_delivery_attempts: z.number().int().min(1).max(50).default(8),
}).strict();
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
export function alertPolicyIssues(policy: { channels: readonly unknown[] } | null | undefined, at: string): string[] {
  if (!policy) return [];
  const issues: string[] = [];
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
