// Workers a person keeps (this computer under a name of its own, SSH hosts, Docker images), the Workers view's "Add worker": test a host
// before adding it, add, list, remove. No secret crosses: an SSH key is named by its file path and
// read (then sealed) by main; only whether one is stored comes back.
import { z } from 'zod';
import { CAPABILITIES_MAX, CAPABILITY_PATTERN, CAPABILITY_RULE } from '../../protocol/capability';
import { defineMethod } from '../define';
import { Ok } from './common';
import { HostFactsSchema } from '../views';
import { DOCKER_IMAGE_MAX, dockerImageProblem } from '../../protocol/docker-image';

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** An SSH host key's fingerprint as OpenSSH prints it: "SHA256:" and 43 unpadded base64 characters. */
export const SSH_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export const KeptHostInputSchema = z.discriminatedUnion('kind', [
  /** This computer, as a worker of its own (its name, capabilities and limit). */
  z.object({ kind: z.literal('local') }).strict(),
  z.object({
    kind: z.literal('ssh'),
    host: z.string().min(1, 'required').max(255),
    port: z.number().int().min(1).max(65535).optional(),
    user: z.string().min(1).max(64).optional(),
    /** A private key file on this computer; read by main, sealed at rest. */
    identity: z.string().max(4096).optional(),
  }).strict(),
  z.object({
    kind: z.literal('docker'),
    image: z.string().max(DOCKER_IMAGE_MAX).superRefine((image, ctx) => {
      const problem = dockerImageProblem(image);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    dockerHost: z.string().max(1024).optional(),
    args: z.array(z.string().max(4096)).max(64).optional(),
    /** Only with an ssh:// docker host: the key for that SSH login, read by main and sealed as an SSH worker's. */
    identity: z.string().max(4096).optional(),
  }).strict(),
]);

export const HostCheckSchema = HostFactsSchema.extend({
  ok: z.boolean(),
  error: z.string().optional(),
  /** Set when the SSH host presented a key that is not pinned yet: the person decides. */
  unknownHostKey: z.string().nullable(),
  hostKey: z.string().nullable(),
});
export type HostCheck = z.infer<typeof HostCheckSchema>;

export const KeptWorkerSchema = z.object({
  name: z.string(),
  kind: z.enum(['local', 'ssh', 'docker']),
  target: z.string(),
  capabilities: z.array(z.string()),
  maxTasks: z.number().nullable(),
  hostKey: z.string().nullable(),
  keySealed: z.boolean(),
});
export type KeptWorkerRow = z.infer<typeof KeptWorkerSchema>;

export const hostsMethods = {
  'workers.kept': defineMethod({
    name: 'workers.kept', summary: 'Workers a person keeps (this computer under a name of its own, SSH hosts, Docker images).',
    input: z.object({}).strict(), output: z.array(KeptWorkerSchema), invalidates: [],
  }),
  'workers.test': defineMethod({
    name: 'workers.test', summary: 'Test connection: reach the host, check git, agent CLIs, CPUs, memory, OS.',
    input: z.object({ host: KeptHostInputSchema, acceptHostKey: z.string().max(200).optional() }).strict(), output: HostCheckSchema, invalidates: [],
  }),
  'workers.testKept': defineMethod({
    name: 'workers.testKept', summary: 'Test a kept worker as it is kept (its pinned host key, its sealed key): reach it, check git, agent CLIs, CPUs, memory, OS.',
    input: z.object({ name: Name }).strict(), output: HostCheckSchema, invalidates: [],
  }),
  'workers.add': defineMethod({
    name: 'workers.add', summary: 'Keep a worker (tested first; nothing is kept when it cannot be used).',
    input: z.object({
      name: Name, host: KeptHostInputSchema, acceptHostKey: z.string().max(200).optional(),
      capabilities: z.array(z.string().regex(CAPABILITY_PATTERN, `each ${CAPABILITY_RULE}`)).max(CAPABILITIES_MAX).optional(), maxTasks: z.number().int().min(1).max(1024).optional(),
    }).strict(),
    output: HostCheckSchema, invalidates: ['workers'],
  }),
  'workers.trustHostKey': defineMethod({
    name: 'workers.trustHostKey', summary: 'Trust an SSH host key a person checked: pin exactly that fingerprint for its address (never over another pinned key).',
    input: z.object({
      address: z.string().max(300).regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):\d{1,5}$/, 'address: host:port, as the host key was shown for'),
      fingerprint: z.string().regex(SSH_FINGERPRINT, 'fingerprint: SHA256: and 43 base64 characters, as shown'),
    }).strict(),
    output: Ok, invalidates: ['workers'],
  }),
  'workers.remove': defineMethod({
    name: 'workers.remove', summary: 'Forget a kept worker.', input: z.object({ name: Name }).strict(), output: Ok, invalidates: ['workers'],
  }),
} as const;
