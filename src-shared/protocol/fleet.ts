// The fleet wire protocol (specs, runs, tasks, workers, events, receipts; the Rust reference
// implementation's serde types) as zod schemas.
//
// Contract: `Schema.parse(json)` accepts exactly what the reference implementation's serde derives accept (serde_json
// 1.x, serde_json::from_value on the parsed document) and yields the normalized value that
// serde_json::to_string writes back, so `stringifyWire(Schema.parse(v))` is the serde round trip
// (wire-types.ts only adds the float-vs-integer spelling of f64/f32 fields, which a JS number
// cannot carry). Numbers should come from parseJsonLossless so that `1.0` and u64 values beyond
// 2^53 keep their meaning. Where serde's behaviour was surprising, the rule is written next to it.
import { z } from 'zod';
import { describeValue } from './errors';
import { compareUtf8, FloatLiteral, formatFloat } from './json-lossless';

export const FLEET_PROTOCOL_VERSION = '0.1.0';

// ---------------------------------------------------------------------------------------------
// serde building blocks

const INVALID: unique symbol = Symbol('invalid');
type Invalid = typeof INVALID;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

interface Check {
  /** Records a problem at `path` (relative to the value being checked). */
  report(message: string, path?: PropertyKey[]): Invalid;
  /** Parses `value` with another schema, re-homing its issues under `path`. */
  forward<S extends z.ZodType>(schema: S, value: unknown, path?: PropertyKey[]): z.output<S> | Invalid;
}

/** A schema written as a function: accepts anything, returns T or reports. Not optional-in. */
function serde<T>(check: (v: unknown, c: Check) => T | Invalid) {
  return z.custom<unknown>().transform((v, ctx): T => {
    const c: Check = {
      report(message, path = []) {
        ctx.addIssue({ code: 'custom', message, path, input: v });
        return INVALID;
      },
      forward(schema, value, path = []) {
        const r = schema.safeParse(value);
        if (r.success) return r.data;
        for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: [...path, ...issue.path] } as never);
        return INVALID;
      },
    };
    const out = check(v, c);
    return out === INVALID ? z.NEVER : out;
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof FloatLiteral);
}

/** Sets obj[key] even for "__proto__" (plain assignment would replace the prototype). */
function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

const required = (what: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? 'required' : `expected ${what}, got ${describeValue(iss.input)}`;

const str = () => z.string({ error: required('a string') });
const bool = () => z.boolean({ error: required('true or false') });
/** PathBuf: a JSON string, written back unchanged. */
const path = () => z.string({ error: required('a path string') });

// Integers. serde_json hands a visitor u64 / i64 for integer literals and f64 for anything with
// `.`/`e` (and for `-0`); integer visitors reject f64 ("invalid type: floating point `1`, expected
// u32") and range-check the rest ("invalid value: integer `65536`, expected u16").
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function integer<T extends number | bigint>(min: bigint, max: bigint) {
  const lo = Number(min);
  const hi = Number(max);
  const expected = `expected an integer from ${min} to ${max}`;
  return serde<T>((v, c) => {
    if (v === undefined) return c.report('required');
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      if (v >= lo && v <= hi) return v as T;
    } else if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
      // bigint from the lossless parser; an integral unsafe number from a plain JSON.parse.
      const n = BigInt(v);
      if (n >= min && n <= max) return (n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n) as T;
    }
    return c.report(`${expected}, got ${describeValue(v)}`);
  });
}
const u16 = () => integer<number>(0n, 65535n);
const i32 = () => integer<number>(-(2n ** 31n), 2n ** 31n - 1n);
const u32 = () => integer<number>(0n, 2n ** 32n - 1n);
/** u64 (and usize): a number up to 2^53 − 1, a bigint beyond. */
const u64 = () => integer<number | bigint>(0n, 2n ** 64n - 1n);

/** f64: any JSON number (serde's f64 visitor takes u64/i64 too). */
function toF64(v: unknown, c: Check): number | Invalid {
  if (v === undefined) return c.report('required');
  if (typeof v === 'number') return Number.isFinite(v) ? v : c.report('number out of range');
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof FloatLiteral) return v.value;
  return c.report(`expected a number, got ${describeValue(v)}`);
}
const f64 = () => serde<number>(toF64);
/**
 * f32: the f64 cast to f32 (`as f32`: nearest, overflow to ±inf), given back as the shortest
 * decimal that round-trips through f32 (0.1 stays 0.1). serde_json writes a non-finite f32 as null.
 */
