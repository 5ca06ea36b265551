// User hooks on lifecycle events: a command (the event JSON on stdin) or a URL (a POST signed like
// the alert webhook). Validated with zod so every problem names its field.
import { z } from 'zod';
import { alertUrlProblem } from '../alert-config';

/** Hook events. A hook subscribes to names or to `prefix.*`. */
export const HOOK_EVENTS = [
  'run.state', // every run status change (queued, running, paused, completed, failed, cancelled)
  'run.started',
  'run.finished', // completed, failed, or cancelled with every agent stopped
  'task.state', // every task state change (queued, leased, running, review, …)
  'attempt.started',
  'attempt.finished',
  'alert.fired',
  'approval.requested',
  'approval.decided',
  // A thread's turn, as its frames stream to the window.
  'response.start',
  'response.delta', // many per reply: a hook that falls behind gets them coalesced
  'response.end',
  'tool.start',
  'tool.finish',
] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

const eventPattern = z.string().superRefine((v, ctx) => {
  const ok = (HOOK_EVENTS as readonly string[]).includes(v) || v === '*' || HOOK_EVENTS.some((e) => v.endsWith('.*') && e.startsWith(v.slice(0, -1)));
  if (!ok) ctx.addIssue({ code: 'custom', message: `unknown hook event "${v}"; expected one of ${HOOK_EVENTS.join(', ')} (or a prefix like task.*, or *)` });
});

const common = {
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"'),
  events: z.array(eventPattern).min(1, 'empty; name at least one event, e.g. ["attempt.finished"]'),
  timeout_seconds: z.number().positive('must be more than 0').max(600, 'at most 600').default(10),
};

export const HookConfigSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('command'), command: z.string().trim().min(1, 'empty; give a shell command') }).strict(),
  z.object({
    ...common, kind: z.literal('url'),
    url: z.string().superRefine((v, ctx) => {
      const p = alertUrlProblem(v);
      if (p) ctx.addIssue({ code: 'custom', message: p });
    }),
    secret: z.string().min(1, 'empty; leave it out for unsigned posts').nullable().optional(),
  }).strict(),
], { error: 'unknown hook kind; expected command or url' });
export type HookConfig = z.infer<typeof HookConfigSchema>;

export function hookMatches(hook: Pick<HookConfig, 'events'>, event: string): boolean {
  return hook.events.some((p) => p === '*' || p === event || (p.endsWith('.*') && event.startsWith(p.slice(0, -1))));
}
