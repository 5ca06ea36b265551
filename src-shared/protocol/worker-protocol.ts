// The worker protocol: what a remote `shoal agent` and the control plane say to each other over the
// agents' WebSocket (seed 002's headless agent mode). Defined once here and validated with these
// schemas on both ends. Every frame is one JSON text message tagged by `type`.
//
// The shape of a session: the agent sends `hello` (a one-time join token, or the long-lived
// credential it was given on joining); the control plane answers `welcome` (with the highest write
// sequence it has applied, so the agent can drop what was acknowledged and replay the rest) or
// `error` and closes. Then the agent heartbeats, `claim`s work (answered by `leases`), renews its
// leases, and sends durable `write`s from its outbox, each with a sequence number the control plane
// deduplicates by (agent, sequence) and fences by the lease token (`ack` or `refused`).
//
// Tool calls inside an agent's attempts are judged by the control plane's policy, not the agent's:
// the agent's gateway sends a `judge` (fenced by the lease token like a write) and its attempt waits
// for the `verdict`, which may take as long as a person takes to answer the approval it raised.
// Judgments are not durable: an unanswered one is sent again after a reconnect (the same call id
// finds the same pending approval). A cancelled attempt gets a `stop` naming who cancelled it.
import { z } from 'zod';
import { EVENT_STATES, type EventState } from './event-states';

/** Bumped whenever a frame changes incompatibly; both ends refuse a different version. */
export const WORKER_PROTOCOL_VERSION = 2;
/** The largest frame either end accepts (ws `maxPayload`); larger artifacts go in `chunk` writes. */
export const MAX_WORKER_FRAME_BYTES = 8 * 1024 * 1024;
/** Artifacts over the inline limit go in pieces of this many bytes (base64 makes a piece about
 *  5.6 MB, well inside a frame). */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
/** The largest artifact an agent uploads at all; beyond it only the description is sent. */
export const MAX_CHUNKED_FILE_BYTES = 1024 * 1024 * 1024;
/** The path of the agents' endpoint on the control plane's agent listener. */
export const WORKER_PROTOCOL_PATH = '/agents/v1';

const Id = z.string().min(1).max(256);

/** The lease a write is about: every write is fenced by (task, attempt, lease token). */
export const LeaseRefSchema = z.object({
  run_id: Id,
  task_id: Id,
  attempt: z.number().int().min(1),
  token: z.string().min(1).max(128),
  inbox_seq: z.number().int().min(0),
}).strict();
export type LeaseRef = z.infer<typeof LeaseRefSchema>;

const EVENT_STATE_SET: ReadonlySet<string> = new Set(EVENT_STATES);
type EventPayloadFrame = { state: EventState } & Record<string, unknown>;
function isEventPayload(v: unknown): v is EventPayloadFrame {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const state = (v as { state?: unknown }).state;
  return typeof state === 'string' && EVENT_STATE_SET.has(state);
}
/** Checked by one predicate rather than a per-key object schema: every event an agent streams goes
 *  through here, up to 10,000 a frame, and the generic check cost more than storing them. */
const EventPayloadSchema = z.custom<EventPayloadFrame>(isEventPayload, { message: `expected an event: an object whose "state" is one of ${EVENT_STATES.join(', ')}` });

/** A file carried inline (artifact content or a git bundle), checked by its sha256 on arrival. */
export const InlineFileSchema = z.object({
  name: z.string().min(1).max(255).regex(/^[^/\\]+$/, 'a file name, not a path'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  data_b64: z.string(),
}).strict();
export type InlineFile = z.infer<typeof InlineFileSchema>;

const ReceiptPartSchema = z.object({ artifacts: z.array(z.record(z.string(), z.unknown())), score: z.unknown().nullable() }).strict();

/** The end of an attempt, as the local driver's AttemptOutcome. */
export const OutcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('scored'), result: z.enum(['pass', 'fail', 'timeout']), exitCode: z.number().int().nullable(), summary: z.string().optional(), reason: z.string().optional(), receipt: ReceiptPartSchema }).strict(),
  z.object({ kind: z.literal('review'), exitCode: z.number().int().nullable(), summary: z.string().optional(), receipt: ReceiptPartSchema }).strict(),
  z.object({ kind: z.literal('cancelled'), by: z.string(), receipt: ReceiptPartSchema }).strict(),
  z.object({ kind: z.literal('interrupted'), signal: z.string() }).strict(),
]);

/** The result branch `shoal/<run>/<task>`: a bundle of its commits on top of the base, or just the
 *  base commit when the agent committed nothing. A bundle too large for one frame went ahead in
 *  `chunk` writes: `bundle_upload` names that file (bundle is then null). */