const f32 = () =>
  serde<number>((v, c) => {
    const f = toF64(v, c);
    if (f === INVALID) return f;
    const x = Math.fround(f);
    return Number.isFinite(x) ? Number(formatFloat(x, 32)) : x;
  });

/** Option<T> + skip_serializing_if = "Option::is_none": null or absent in, absent out. */
function skipNone<S extends z.ZodType>(inner: S) {
  return inner
    .nullable()
    .transform((v): z.output<S> | undefined => v ?? undefined)
    .optional();
}
/** Option<T> without skip_serializing_if: null or absent in (serde treats a missing Option as None), `null` out. */
function nullIfNone<S extends z.ZodType>(inner: S) {
  return inner
    .nullable()
    .optional()
    .transform((v): z.output<S> | null => v ?? null);
}

/** Vec<T>. With #[serde(default)] only a *missing* field defaults; `null` stays an error. */
const list = <S extends z.ZodType>(item: S) => z.array(item, { error: required('a list (JSON array)') });
const defaultList = <S extends z.ZodType>(item: S) => list(item).default(() => []);

/** serde_json::Value, normalized as serde_json (without preserve_order) writes it. */
export type JsonValue = null | boolean | number | bigint | string | FloatLiteral | JsonValue[] | { [key: string]: JsonValue };

const I64_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;

function jsonValue(v: unknown, at: PropertyKey[], c: Check): JsonValue | Invalid {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : c.report('number out of range', at);
    case 'bigint':
      // serde_json keeps integers within i64/u64; larger literals are parsed as f64.
      return v >= I64_MIN && v <= U64_MAX ? v : new FloatLiteral(Number(v));
    case 'object': {
      if (v === null || v instanceof FloatLiteral) return v;
      if (Array.isArray(v)) {
        const out: JsonValue[] = [];
        let ok = true;
        for (let k = 0; k < v.length; k++) {
          const item = jsonValue(v[k], [...at, k], c);
          if (item === INVALID) ok = false;
          else out.push(item);
        }
        return ok ? out : INVALID;
      }
      return sortedMap(v as Record<string, unknown>, at, c, jsonValue);
    }
    default:
      return c.report(`expected a JSON value, got ${describeValue(v)}`, at);
  }
}

/** BTreeMap<String, V>: keys come out in UTF-8 byte order (see compareUtf8). */
function sortedMap<V>(
  v: Record<string, unknown>,
  at: PropertyKey[],
  c: Check,
  value: (item: unknown, at: PropertyKey[], c: Check) => V | Invalid,
): Record<string, V> | Invalid {
  const out: Record<string, V> = {};
  let ok = true;
  for (const key of Object.keys(v).sort(compareUtf8)) {
    const item = value(v[key], [...at, key], c);
    if (item === INVALID) ok = false;
    else define(out, key, item);
  }
  return ok ? out : INVALID;
}

function mapOf<V>(value: (item: unknown, at: PropertyKey[], c: Check) => V | Invalid) {
  return serde<Record<string, V>>((v, c) => {
    if (v === undefined) return c.report('required');
    if (!isObject(v)) return c.report(`expected a map (JSON object), got ${describeValue(v)}`);
    return sortedMap(v, [], c, value);
  });
}
/** #[serde(default)] BTreeMap<String, String>. */
const labels = () =>
  mapOf<string>((item, at, c) => (typeof item === 'string' ? item : c.report(`expected a string, got ${describeValue(item)}`, at))).default(() => ({}));
/** #[serde(default)] BTreeMap<String, serde_json::Value>. */
const valueMap = () => mapOf<JsonValue>(jsonValue).default(() => ({}));

/**
 * A struct: a JSON object (unknown keys dropped, output in declaration order) or — serde's
 * sequence form — a JSON array of the fields in declaration order. In the sequence form only
 * fields with #[serde(default)] may be left off the end ("invalid length"): unlike a missing key,
 * a missing element is not None for a plain Option. `seqDefaults: null` = no sequence form
 * (#[serde(flatten)] makes serde use deserialize_map).
 */
