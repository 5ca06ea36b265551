// Model providers for threads: OpenAI-compatible chat-completions endpoints. API keys go in and
// never come back out: views say `hasApiKey`.
import { z } from 'zod';
import { defineMethod } from '../define';
import { ProviderCheckSchema, ProviderViewSchema } from '../runtime-views';
import { Id, Ok } from './common';

const Fields = {
  name: z.string().max(100),
  baseUrl: z.string().max(2000),
  model: z.string().max(200),
  /** A new key; null removes the stored one; absent keeps it. */
  apiKey: z.string().max(4000).nullable().optional(),
};

export const providerMethods = {
  'providers.list': defineMethod({ name: 'providers.list', summary: 'Configured model providers (never their keys).', input: z.object({}).strict(), output: z.array(ProviderViewSchema), invalidates: [] }),
  'providers.save': defineMethod({
    name: 'providers.save',
    summary: 'Adds or updates a model provider; the API key is sealed at rest.',
    input: z.object({ id: Id.optional(), ...Fields, makeDefault: z.boolean().optional() }).strict(),
    output: ProviderViewSchema,
    invalidates: ['providers', 'threads'],
  }),
  'providers.delete': defineMethod({ name: 'providers.delete', summary: 'Removes a model provider and its key.', input: z.object({ id: Id }).strict(), output: Ok, invalidates: ['providers', 'threads'] }),
  'providers.check': defineMethod({
    name: 'providers.check',
    summary: 'Connects to a provider (saved, or as typed in the form) and says whether it works and knows the model.',
    input: z.object({ id: Id.optional(), name: Fields.name.optional(), baseUrl: Fields.baseUrl.optional(), model: Fields.model.optional(), apiKey: Fields.apiKey }).strict(),
    output: ProviderCheckSchema,
    invalidates: [],
  }),
} as const;
