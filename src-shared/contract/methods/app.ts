// App-level methods: identity, a transport round-trip, user settings.
import { z } from 'zod';
import { defineMethod } from '../define';
import { AppInfoSchema } from '../views';

const Theme = z.enum(['system', 'light', 'dark']);
const SettingsSchema = z.object({ theme: Theme, notifications: z.boolean() });

export const appMethods = {
  'app.info': defineMethod({
    name: 'app.info',
    summary: 'What this Shoal is: version, transport, where its data lives.',
    input: z.object({}).strict(),
    output: AppInfoSchema,
    invalidates: [],
  }),
  'app.echo': defineMethod({
    name: 'app.echo',
    summary: 'Round-trip check for a transport.',
    input: z.object({ text: z.string().max(10_000) }).strict(),
    output: z.object({ text: z.string(), receivedAt: z.string() }),
    invalidates: [],
  }),
  'settings.get': defineMethod({
    name: 'settings.get',
    summary: 'User settings (never secrets).',
    input: z.object({}).strict(),
    output: SettingsSchema,
    invalidates: [],
  }),
  'settings.set': defineMethod({
    name: 'settings.set',
    summary: 'Change user settings.',
    input: z.object({ theme: Theme.optional(), notifications: z.boolean().optional() }).strict(),
    output: SettingsSchema,
    invalidates: ['settings'],
  }),
} as const;