export const BranchResultSchema = z.object({
  branch: z.string().min(1).max(300),
  base_commit: z.string().regex(/^[0-9a-f]{40,64}$/),
  bundle: InlineFileSchema.nullable(),
  bundle_upload: z.object({ name: InlineFileSchema.shape.name, sha256: InlineFileSchema.shape.sha256 }).strict().optional(),
}).strict();

export const WriteOpSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('starting'), workdir: z.string().nullable(), branch: z.string().nullable() }).strict(),
  z.object({ kind: z.literal('running'), pid: z.number().int().nullable() }).strict(),
  /** Timeline events; `artifact` events name files carried in `files` by their base name. */
  z.object({ kind: z.literal('events'), events: z.array(EventPayloadSchema).min(1).max(10_000), files: z.array(InlineFileSchema).max(100).optional() }).strict(),
  z.object({ kind: z.literal('finish'), outcome: OutcomeSchema, branch: BranchResultSchema.nullable() }).strict(),
  /** A snapshot of the attempt's work so far, as its partial branch `shoal-partial/<run>/<task>/attempt-<n>`
   *  (sent whenever the worktree changed): if the agent is lost, this is what the task keeps. */
  z.object({ kind: z.literal('partial'), result: BranchResultSchema.extend({ bundle: InlineFileSchema }).strict() }).strict(),
  /** One piece of an artifact too large for one frame, sent before the `events` write that names it.
   *  Each piece is checked by its own sha256 and written at its offset (a replay rewrites the same
   *  bytes); the last one checks the whole file's sha256 and size before it is stored. */
  z.object({
    kind: z.literal('chunk'), name: InlineFileSchema.shape.name, sha256: InlineFileSchema.shape.sha256, size: z.number().int().min(1).max(MAX_CHUNKED_FILE_BYTES),
    offset: z.number().int().min(0), last: z.boolean(), chunk_sha256: InlineFileSchema.shape.sha256, data_b64: z.string().min(1),
  }).strict(),
]);
export type WriteOp = z.infer<typeof WriteOpSchema>;

export const AuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('join'), token: z.string().min(1).max(256) }).strict(),
  z.object({ kind: z.literal('credential'), agent_id: Id, credential: z.string().min(1).max(256) }).strict(),
]);

/** What a tool call would do, as the gateway's policy judges it (computed where the call runs: a
 *  write's diff needs the file as it is on the agent). */
export const PolicySubjectSchema = z.object({
  tool: z.string().min(1).max(256),
  command: z.string().max(64 * 1024),
  cwd: z.string().max(4096),
  path: z.string().max(4096).optional(),
  /** The path is a folder read as a whole (a search): every path rule about a file inside it applies. */
  folder: z.boolean().optional(),
  diff: z.string().max(1024 * 1024).nullable(),
  /** Where the paths the call names really land on the agent's machine (symlinks followed there),
   *  [path, where it lands], the workdir first: path rules judge that too. */
  real_paths: z.array(z.tuple([z.string().max(4096), z.string().max(4096)])).max(512).optional(),
}).strict();
export type PolicySubjectFrame = z.infer<typeof PolicySubjectSchema>;

const Capabilities = z.array(z.string().min(1).max(64)).max(100);

/** What the agent's machine has, found when the agent starts (as a worker's Test finds it): shown on
 *  its row in the Workers view. Optional: an agent that does not say is still served. */
export const AgentHostFactsSchema = z.object({
  os: z.string().max(256).nullable(), cpus: z.number().int().min(0).max(1_000_000).nullable(), memory_mb: z.number().int().min(0).nullable(),
  git: z.string().max(128).nullable(), agents: z.array(z.object({ name: z.string().min(1).max(64), version: z.string().max(128).nullable() }).strict()).max(16),
}).strict();
export type AgentHostFacts = z.infer<typeof AgentHostFactsSchema>;

export const AgentMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'), protocol: z.number().int(), auth: AuthSchema, name: z.string().min(1).max(128), version: z.string().max(64),
    hostname: z.string().max(256), capabilities: Capabilities, max_tasks: z.number().int().min(1).max(1024), host: AgentHostFactsSchema.optional(),
  }).strict(),
  z.object({ type: z.literal('heartbeat'), running: z.number().int().min(0), cpu_percent: z.number().optional(), memory_mb: z.number().optional() }).strict(),
  z.object({ type: z.literal('claim'), max: z.number().int().min(1).max(1024) }).strict(),
  z.object({ type: z.literal('renew'), leases: z.array(LeaseRefSchema).max(1024) }).strict(),
  z.object({ type: z.literal('write'), seq: z.number().int().min(1), lease: LeaseRefSchema, op: WriteOpSchema }).strict(),
  /** A tool call an attempt is about to make: allowed, refused, or asked of a person on the control plane. */
  z.object({
    type: z.literal('judge'), id: z.number().int().min(1), lease: LeaseRefSchema, call_id: z.string().min(1).max(256),
    subject: PolicySubjectSchema, agent_reason: z.string().max(4096).nullable(),
  }).strict(),
]);
export type AgentMessage = z.infer<typeof AgentMessageSchema>;