function struct<S extends z.core.$ZodLooseShape>(name: string, shape: S, seqDefaults: readonly (keyof S & string)[] | null = []) {
  const keys = Object.keys(shape);
  const what = seqDefaults ? 'a JSON object or array' : 'a JSON object';
  const object = z.object(shape, {
    error: (iss) => (iss.code === 'invalid_type' ? required(`${name} (${what})`)(iss) : undefined),
  });
  return z.preprocess((v, ctx) => {
    if (v instanceof FloatLiteral) {
      // A class instance, so z.object would take it for a struct; it is a JSON number.
      ctx.addIssue({ code: 'custom', message: required(`${name} (${what})`)({ input: v }), input: v });
      return v;
    }
    if (!Array.isArray(v) || !seqDefaults) return v;
    if (v.length > keys.length) {
      ctx.addIssue({ code: 'custom', message: `invalid length ${v.length}, expected struct ${name} with at most ${keys.length} elements`, input: v });
      return v;
    }
    const out: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (k < v.length) out[key] = v[k];
      else if (!seqDefaults.includes(key)) {
        ctx.addIssue({ code: 'custom', message: `invalid length ${v.length}, expected struct ${name} with ${keys.length} elements (${key} has no default)`, input: v });
        return v;
      }
    }
    return out;
  }, object);
}

/**
 * A fieldless enum with rename_all = "snake_case" (externally tagged): the variant name as a
 * string. serde_json also accepts the map form `{"running": null}`.
 */
function unitEnum<const V extends readonly string[]>(name: string, variants: V) {
  const expected = variants.join(', ');
  return serde<V[number]>((v, c) => {
    if (v === undefined) return c.report('required');
    let variant: unknown = v;
    if (isObject(v)) {
      const keys = Object.keys(v);
      if (keys.length !== 1) return c.report(`expected a ${name} name (one of ${expected}), got an object with ${keys.length} keys`);
      variant = keys[0];
      if (v[keys[0]!] !== null) return c.report(`expected null for a unit variant, got ${describeValue(v[keys[0]!])}`, [keys[0]!]);
    }
    if (typeof variant !== 'string') return c.report(`expected a ${name} name (one of ${expected}), got ${describeValue(v)}`);
    if (!variants.includes(variant)) return c.report(`unknown variant ${JSON.stringify(variant)}, expected one of ${expected}`);
    return variant;
  });
}

type Variants = Record<string, z.ZodType | null>; // null: unit variant
type TaggedOutput<Tag extends string, V extends Variants> = {
  [K in keyof V & string]: Simplify<{ [P in Tag]: K } & (V[K] extends z.ZodType ? z.output<V[K]> : unknown)>;
}[keyof V & string];

/**
 * #[serde(tag = "...")] internally tagged enum. serde buffers the whole map, takes the tag (it may
 * come anywhere; missing → "missing field", unknown → "unknown variant") and deserializes the rest
 * as the variant: unit variants ignore other keys, struct variants drop unknown ones. serde also
 * accepts the sequence form `[tag, field1, ...]` (a unit variant then takes no more elements).
 * Output: the tag first, then the variant's fields.
 *
 * `indexTag`: under #[serde(flatten)] the tag is read from serde's buffered Content, whose
 * identifier deserializer also takes an unsigned integer as the variant index (`"state": 5` is
 * running_tool). Without flatten serde_json only takes a string.
 */
