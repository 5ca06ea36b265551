// Threads: conversations with a model, and one-shot prompts. A message is
// answered asynchronously: the reply streams as `frame` server events (response_start / _delta /
// _end, tool calls), and the store holds every message.
import { z } from 'zod';
import { defineMethod } from '../define';
import { ThreadResponseSchema } from '../runtime-views';
import { Id } from './common';

const ThreadRef = z.object({ threadId: Id }).strict();
const History = z.array(z.unknown()).max(10_000);
const Path = z.string().max(4096);

export const threadMethods = {
  'threads.list': defineMethod({
    name: 'threads.list',
    summary: 'Threads, most recently active first; archived ones only when asked; optionally matching a search.',
    input: z.object({ includeArchived: z.boolean().default(false), limit: z.number().int().min(1).max(500).default(100), query: z.string().max(200).optional() }).strict(),
    output: ThreadResponseSchema,
    invalidates: [],
  }),
  'threads.read': defineMethod({
    name: 'threads.read',
    summary: 'One thread with its messages (the latest 500), its "latest" checkpoint and the reply in progress.',
    input: ThreadRef,
    output: ThreadResponseSchema,
    invalidates: [],
  }),
  'threads.create': defineMethod({
    name: 'threads.create',
    summary: 'A new, empty thread with the default provider and its own scratch folder.',
    input: z.object({}).strict(),
    output: ThreadResponseSchema,
    invalidates: ['threads'],
  }),
  'threads.start': defineMethod({
    name: 'threads.start',
    summary: 'A new thread with a name, working folder, provider or model; with history it carries on an imported conversation.',
    input: z.object({
      name: z.string().max(200).optional(),
      cwd: Path.optional(),
      modelProvider: Id.optional(),
      model: z.string().max(200).optional(),
      source: z.enum(['interactive', 'api']).optional(),
      history: History.optional(),
    }).strict(),
    output: ThreadResponseSchema,
    invalidates: ['threads'],
  }),
  'threads.resume': defineMethod({
    name: 'threads.resume',
    summary: 'Loads a thread to carry on (an archived one comes back, idle); a folder, model or provider given is the thread\'s from then on; an unknown thread is answered with status "missing".',
    input: z.object({ threadId: Id, history: History.optional(), model: z.string().max(200).optional(), modelProvider: Id.optional(), cwd: Path.optional() }).strict(),
    output: ThreadResponseSchema,
    invalidates: ['threads'],
  }),
  'threads.fork': defineMethod({
    name: 'threads.fork',
    summary: 'A new thread that continues this one\'s conversation from here; the original is untouched.',
    input: z.object({ threadId: Id, modelProvider: Id.optional(), cwd: Path.optional() }).strict(),
    output: ThreadResponseSchema,
    invalidates: ['threads'],
  }),
  'threads.setName': defineMethod({
    name: 'threads.setName',
    summary: 'Renames a thread.',
    input: z.object({ threadId: Id, name: z.string().trim().min(1, 'required').max(200) }).strict(),
    output: ThreadResponseSchema,
    invalidates: ['threads'],
  }),
  'threads.archive': defineMethod({ name: 'threads.archive', summary: 'Hides a thread from the default list (a reply in progress is stopped).', input: ThreadRef, output: ThreadResponseSchema, invalidates: ['threads'] }),
  'threads.unarchive': defineMethod({ name: 'threads.unarchive', summary: 'Brings an archived thread back.', input: ThreadRef, output: ThreadResponseSchema, invalidates: ['threads'] }),
  'threads.message': defineMethod({
    name: 'threads.message',
    summary: 'Sends a message; the model\'s reply streams as frames and its tool calls go through the exec policy.',
    input: z.object({ threadId: Id, input: z.string().trim().min(1, 'the message is empty').max(100_000) }).strict(),
    output: ThreadResponseSchema,
    invalidates: ['threads'],
  }),
  'threads.interrupt': defineMethod({ name: 'threads.interrupt', summary: 'Stops the reply in progress.', input: ThreadRef, output: ThreadResponseSchema, invalidates: ['threads'] }),
  'threads.prompt': defineMethod({
    name: 'threads.prompt',
    summary: 'One answer from the model, without tools; recorded in a thread when one is named.',
    input: z.object({ prompt: z.string().trim().min(1, 'required').max(100_000), model: z.string().max(200).optional(), threadId: Id.optional() }).strict(),
    output: z.object({ output: z.string(), model: z.string(), provider: z.string(), responseId: z.string() }),
    invalidates: ['threads'],
  }),
  'threads.toSpec': defineMethod({
    name: 'threads.toSpec',
    summary: 'A fleet task spec (YAML) from a thread, to review and launch with specs.launch.',
    input: z.object({ threadId: Id, agent: z.enum(['claude-code', 'codex', 'shell']).default('claude-code') }).strict(),
    output: z.object({ text: z.string(), filename: z.string(), workspace: z.string().nullable() }),
    invalidates: [],
  }),
} as const;