export const GrantedLeaseSchema = z.object({
  lease: LeaseRefSchema,
  deadline_ms: z.number(),
  spec: z.record(z.string(), z.unknown()),
  /** Where the base commit comes from: a bundle the control plane serves (its path on the agent
   *  listener), or none when the run's workspace is not a git repository. */
  base: z.object({ commit: z.string(), bundle_path: z.string() }).strict().nullable(),
  /** With `metadata.resume_from_partial`: the newest partial branch of an earlier attempt, as a
   *  bundle on top of the base commit, for the attempt to start from. */
  partial: z.object({ branch: z.string().min(1).max(300), commit: z.string().regex(/^[0-9a-f]{40,64}$/), bundle: InlineFileSchema }).strict().optional(),
}).strict();
export type GrantedLease = z.infer<typeof GrantedLeaseSchema>;

export const REFUSAL_CODES = ['lease_lost', 'invalid_write', 'upload_rejected'] as const;
export const ERROR_CODES = ['bad_token', 'token_used', 'token_expired', 'revoked', 'protocol_version', 'invalid_message', 'frame_too_large', 'replaced', 'not_hello'] as const;

export const ControlMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'), protocol: z.number().int(), agent_id: Id, name: z.string(),
    /** Only on a join: the agent's long-lived credential for reconnects (stored hashed here). */
    credential: z.string().optional(),
    acked_seq: z.number().int().min(0), heartbeat_ms: z.number().int().min(1), lease_ms: z.number().int().min(1),
  }).strict(),
  z.object({ type: z.literal('leases'), leases: z.array(GrantedLeaseSchema) }).strict(),
  z.object({ type: z.literal('ack'), seq: z.number().int(), duplicate: z.boolean() }).strict(),
  z.object({ type: z.literal('refused'), seq: z.number().int().nullable(), lease: LeaseRefSchema.nullable(), code: z.enum(REFUSAL_CODES), message: z.string() }).strict(),
  /** The attempt must stop: cancelled on the control plane (`cancelled_by` says by whom; the agent
   *  reports it cancelled), or its lease was reclaimed (the agent abandons it). */
  z.object({ type: z.literal('stop'), lease: LeaseRefSchema, reason: z.string(), cancelled_by: z.string().min(1).max(256).optional() }).strict(),
  /** The answer to `judge` with the same id. `interrupt`: the attempt is being cancelled or lost. */
  z.object({ type: z.literal('verdict'), id: z.number().int().min(1), allowed: z.boolean(), message: z.string(), interrupt: z.boolean() }).strict(),
  z.object({ type: z.literal('error'), code: z.enum(ERROR_CODES), message: z.string() }).strict(),
]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: 'protocol_version' | 'invalid_message'; message: string };

/** Parses one frame: not JSON, a different protocol version, or a shape error each get a message
 *  naming what is wrong. */
function parseFrame<T>(schema: z.ZodType<T>, raw: string, side: string): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'invalid_message', message: `${side}: frame is not JSON` };
  }
  const protocol = (json as { protocol?: unknown } | null)?.protocol;
  if (protocol !== undefined && protocol !== WORKER_PROTOCOL_VERSION) {
    return { ok: false, code: 'protocol_version', message: `${side}: worker protocol ${String(protocol)} is not supported (this side speaks ${WORKER_PROTOCOL_VERSION}); run the same Shoal version on both machines` };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  const type = typeof (json as { type?: unknown } | null)?.type === 'string' ? (json as { type: string }).type : '?';
  return { ok: false, code: 'invalid_message', message: `${side}: invalid "${type}" frame: ${issue.path.join('.') || '(frame)'}: ${issue.message}` };
}

export function parseAgentMessage(raw: string): ParseResult<AgentMessage> {
  return parseFrame(AgentMessageSchema, raw, 'agent message');
}

export function parseControlMessage(raw: string): ParseResult<ControlMessage> {
  return parseFrame(ControlMessageSchema, raw, 'control plane message');
}
