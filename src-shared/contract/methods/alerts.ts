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

export const AlertChannelViewSchema = z.object({ index: z.number(), kind: z.string(), label: z.string(), severity: z.string().nullable(), signed: z.boolean() });

export const AlertSettingsViewSchema = z.object({
  channels: z.array(AlertChannelViewSchema),
  after_attempts: z.number().nullable(),
  after_minutes_stale: z.number().nullable(),
  approval_escalate_minutes: z.number().nullable(),
  approval_deadline_minutes: z.number().nullable(),
  approval_default_decision: z.enum(['denied', 'abort', 'approved']),
  max_delivery_attempts: z.number(),
});

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
    summary: 'Sends a test alert through the Settings channel with this index.',
    input: z.object({ index: z.number().int().min(0).max(1000) }).strict(),
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
      approval_deadline_minutes: z.number().nullable().optional(),
      approval_default_decision: z.enum(['denied', 'abort', 'approved']).optional(),
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
    summary: 'Removes the Settings alert channel with this index.',
    input: z.object({ index: z.number().int().min(0).max(1000) }).strict(),
    output: Ok,
    invalidates: ['alerts', 'settings'],
  }),
} as const;