function taggedEnum<const Tag extends string, const V extends Variants>(name: string, tag: Tag, variants: V, options: { indexTag?: boolean } = {}) {
  const names = Object.keys(variants);
  const expected = names.join(', ');
  return serde<TaggedOutput<Tag, V>>((v, c) => {
    if (v === undefined) return c.report('required');
    let tagValue: unknown;
    let content: unknown = v;
    if (Array.isArray(v)) {
      if (v.length === 0) return c.report(`missing the variant name (${tag}): expected one of ${expected}`);
      tagValue = v[0];
      content = v.slice(1);
    } else if (isObject(v)) {
      if (!Object.prototype.hasOwnProperty.call(v, tag)) return c.report(`required; expected one of ${expected}`, [tag]);
      tagValue = v[tag];
    } else {
      return c.report(`expected ${name} (a JSON object with a "${tag}" field), got ${describeValue(v)}`);
    }
    const at = Array.isArray(v) ? [0] : [tag];
    let variant: string | undefined;
    if (typeof tagValue === 'string') {
      if (!names.includes(tagValue)) return c.report(`unknown variant ${JSON.stringify(tagValue)}, expected one of ${expected}`, at);
      variant = tagValue;
    } else if (options.indexTag && (typeof tagValue === 'bigint' || (typeof tagValue === 'number' && Number.isInteger(tagValue))) && tagValue >= 0) {
      variant = names[Number(tagValue)];
      if (variant === undefined) return c.report(`invalid variant index ${tagValue}, expected 0 <= i < ${names.length}`, at);
    } else {
      return c.report(`expected a variant name (one of ${expected}), got ${describeValue(tagValue)}`, at);
    }
    const schema = variants[variant];
    if (!schema) {
      if (Array.isArray(content) && content.length > 0) return c.report(`invalid length ${content.length}, expected 0 elements after unit variant ${variant}`);
      return { [tag]: variant } as TaggedOutput<Tag, V>;
    }
    const fields = c.forward(schema, content);
    if (fields === INVALID) return INVALID;
    return { [tag]: variant, ...(fields as object) } as TaggedOutput<Tag, V>;
  });
}

// ---------------------------------------------------------------------------------------------
// The reference implementation's types, in its order.

/** FleetRunId(pub String): a newtype struct is its inner value on the wire. */
export const FleetRunIdSchema = str();
export type FleetRunId = z.output<typeof FleetRunIdSchema>;

