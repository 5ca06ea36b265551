// Alerts: the deliveries of the alert outbox (state, attempts, last error), Retry and Send test, and
// the alert channels of Settings. Channel URLs, routing keys and secrets go in and never come out.
import { z } from 'zod';
import { defineMethod } from '../define';
import { Ok } from './common';

export const AlertDeliveryViewSchema = z.object({
  id: z.string(),
  state: z.enum(['pending', 'retrying', 'delivered', 'failed']),
  channel: z.string(),
  action: z.string(),
  rule: z.string(),
  runId: z.string().nullable(),
  taskId: z.string().nullable(),
  attempt: z.number().nullable(),
  attempts: z.number(),
  reason: z.string(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type AlertDeliveryView = z.output<typeof AlertDeliveryViewSchema>;

/** `id`: the channel's identity (a hash of it as stored), what Remove and Send test name: a position
 *  would name another channel once the list changed (in another window, from the CLI). */
export const AlertChannelViewSchema = z.object({ id: z.string(), index: z.number(), kind: z.string(), label: z.string(), severity: z.string().nullable(), signed: z.boolean() });

/** A channel as the window last read it; refused (not found) when it is no longer in Settings. */
const ChannelRef = z.object({ id: z.string().min(1).max(100) }).strict();

export const AlertSettingsViewSchema = z.object({
  channels: z.array(AlertChannelViewSchema),
  after_attempts: z.number().nullable(),
  after_minutes_stale: z.number().nullable(),
  approval_escalate_minutes: z.number().nullable(),
  max_delivery_attempts: z.number(),
});

/** A hook as a window sees it: a URL hook shows where it posts (scheme and host) and whether a
 *  signing secret is set, never the URL's path or query or the secret. */
export const HookViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['command', 'url']),
  events: z.array(z.string()),
  timeout_seconds: z.number(),
  target: z.string(),
  signed: z.boolean(),
});
export type HookView = z.output<typeof HookViewSchema>;

export const alertsMethods = {
  'alerts.list': defineMethod({
    name: 'alerts.list',
    summary: 'Alert deliveries, newest first (of one run, or one task, when given).',
    input: z.object({ runId: z.string().min(1).max(200).optional(), taskId: z.string().min(1).max(200).optional(), limit: z.number().int().min(1).max(5000).optional() }).strict(),
    output: z.object({ deliveries: z.array(AlertDeliveryViewSchema) }),
    invalidates: [],
  }),
  'alerts.retry': defineMethod({
    name: 'alerts.retry',
    summary: 'Sends a delivery again now, with the same delivery id.',
    input: z.object({ id: z.string().min(1).max(100) }).strict(),
    output: Ok,
    invalidates: ['alerts'],
  }),
  'alerts.sendTest': defineMethod({
    name: 'alerts.sendTest',
    summary: 'Sends a test alert through the Settings channel with this id.',
    input: ChannelRef,
    output: z.object({ id: z.string() }),
    invalidates: ['alerts'],
  }),
  'alerts.settings': defineMethod({
    name: 'alerts.settings',
    summary: 'The alert settings, channels described without their secrets.',
    input: z.object({}).strict(),
    output: AlertSettingsViewSchema,
    invalidates: [],
  }),
  'alerts.updateSettings': defineMethod({
    name: 'alerts.updateSettings',
    summary: 'Changes the alert settings (validated; channel URLs, keys and secrets are sealed).',
    input: z.object({
      channels: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
      after_attempts: z.number().nullable().optional(),
      after_minutes_stale: z.number().nullable().optional(),
      approval_escalate_minutes: z.number().nullable().optional(),
      max_delivery_attempts: z.number().optional(),
    }).strict(),
    output: AlertSettingsViewSchema,
    invalidates: ['alerts', 'settings'],
  }),
  'alerts.addChannel': defineMethod({
    name: 'alerts.addChannel',
    summary: 'Adds an alert channel to Settings (validated; its URL, key or secret is sealed).',
    input: z.object({ channel: z.record(z.string(), z.unknown()) }).strict(),
    output: AlertSettingsViewSchema,
    invalidates: ['alerts', 'settings'],
  }),
  'alerts.removeChannel': defineMethod({
    name: 'alerts.removeChannel',
    summary: 'Removes the Settings alert channel with this id.',
    input: ChannelRef,
    output: Ok,
    invalidates: ['alerts', 'settings'],
  }),
  'alerts.hooks': defineMethod({
    name: 'alerts.hooks',
    summary: 'The hooks on lifecycle events, without URL paths or secrets, and the events a hook can subscribe to.',
    input: z.object({}).strict(),
    output: z.object({ hooks: z.array(HookViewSchema), events: z.array(z.string()) }),
    invalidates: [],
  }),
  'alerts.addHook': defineMethod({
    name: 'alerts.addHook',
    summary: 'Adds a hook, or replaces the one with its id (validated in main: errors name the field; URL and secret are sealed).',
    input: z.object({ hook: z.record(z.string(), z.unknown()) }).strict(),
    output: z.object({ hooks: z.array(HookViewSchema) }),
    invalidates: ['alerts'],
  }),
  'alerts.testHook': defineMethod({
    name: 'alerts.testHook',
    summary: 'Runs a hook now with a sample event and says how it went.',
    input: z.object({ id: z.string().min(1).max(64), event: z.string().min(1).max(64).optional() }).strict(),
    output: z.object({ ok: z.boolean(), detail: z.string() }),
    invalidates: [],
  }),
  'alerts.removeHook': defineMethod({
    name: 'alerts.removeHook',
    summary: 'Removes the hook with this id.',
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: Ok,
    invalidates: ['alerts'],
  }),
} as const;