export const FLEET_RUN_STATUSES = ['pending', 'queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export const FleetRunStatusSchema = unitEnum('FleetRunStatus', FLEET_RUN_STATUSES);
export type FleetRunStatus = z.output<typeof FleetRunStatusSchema>;

/** Custom Serialize/Deserialize: a flat string; unknown kinds are kept (Other(String)). */
export const KNOWN_ARTIFACT_KINDS = ['log', 'patch', 'test_result', 'report', 'checkpoint', 'receipt'] as const;
export const FleetArtifactKindSchema = z.string({ error: required('an artifact kind string') }).transform((s): (typeof KNOWN_ARTIFACT_KINDS)[number] | (string & {}) => s);
export type FleetArtifactKind = z.output<typeof FleetArtifactKindSchema>;

export const FleetArtifactRefSchema = struct(
  'FleetArtifactRef',
  {
    kind: FleetArtifactKindSchema,
    path: path(),
    checksum: skipNone(str()),
    mime_type: skipNone(str()),
    size_bytes: nullIfNone(u64()), // #[serde(default)] Option<u64>, no skip: written as null
  },
  ['size_bytes'],
);
export type FleetArtifactRef = z.output<typeof FleetArtifactRefSchema>;

export const FleetScorerSpecSchema = taggedEnum('FleetScorerSpec', 'kind', {
  exit_code: null,
  file_exists: struct('FleetScorerSpec::FileExists', { path: path() }),
  regex_match: struct('FleetScorerSpec::RegexMatch', { path: path(), pattern: str() }),
  json_path: struct('FleetScorerSpec::JsonPath', { path: path(), expression: str() }),
  manual: null,
});
export type FleetScorerSpec = z.output<typeof FleetScorerSpecSchema>;

export const FleetRetryPolicySchema = struct(
  'FleetRetryPolicy',
  {
    // #[serde(default = "default_retry_*")]: the reference implementation's non-zero defaults, per field.
    max_attempts: u32().default(3),
    initial_backoff_seconds: u64().default(5),
    max_backoff_seconds: u64().default(300),
    backoff_multiplier: u32().default(2),
  },
  ['max_attempts', 'initial_backoff_seconds', 'max_backoff_seconds', 'backoff_multiplier'],
);
export type FleetRetryPolicy = z.output<typeof FleetRetryPolicySchema>;
/** impl Default for FleetRetryPolicy. */
export const DEFAULT_RETRY_POLICY: Readonly<FleetRetryPolicy> = Object.freeze({
  max_attempts: 3,
  initial_backoff_seconds: 5,
  max_backoff_seconds: 300,
  backoff_multiplier: 2,
});

export const FleetAlertChannelSchema = taggedEnum('FleetAlertChannel', 'kind', {
  slack: struct('FleetAlertChannel::Slack', { webhook_url: str() }),
  webhook: struct('FleetAlertChannel::Webhook', { url: str(), secret: nullIfNone(str()) }),
  pager_duty: struct('FleetAlertChannel::PagerDuty', { routing_key: str(), severity: str() }),
});
export type FleetAlertChannel = z.output<typeof FleetAlertChannelSchema>;

export const FleetAlertPolicySchema = struct(
  'FleetAlertPolicy',
  {
    channels: defaultList(FleetAlertChannelSchema),
    after_attempts: nullIfNone(u32()),
    after_minutes_stale: nullIfNone(u64()),
    // Shoal's addition: how long an approval of this task may wait before it escalates (overrides
    // Settings). Left out of the JSON when absent, so a spec without it reads and writes as before.
    approval_escalate_minutes: skipNone(u64()),
  },
  ['channels', 'after_attempts', 'after_minutes_stale', 'approval_escalate_minutes'],
);
export type FleetAlertPolicy = z.output<typeof FleetAlertPolicySchema>;

export const FleetTaskSpecSchema = struct(
  'FleetTaskSpec',
  {
    id: str(),
    name: str(),
    description: skipNone(str()),
    instructions: str(),
    expected_artifacts: defaultList(FleetArtifactKindSchema),
    scorer: skipNone(FleetScorerSpecSchema),
    retry_policy: skipNone(FleetRetryPolicySchema),
    alert_policy: skipNone(FleetAlertPolicySchema),
    timeout_seconds: nullIfNone(u64()),
    metadata: valueMap(),
  },
  ['expected_artifacts', 'timeout_seconds', 'metadata'],
);
export type FleetTaskSpec = z.output<typeof FleetTaskSpecSchema>;

export const FleetHostSpecSchema = taggedEnum('FleetHostSpec', 'kind', {
  local: null,
  ssh: struct('FleetHostSpec::Ssh', { host: str(), port: skipNone(u16()), user: skipNone(str()), identity: skipNone(path()) }),
  docker: struct('FleetHostSpec::Docker', { image: str(), args: defaultList(str()) }, ['args']),
});
export type FleetHostSpec = z.output<typeof FleetHostSpecSchema>;

export const FleetWorkerSpecSchema = struct(
  'FleetWorkerSpec',
  {
    id: str(),
    name: str(),
    host: FleetHostSpecSchema,
    labels: labels(),
    capabilities: defaultList(str()),
    max_concurrent_tasks: skipNone(u64()), // usize (64-bit)
  },
  ['labels', 'capabilities'],
);
export type FleetWorkerSpec = z.output<typeof FleetWorkerSpecSchema>;

export const FleetRunSchema = struct(
  'FleetRun',
  {
    id: FleetRunIdSchema,
    name: str(),
    status: FleetRunStatusSchema,
    task_specs: defaultList(FleetTaskSpecSchema),
    worker_specs: defaultList(FleetWorkerSpecSchema),
    labels: labels(),
    created_at: str(),
    updated_at: skipNone(str()),
    completed_at: skipNone(str()),
  },
  ['task_specs', 'worker_specs', 'labels'],
);
export type FleetRun = z.output<typeof FleetRunSchema>;

export const FLEET_WORKER_STATUSES = ['unknown', 'online', 'busy', 'offline', 'unhealthy', 'draining', 'retired'] as const;
export const FleetWorkerStatusSchema = unitEnum('FleetWorkerStatus', FLEET_WORKER_STATUSES);
export type FleetWorkerStatus = z.output<typeof FleetWorkerStatusSchema>;

export const FleetInboxEntrySchema = struct(
  'FleetInboxEntry',
  {
    run_id: FleetRunIdSchema,
    task_id: str(),
    priority: i32(),
    enqueued_at: str(),
    lease_deadline: nullIfNone(str()),
    attempts: u32().default(0),
  },
  ['lease_deadline', 'attempts'],
);
export type FleetInboxEntry = z.output<typeof FleetInboxEntrySchema>;

const payloadVariants = {
  queued: null,
  leased: struct('FleetWorkerEventPayload::Leased', { lease_expires_at: skipNone(str()) }),
  starting: null,
  running: null,
  model_wait: struct('FleetWorkerEventPayload::ModelWait', { model: skipNone(str()) }),
  running_tool: struct('FleetWorkerEventPayload::RunningTool', { tool: str(), call_id: skipNone(str()) }),
  heartbeat: struct('FleetWorkerEventPayload::Heartbeat', { cpu_percent: skipNone(f32()), memory_mb: skipNone(u64()) }, ['cpu_percent', 'memory_mb']),
  artifact: FleetArtifactRefSchema, // newtype variant: the ref's fields sit beside the tag
  completed: struct('FleetWorkerEventPayload::Completed', { exit_code: skipNone(i32()), summary: skipNone(str()) }, ['exit_code']),
  failed: struct('FleetWorkerEventPayload::Failed', { reason: str(), recoverable: bool().default(false) }, ['recoverable']),
  cancelled: struct('FleetWorkerEventPayload::Cancelled', { cancelled_by: skipNone(str()) }),
  interrupted: struct('FleetWorkerEventPayload::Interrupted', { signal: skipNone(str()) }),
  stale: struct('FleetWorkerEventPayload::Stale', { last_heartbeat_at: skipNone(str()) }),
  restarted: struct('FleetWorkerEventPayload::Restarted', { restart_count: u32().default(0) }, ['restart_count']),
  escalated: struct('FleetWorkerEventPayload::Escalated', { channel: str(), alert_id: skipNone(str()) }),
} as const;

export const FleetWorkerEventPayloadSchema = taggedEnum('FleetWorkerEventPayload', 'state', payloadVariants);
export type FleetWorkerEventPayload = z.output<typeof FleetWorkerEventPayloadSchema>;
export type FleetWorkerEventState = FleetWorkerEventPayload['state'];

// The envelope's own fields; #[serde(flatten)] means no sequence form.
const eventHeadShape = {
  seq: u64(),
  run_id: FleetRunIdSchema,
  worker_id: str(),
  task_id: str(),
  timestamp: str(),
  extra: valueMap(), // #[serde(default)], skip_serializing_if = "BTreeMap::is_empty"
};
const EventHeadSchema = struct('FleetWorkerEvent', eventHeadShape, null);
const FlattenedPayloadSchema = taggedEnum('FleetWorkerEventPayload', 'state', payloadVariants, { indexTag: true });

type EventHead = Omit<z.output<typeof EventHeadSchema>, 'extra'>;
type WithExtra<P> = P extends unknown ? Simplify<EventHead & P & { extra?: Record<string, JsonValue> }> : never;

/**
 * FleetWorkerEvent: `{seq, run_id, worker_id, task_id, timestamp, state, ...payload fields, extra?}`.
 * The envelope takes its own keys (including `extra`); the payload sees only the rest.
 */
export const FleetWorkerEventSchema = serde<WithExtra<FleetWorkerEventPayload>>((v, c) => {
  if (v === undefined) return c.report('required');
  if (!isObject(v)) return c.report(`expected FleetWorkerEvent (a JSON object), got ${describeValue(v)}`);
  const head = c.forward(EventHeadSchema, v);
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(v)) if (!Object.prototype.hasOwnProperty.call(eventHeadShape, key)) define(rest, key, v[key]);
  const payload = c.forward(FlattenedPayloadSchema, rest);
  if (head === INVALID || payload === INVALID) return INVALID;
  const { extra, ...envelope } = head;
  const out: Record<string, unknown> = { ...envelope, ...payload };
  if (Object.keys(extra).length > 0) out.extra = extra;
  return out as WithExtra<FleetWorkerEventPayload>;
});
export type FleetWorkerEvent = z.output<typeof FleetWorkerEventSchema>;

export const FLEET_TASK_RESULTS = ['pass', 'fail', 'skip', 'timeout'] as const;
export const FleetTaskResultSchema = unitEnum('FleetTaskResult', FLEET_TASK_RESULTS);
export type FleetTaskResult = z.output<typeof FleetTaskResultSchema>;

export const FleetScoreSchema = struct('FleetScore', { value: f64(), max: skipNone(f64()), notes: skipNone(str()) });
export type FleetScore = z.output<typeof FleetScoreSchema>;

export const FleetReceiptSchema = struct(
  'FleetReceipt',
  {
    run_id: FleetRunIdSchema,
    task_id: str(),
    worker_id: str(),
    completed_at: str(),
    result: FleetTaskResultSchema,
    artifacts: defaultList(FleetArtifactRefSchema),
    score: nullIfNone(FleetScoreSchema),
  },
  ['artifacts', 'score'],
);
export type FleetReceipt = z.output<typeof FleetReceiptSchema>;
