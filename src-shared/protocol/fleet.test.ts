import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { formatIssues } from './errors';
import {
  DEFAULT_RETRY_POLICY,
  FLEET_PROTOCOL_VERSION,
  FleetAlertPolicySchema,
  FleetArtifactKindSchema,
  FleetArtifactRefSchema,
  FleetReceiptSchema,
  FleetRetryPolicySchema,
  FleetRunSchema,
  FleetTaskSpecSchema,
  FleetWorkerEventPayloadSchema,
  FleetWorkerEventSchema,
  type FleetAlertPolicy,
  type FleetArtifactKind,
  type FleetArtifactRef,
  type FleetHostSpec,
  type FleetInboxEntry,
  type FleetReceipt,
  type FleetRetryPolicy,
  type FleetRun,
  type FleetScorerSpec,
  type FleetTaskSpec,
  type FleetWorkerEvent,
  type FleetWorkerEventPayload,
  type FleetWorkerSpec,
} from './fleet';
import { FloatLiteral, parseJsonLossless, stringifyWire } from './json-lossless';
import { toWireValue, WIRE_TYPES, type WireTypeName } from './wire-types';

/** serde_json::from_str: the text read as serde_json reads it, then the schema. */
const fromStr = <S extends z.ZodType>(schema: S, text: string): z.output<S> => schema.parse(parseJsonLossless(text, { serdeJson: true }));

describe("the reference implementation's own tests, ported", () => {
  it('fleet_run_round_trip', () => {
    const run: FleetRun = {
      id: 'run-001',
      name: 'dogfood smoke',
      status: 'running',
      task_specs: [
        {
          id: 'task-1',
          name: 'lint',
          description: undefined,
          instructions: 'run cargo clippy',
          expected_artifacts: ['log'],
          scorer: { kind: 'exit_code' },
          retry_policy: { ...DEFAULT_RETRY_POLICY },
          alert_policy: undefined,
          timeout_seconds: 300,
          metadata: {},
        },
      ],
      worker_specs: [],
      labels: {},
      created_at: '2026-06-12T17:00:00Z',
      updated_at: undefined,
      completed_at: undefined,
    };
    const json = stringifyWire(run);
    // What serde_json::to_string(&run) writes for the same value (checked against the Rust code).
    expect(json).toBe(
      '{"id":"run-001","name":"dogfood smoke","status":"running","task_specs":[{"id":"task-1","name":"lint","instructions":"run cargo clippy","expected_artifacts":["log"],"scorer":{"kind":"exit_code"},"retry_policy":{"max_attempts":3,"initial_backoff_seconds":5,"max_backoff_seconds":300,"backoff_multiplier":2},"timeout_seconds":300,"metadata":{}}],"worker_specs":[],"labels":{},"created_at":"2026-06-12T17:00:00Z"}',
    );
    const back = fromStr(FleetRunSchema, json);
    expect(back.id).toBe(run.id);
    expect(back.status).toBe('running');
    expect(back.task_specs).toHaveLength(1);
    expect(stringifyWire(back)).toBe(json);
  });

  it('worker_event_lifecycle_round_trip', () => {
    const envelope = { run_id: 'run-002', worker_id: 'worker-a', task_id: 'task-1' };
    const events: FleetWorkerEvent[] = [
      { seq: 1, ...envelope, timestamp: '2026-06-12T17:01:00Z', state: 'queued' },
      { seq: 2, ...envelope, timestamp: '2026-06-12T17:01:05Z', state: 'running_tool', tool: 'bash', call_id: 'call-1' },
      { seq: 3, ...envelope, timestamp: '2026-06-12T17:02:00Z', state: 'completed', exit_code: 0, summary: 'ok' },
    ];
    const json = stringifyWire(events);
    expect(json).toBe(
      '[{"seq":1,"run_id":"run-002","worker_id":"worker-a","task_id":"task-1","timestamp":"2026-06-12T17:01:00Z","state":"queued"},{"seq":2,"run_id":"run-002","worker_id":"worker-a","task_id":"task-1","timestamp":"2026-06-12T17:01:05Z","state":"running_tool","tool":"bash","call_id":"call-1"},{"seq":3,"run_id":"run-002","worker_id":"worker-a","task_id":"task-1","timestamp":"2026-06-12T17:02:00Z","state":"completed","exit_code":0,"summary":"ok"}]',
    );
    const back = fromStr(z.array(FleetWorkerEventSchema), json);
    expect(back).toHaveLength(3);
    expect(back[0]!.state).toBe('queued');
    expect(back[2]!.state).toBe('completed');
  });

  it('alert_policy_round_trip', () => {
    const policy: FleetAlertPolicy = {
      channels: [{ kind: 'slack', webhook_url: 'https://hooks.slack.com/test' }],
      after_attempts: 2,
      after_minutes_stale: 10,
    };
    const json = stringifyWire(policy);
    expect(json).toContain('"kind":"slack"');
    const back = fromStr(FleetAlertPolicySchema, json);
    expect(back.after_attempts).toBe(2);
  });

  it('artifact_other_kind_round_trip', () => {
    const artifact: FleetArtifactRef = {
      kind: 'coverage.xml',
      path: '/tmp/coverage.xml',
      checksum: 'sha256:abc',
      mime_type: 'application/xml',
      size_bytes: 1024,
    };
    const json = stringifyWire(artifact);
    const back = fromStr(FleetArtifactRefSchema, json);
    expect(back.kind).toBe(artifact.kind);
    expect(back.size_bytes).toBe(1024);
  });

  it('artifact_kind_uses_flat_string_json', () => {
    const known: FleetArtifactKind = 'test_result';
    expect(stringifyWire(known)).toBe('"test_result"');
    const custom: FleetArtifactKind = 'coverage.xml';
    expect(stringifyWire(custom)).toBe('"coverage.xml"');
    expect(fromStr(FleetArtifactKindSchema, '"coverage.xml"')).toBe('coverage.xml');
  });

  it('retry_policy_missing_fields_use_nonzero_defaults', () => {
    expect(FleetRetryPolicySchema.parse({})).toEqual(DEFAULT_RETRY_POLICY);
    const policy = FleetRetryPolicySchema.parse({ max_attempts: 5 });
    expect(policy.max_attempts).toBe(5);
    expect(policy.initial_backoff_seconds).toBe(DEFAULT_RETRY_POLICY.initial_backoff_seconds);
    expect(policy.max_backoff_seconds).toBe(DEFAULT_RETRY_POLICY.max_backoff_seconds);
    expect(policy.backoff_multiplier).toBe(DEFAULT_RETRY_POLICY.backoff_multiplier);
  });

  it('sparse_worker_events_omit_absent_optional_fields', () => {
    const heartbeat: FleetWorkerEventPayload = { state: 'heartbeat', cpu_percent: undefined, memory_mb: undefined };
    expect(JSON.parse(stringifyWire(heartbeat))).toEqual({ state: 'heartbeat' });
    const completed: FleetWorkerEventPayload = { state: 'completed', exit_code: undefined, summary: undefined };
    expect(JSON.parse(stringifyWire(completed))).toEqual({ state: 'completed' });
    // ...and parsing yields the same sparse values.
    expect(stringifyWire(FleetWorkerEventPayloadSchema.parse({ state: 'heartbeat' }))).toBe('{"state":"heartbeat"}');
  });

  it('receipt_round_trip', () => {
    const receipt: FleetReceipt = {
      run_id: 'run-003',
      task_id: 'task-1',
      worker_id: 'worker-b',
      completed_at: '2026-06-12T17:03:00Z',
      result: 'pass',
      artifacts: [],
      score: { value: 0.95, max: 1.0, notes: undefined },
    };
    const json = stringifyWire(toWireValue('FleetReceipt', receipt));
    expect(json).toBe(
      '{"run_id":"run-003","task_id":"task-1","worker_id":"worker-b","completed_at":"2026-06-12T17:03:00Z","result":"pass","artifacts":[],"score":{"value":0.95,"max":1.0}}',
    );
    const back = fromStr(FleetReceiptSchema, json);
    expect(back.result).toBe('pass');
    expect(back.score!.value).toBe(0.95);
  });

  it('exports the protocol version', () => {
    expect(FLEET_PROTOCOL_VERSION).toBe('0.1.0');
  });
});

type Expect = { ok: string } | { error: string };

// Each `ok` is byte-for-byte what the reference implementation's serde derives (serde 1.0.152, serde_json 1.0.87,
// `serde_json::from_value` then `to_string`) wrote for the input; each `error` case is one serde
// rejects too (its message in the trailing comment), checked against our wording.
const CASES: [rule: string, type: WireTypeName, input: string, expected: Expect][] = [
  ['skip: FleetRun.updated_at null', 'FleetRun', '{"id":"r","name":"n","status":"running","created_at":"c","updated_at":null,"completed_at":"d"}', { ok: '{"id":"r","name":"n","status":"running","task_specs":[],"worker_specs":[],"labels":{},"created_at":"c","completed_at":"d"}' }],
  ['skip: FleetTaskSpec.description/scorer/retry/alert null', 'FleetTaskSpec', '{"id":"t","name":"n","instructions":"i","description":null,"scorer":null,"retry_policy":null,"alert_policy":null}', { ok: '{"id":"t","name":"n","instructions":"i","expected_artifacts":[],"timeout_seconds":null,"metadata":{}}' }],
  ['skip: FleetArtifactRef.checksum/mime_type null', 'FleetArtifactRef', '{"kind":"log","path":"/p","checksum":null,"mime_type":null}', { ok: '{"kind":"log","path":"/p","size_bytes":null}' }],
  ['skip: FleetWorkerSpec.max_concurrent_tasks null', 'FleetWorkerSpec', '{"id":"w","name":"n","host":{"kind":"local"},"max_concurrent_tasks":null}', { ok: '{"id":"w","name":"n","host":{"kind":"local"},"labels":{},"capabilities":[]}' }],
  ['skip: Ssh port/user/identity null', 'FleetHostSpec', '{"kind":"ssh","host":"h","port":null,"user":null,"identity":null}', { ok: '{"kind":"ssh","host":"h"}' }],
  ['skip: Ssh all present', 'FleetHostSpec', '{"identity":"/k","user":"u","port":22,"host":"h","kind":"ssh"}', { ok: '{"kind":"ssh","host":"h","port":22,"user":"u","identity":"/k"}' }],
  ['skip: FleetScore.max/notes null', 'FleetScore', '{"value":0.5,"max":null,"notes":null}', { ok: '{"value":0.5}' }],
  ['skip: payload leased null', 'FleetWorkerEventPayload', '{"state":"leased","lease_expires_at":null}', { ok: '{"state":"leased"}' }],
  ['skip: payload completed all null', 'FleetWorkerEventPayload', '{"state":"completed","exit_code":null,"summary":null}', { ok: '{"state":"completed"}' }],
  ['skip: payload heartbeat all null', 'FleetWorkerEventPayload', '{"state":"heartbeat","cpu_percent":null,"memory_mb":null}', { ok: '{"state":"heartbeat"}' }],
  ['skip: payload model_wait/cancelled/interrupted/stale/escalated', 'FleetWorkerEventPayload', '{"state":"escalated","channel":"c","alert_id":null}', { ok: '{"state":"escalated","channel":"c"}' }],
  ['null: FleetTaskSpec.timeout_seconds absent', 'FleetTaskSpec', '{"id":"t","name":"n","instructions":"i"}', { ok: '{"id":"t","name":"n","instructions":"i","expected_artifacts":[],"timeout_seconds":null,"metadata":{}}' }],
  ['null: FleetTaskSpec.timeout_seconds null', 'FleetTaskSpec', '{"id":"t","name":"n","instructions":"i","timeout_seconds":null}', { ok: '{"id":"t","name":"n","instructions":"i","expected_artifacts":[],"timeout_seconds":null,"metadata":{}}' }],
  ['null: FleetArtifactRef.size_bytes absent', 'FleetArtifactRef', '{"kind":"log","path":"/p"}', { ok: '{"kind":"log","path":"/p","size_bytes":null}' }],
  ['null: FleetInboxEntry.lease_deadline absent', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":0}', { ok: '{"run_id":"r","task_id":"t","priority":0,"enqueued_at":"e","lease_deadline":null,"attempts":0}' }],
  ['null: FleetAlertPolicy after_* absent', 'FleetAlertPolicy', '{}', { ok: '{"channels":[],"after_attempts":null,"after_minutes_stale":null}' }],
  ['null: Webhook.secret absent', 'FleetAlertChannel', '{"kind":"webhook","url":"u"}', { ok: '{"kind":"webhook","url":"u","secret":null}' }],
  ['null: FleetReceipt.score absent', 'FleetReceipt', '{"run_id":"r","task_id":"t","worker_id":"w","completed_at":"c","result":"pass"}', { ok: '{"run_id":"r","task_id":"t","worker_id":"w","completed_at":"c","result":"pass","artifacts":[],"score":null}' }],
  ['default: FleetRun vecs and labels', 'FleetRun', '{"id":"r","name":"n","status":"running","created_at":"c"}', { ok: '{"id":"r","name":"n","status":"running","task_specs":[],"worker_specs":[],"labels":{},"created_at":"c"}' }],
  ['default: FleetInboxEntry.attempts', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":-5,"attempts":7}', { ok: '{"run_id":"r","task_id":"t","priority":-5,"enqueued_at":"e","lease_deadline":null,"attempts":7}' }],
  ['default: Failed.recoverable', 'FleetWorkerEventPayload', '{"state":"failed","reason":"boom"}', { ok: '{"state":"failed","reason":"boom","recoverable":false}' }],
  ['default: Restarted.restart_count', 'FleetWorkerEventPayload', '{"state":"restarted"}', { ok: '{"state":"restarted","restart_count":0}' }],
  ['default: Docker.args', 'FleetHostSpec', '{"kind":"docker","image":"img"}', { ok: '{"kind":"docker","image":"img","args":[]}' }],
  ['default: retry policy partial', 'FleetRetryPolicy', '{"backoff_multiplier":4}', { ok: '{"max_attempts":3,"initial_backoff_seconds":5,"max_backoff_seconds":300,"backoff_multiplier":4}' }],
  ['default: null is not missing (Vec)', 'FleetRun', '{"id":"r","name":"n","status":"running","created_at":"c","task_specs":null}', { error: 'task_specs: expected a list (JSON array), got null' }], // serde_json: invalid type: null, expected a sequence
  ['default: null is not missing (map)', 'FleetTaskSpec', '{"id":"t","name":"n","instructions":"i","metadata":null}', { error: 'metadata: expected a map (JSON object), got null' }], // serde_json: invalid type: null, expected a map
  ['default: null is not missing (u32)', 'FleetRetryPolicy', '{"max_attempts":null}', { error: 'max_attempts: expected an integer from 0 to 4294967295, got null' }], // serde_json: invalid type: null, expected u32
  ['default: null is not missing (bool)', 'FleetWorkerEventPayload', '{"state":"failed","reason":"r","recoverable":null}', { error: 'recoverable: expected true or false, got null' }], // serde_json: invalid type: null, expected a boolean
  ['default: null is not missing (extra)', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"queued","extra":null}', { error: 'extra: expected a map (JSON object), got null' }], // serde_json: invalid type: null, expected a map
  ['required: FleetRun.created_at', 'FleetRun', '{"id":"r","name":"n","status":"running"}', { error: 'created_at: required' }], // serde_json: missing field `created_at`
  ['required: nested path', 'FleetRun', '{"id":"r","name":"n","status":"running","created_at":"c","task_specs":[{"id":"t","name":"n","instructions":"i"},{"id":"t","name":"n","instructions":"i"},{"id":"t","name":"n","instructions":"i","scorer":{"kind":"regex_match","path":"/p"}}]}', { error: 'task_specs[2].scorer.pattern: required' }], // serde_json: missing field `pattern`
  ['required: FleetInboxEntry.priority', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e"}', { error: 'priority: required' }], // serde_json: missing field `priority`
  ['u16: 65535', 'FleetHostSpec', '{"kind":"ssh","host":"h","port":65535}', { ok: '{"kind":"ssh","host":"h","port":65535}' }],
  ['u16: 65536', 'FleetHostSpec', '{"kind":"ssh","host":"h","port":65536}', { error: 'port: expected an integer from 0 to 65535, got 65536' }], // serde_json: invalid value: integer `65536`, expected u16
  ['u16: -1', 'FleetHostSpec', '{"kind":"ssh","host":"h","port":-1}', { error: 'port: expected an integer from 0 to 65535, got -1' }], // serde_json: invalid value: integer `-1`, expected u16
  ['i32: min', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":-2147483648}', { ok: '{"run_id":"r","task_id":"t","priority":-2147483648,"enqueued_at":"e","lease_deadline":null,"attempts":0}' }],
  ['i32: max', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":2147483647}', { ok: '{"run_id":"r","task_id":"t","priority":2147483647,"enqueued_at":"e","lease_deadline":null,"attempts":0}' }],
  ['i32: max+1', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":2147483648}', { error: 'priority: expected an integer from -2147483648 to 2147483647, got 2147483648' }], // serde_json: invalid value: integer `2147483648`, expected i32
  ['i32: 1.5', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":1.5}', { error: 'priority: expected an integer from -2147483648 to 2147483647, got 1.5' }], // serde_json: invalid type: floating point `1.5`, expected i32
  ['i32: 1.0 is a float', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":1.0}', { error: 'priority: expected an integer from -2147483648 to 2147483647, got 1.0 (a floating-point number)' }], // serde_json: invalid type: floating point `1`, expected i32
  ['i32: -0 is a float to serde_json', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":-0}', { error: 'priority: expected an integer from -2147483648 to 2147483647, got -0.0 (a floating-point number)' }], // serde_json: invalid type: floating point `-0`, expected i32
  ['i32: string', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":"1"}', { error: 'priority: expected an integer from -2147483648 to 2147483647, got string "1"' }], // serde_json: invalid type: string "1", expected i32
  ['i32: exit_code in event', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"completed","exit_code":-2147483649}', { error: 'exit_code: expected an integer from -2147483648 to 2147483647, got -2147483649' }], // serde_json: invalid value: integer `-2147483649`, expected i32
  ['u32: max', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":0,"attempts":4294967295}', { ok: '{"run_id":"r","task_id":"t","priority":0,"enqueued_at":"e","lease_deadline":null,"attempts":4294967295}' }],
  ['u32: max+1', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":0,"attempts":4294967296}', { error: 'attempts: expected an integer from 0 to 4294967295, got 4294967296' }], // serde_json: invalid value: integer `4294967296`, expected u32
  ['u32: 2e3 is a float', 'FleetRetryPolicy', '{"max_attempts":2e3}', { error: 'max_attempts: expected an integer from 0 to 4294967295, got 2000.0 (a floating-point number)' }], // serde_json: invalid type: floating point `2000`, expected u32
  ['u32: bool', 'FleetAlertPolicy', '{"after_attempts":true}', { error: 'after_attempts: expected an integer from 0 to 4294967295, got boolean true' }], // serde_json: invalid type: boolean `true`, expected u32
  ['u64: max', 'FleetWorkerEvent', '{"seq":18446744073709551615,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"queued"}', { ok: '{"seq":18446744073709551615,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"queued"}' }],
  ['u64: 2^64', 'FleetWorkerEvent', '{"seq":18446744073709551616,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"queued"}', { error: 'seq: expected an integer from 0 to 18446744073709551615, got 1.8446744073709552e19 (a floating-point number)' }], // serde_json: invalid type: floating point `18446744073709552000`, expected u64
  ['u64: beyond 2^53 kept exact', 'FleetArtifactRef', '{"kind":"log","path":"/p","size_bytes":9007199254740993}', { ok: '{"kind":"log","path":"/p","size_bytes":9007199254740993}' }],
  ['u64: negative', 'FleetTaskSpec', '{"id":"t","name":"n","instructions":"i","timeout_seconds":-1}', { error: 'timeout_seconds: expected an integer from 0 to 18446744073709551615, got -1' }], // serde_json: invalid value: integer `-1`, expected u64
  ['u64: memory_mb in payload', 'FleetWorkerEventPayload', '{"state":"heartbeat","memory_mb":18446744073709551615}', { ok: '{"state":"heartbeat","memory_mb":18446744073709551615}' }],
  ['usize: max_concurrent_tasks u64 max', 'FleetWorkerSpec', '{"id":"w","name":"n","host":{"kind":"local"},"max_concurrent_tasks":18446744073709551615}', { ok: '{"id":"w","name":"n","host":{"kind":"local"},"labels":{},"capabilities":[],"max_concurrent_tasks":18446744073709551615}' }],
  ['u64: after_minutes_stale 1.0', 'FleetAlertPolicy', '{"after_minutes_stale":1.0}', { error: 'after_minutes_stale: expected an integer from 0 to 18446744073709551615, got 1.0 (a floating-point number)' }], // serde_json: invalid type: floating point `1`, expected u64
  ['f64: integer literal', 'FleetScore', '{"value":1,"max":2}', { ok: '{"value":1.0,"max":2.0}' }],
  ['f64: float literals', 'FleetScore', '{"value":0.95,"max":1.0}', { ok: '{"value":0.95,"max":1.0}' }],
  ['f64: -0', 'FleetScore', '{"value":-0}', { ok: '{"value":-0.0}' }],
  ['f64: huge and tiny', 'FleetScore', '{"value":1e300,"max":5e-324}', { ok: '{"value":1e300,"max":5e-324}' }],
  ['f64: u64 max as f64', 'FleetScore', '{"value":18446744073709551615}', { ok: '{"value":1.8446744073709552e19}' }],
  ['f64: many digits (serde_json rounding)', 'FleetScore', '{"value":0.1000000000000000055511151231257827}', { ok: '{"value":0.1}' }],
  ['f64: string', 'FleetScore', '{"value":"1"}', { error: 'value: expected a number, got string "1"' }], // serde_json: invalid type: string "1", expected f64
  ['f64: bool', 'FleetScore', '{"value":false}', { error: 'value: expected a number, got boolean false' }], // serde_json: invalid type: boolean `false`, expected f64
  ['f32: 0.1 stays 0.1', 'FleetWorkerEventPayload', '{"state":"heartbeat","cpu_percent":0.1}', { ok: '{"state":"heartbeat","cpu_percent":0.1}' }],
  ['f32: integer written as float', 'FleetWorkerEventPayload', '{"state":"heartbeat","cpu_percent":50}', { ok: '{"state":"heartbeat","cpu_percent":50.0}' }],
  ['f32: rounded to f32', 'FleetWorkerEventPayload', '{"state":"heartbeat","cpu_percent":3.14159265358979}', { ok: '{"state":"heartbeat","cpu_percent":3.1415927}' }],
  ['f32: f32 exponent rules', 'FleetWorkerEventPayload', '{"state":"heartbeat","cpu_percent":12345678901234}', { ok: '{"state":"heartbeat","cpu_percent":1.2345679e13}' }],
  ['f32: overflow is null', 'FleetWorkerEventPayload', '{"state":"heartbeat","cpu_percent":1e39}', { ok: '{"state":"heartbeat","cpu_percent":null}' }],
  ['f32: in event', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"heartbeat","cpu_percent":0.000001,"memory_mb":512}', { ok: '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"heartbeat","cpu_percent":0.000001,"memory_mb":512}' }],
  ['bool: string', 'FleetWorkerEventPayload', '{"state":"failed","reason":"r","recoverable":"yes"}', { error: 'recoverable: expected true or false, got string "yes"' }], // serde_json: invalid type: string "yes", expected a boolean
  ['string: number', 'FleetRun', '{"id":1,"name":"n","status":"running","created_at":"c"}', { error: 'id: expected a string, got 1' }], // serde_json: invalid type: integer `1`, expected a string
  ['path: number', 'FleetArtifactRef', '{"kind":"log","path":1}', { error: 'path: expected a path string, got 1' }], // serde_json: invalid type: integer `1`, expected path string
  ['artifact kind: null', 'FleetArtifactKind', 'null', { error: '(root): expected an artifact kind string, got null' }], // serde_json: invalid type: null, expected a string
  ['labels: non-string value', 'FleetRun', '{"id":"r","name":"n","status":"running","created_at":"c","labels":{"a":"x","b":1}}', { error: 'labels.b: expected a string, got 1' }], // serde_json: invalid type: integer `1`, expected a string
  ['labels: array', 'FleetWorkerSpec', '{"id":"w","name":"n","host":{"kind":"local"},"labels":["a"]}', { error: 'labels: expected a map (JSON object), got an array' }], // serde_json: invalid type: sequence, expected a map
  ['struct: top-level string', 'FleetRetryPolicy', '"x"', { error: '(root): expected FleetRetryPolicy (a JSON object or array), got string "x"' }], // serde_json: invalid type: string "x", expected struct FleetRetryPolicy
  ['struct: top-level float', 'FleetScore', '2e3', { error: '(root): expected FleetScore (a JSON object or array), got 2000.0 (a floating-point number)' }], // serde_json: invalid type: floating point `2000`, expected struct FleetScore
  ['struct: top-level null', 'FleetRun', 'null', { error: '(root): expected FleetRun (a JSON object or array), got null' }], // serde_json: invalid type: null, expected struct FleetRun
  ['unknown: FleetRun', 'FleetRun', '{"zzz":1,"id":"r","name":"n","status":"running","created_at":"c","labels":{},"extra":{"a":1}}', { ok: '{"id":"r","name":"n","status":"running","task_specs":[],"worker_specs":[],"labels":{},"created_at":"c"}' }],
  ['unknown: nested task + scorer', 'FleetRun', '{"id":"r","name":"n","status":"running","created_at":"c","task_specs":[{"id":"t","name":"n","instructions":"i","x":[1],"scorer":{"kind":"exit_code","path":"/ignored"}}]}', { ok: '{"id":"r","name":"n","status":"running","task_specs":[{"id":"t","name":"n","instructions":"i","expected_artifacts":[],"scorer":{"kind":"exit_code"},"timeout_seconds":null,"metadata":{}}],"worker_specs":[],"labels":{},"created_at":"c"}' }],
  ['unknown: payload field in event', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"running","tool":"ignored","nope":null}', { ok: '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"running"}' }],
  ['unknown: unit enum variant keys ignored', 'FleetHostSpec', '{"kind":"local","host":"h","port":"not checked"}', { ok: '{"kind":"local"}' }],
  ['tag: last key', 'FleetScorerSpec', '{"path":"/a","pattern":"x+","kind":"regex_match"}', { ok: '{"kind":"regex_match","path":"/a","pattern":"x+"}' }],
  ['tag: middle', 'FleetAlertChannel', '{"routing_key":"k","kind":"pager_duty","severity":"high"}', { ok: '{"kind":"pager_duty","routing_key":"k","severity":"high"}' }],
  ['tag: missing', 'FleetScorerSpec', '{"path":"/a"}', { error: 'kind: required; expected one of exit_code, file_exists, regex_match, json_path, manual' }], // serde_json: missing field `kind`
  ['tag: unknown variant', 'FleetScorerSpec', '{"kind":"foo"}', { error: 'kind: unknown variant "foo", expected one of exit_code, file_exists, regex_match, json_path, manual' }], // serde_json: unknown variant `foo`, expected one of `exit_code`, `file_exists`, `regex_match`, `json_path`, `manual`
  ['tag: unknown host kind', 'FleetHostSpec', '{"kind":"kubernetes"}', { error: 'kind: unknown variant "kubernetes", expected one of local, ssh, docker' }], // serde_json: unknown variant `kubernetes`, expected one of `local`, `ssh`, `docker`
  ['tag: unknown channel kind nested', 'FleetAlertPolicy', '{"channels":[{"kind":"email"}]}', { error: 'channels[0].kind: unknown variant "email", expected one of slack, webhook, pager_duty' }], // serde_json: unknown variant `email`, expected one of `slack`, `webhook`, `pager_duty`
  ['tag: case matters', 'FleetAlertChannel', '{"kind":"PagerDuty","routing_key":"k","severity":"s"}', { error: 'kind: unknown variant "PagerDuty", expected one of slack, webhook, pager_duty' }], // serde_json: unknown variant `PagerDuty`, expected one of `slack`, `webhook`, `pager_duty`
  ['tag: not a string', 'FleetScorerSpec', '{"kind":0}', { error: 'kind: expected a variant name (one of exit_code, file_exists, regex_match, json_path, manual), got 0' }], // serde_json: invalid type: integer `0`, expected variant identifier
  ['tag: payload state numeric is an error standalone', 'FleetWorkerEventPayload', '{"state":0}', { error: 'state: expected a variant name' }], // serde_json: invalid type: integer `0`, expected variant identifier
  ['tag: flattened state may be a variant index', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":5,"tool":"bash"}', { ok: '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"running_tool","tool":"bash"}' }],
  ['tag: flattened state index out of range', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":15}', { error: 'state: invalid variant index 15, expected 0 <= i < 15' }], // serde_json: invalid value: integer `15`, expected variant index 0 <= i < 15
  ['tag: flattened state missing', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts"}', { error: 'state: required; expected one of queued, leased, starting, running, model_wait, running_tool, heartbeat, artifact, completed, failed, cancelled, interrupted, stale, restarted, escalated' }], // serde_json: missing field `state`
  ['tag: not an object', 'FleetHostSpec', '"local"', { error: '(root): expected FleetHostSpec (a JSON object with a "kind" field), got string "local"' }], // serde_json: invalid type: string "local", expected internally tagged enum FleetHostSpec
  ['tag: struct variant field missing', 'FleetAlertChannel', '{"kind":"slack"}', { error: 'webhook_url: required' }], // serde_json: missing field `webhook_url`
  ['kind: known', 'FleetArtifactKind', '"test_result"', { ok: '"test_result"' }],
  ['kind: other kept', 'FleetArtifactKind', '"coverage.xml"', { ok: '"coverage.xml"' }],
  ['kind: case-different is other', 'FleetArtifactRef', '{"kind":"Log","path":"/p"}', { ok: '{"kind":"Log","path":"/p","size_bytes":null}' }],
  ['kind: expected_artifacts', 'FleetTaskSpec', '{"id":"t","name":"n","instructions":"i","expected_artifacts":["log","junit.xml",""]}', { ok: '{"id":"t","name":"n","instructions":"i","expected_artifacts":["log","junit.xml",""],"timeout_seconds":null,"metadata":{}}' }],
  ['sort: metadata by UTF-8 bytes, nested values too', 'FleetTaskSpec', "{\"id\":\"t\",\"name\":\"n\",\"instructions\":\"i\",\"metadata\":{\"b\":1,\"a\":{\"z\":1.0,\"y\":[2.5,{\"d\":null,\"c\":true}]},\"10\":3,\"2\":4,\"\\ue000\":5,\"\\ud83d\\ude00\":6,\"\":7}}", { ok: "{\"id\":\"t\",\"name\":\"n\",\"instructions\":\"i\",\"expected_artifacts\":[],\"timeout_seconds\":null,\"metadata\":{\"\":7,\"10\":3,\"2\":4,\"a\":{\"y\":[2.5,{\"c\":true,\"d\":null}],\"z\":1.0},\"b\":1,\"\":5,\"😀\":6}}" }],
  ['sort: labels', 'FleetRun', '{"id":"r","name":"n","status":"running","created_at":"c","labels":{"zeta":"1","alpha":"2","10":"3","9":"4"}}', { ok: '{"id":"r","name":"n","status":"running","task_specs":[],"worker_specs":[],"labels":{"10":"3","9":"4","alpha":"2","zeta":"1"},"created_at":"c"}' }],
  ['sort: __proto__ is an ordinary key', 'FleetTaskSpec', '{"id":"t","name":"n","instructions":"i","metadata":{"__proto__":{"x":1},"constructor":2}}', { ok: '{"id":"t","name":"n","instructions":"i","expected_artifacts":[],"timeout_seconds":null,"metadata":{"__proto__":{"x":1},"constructor":2}}' }],
  ['value: big integers and floats in metadata', 'FleetTaskSpec', '{"id":"t","name":"n","instructions":"i","metadata":{"a":18446744073709551615,"b":18446744073709551616,"c":-9223372036854775808,"d":-9223372036854775809,"e":1e16,"f":1e15,"g":0.000001,"h":-0}}', { ok: '{"id":"t","name":"n","instructions":"i","expected_artifacts":[],"timeout_seconds":null,"metadata":{"a":18446744073709551615,"b":1.8446744073709552e19,"c":-9223372036854775808,"d":-9.223372036854776e18,"e":1e16,"f":1000000000000000.0,"g":1e-6,"h":-0.0}}' }],
  ['extra: empty omitted', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"queued","extra":{}}', { ok: '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"queued"}' }],
  ['extra: kept and sorted', 'FleetWorkerEvent', '{"extra":{"b":[1,2],"a":{"y":1,"x":2}},"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"starting"}', { ok: '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"starting","extra":{"a":{"x":2,"y":1},"b":[1,2]}}' }],
  ['artifact: event', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"artifact","kind":"patch","path":"/p.diff","checksum":"sha256:1","mime_type":"text/x-diff","size_bytes":10}', { ok: '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"artifact","kind":"patch","path":"/p.diff","checksum":"sha256:1","mime_type":"text/x-diff","size_bytes":10}' }],
  ['artifact: event minimal', 'FleetWorkerEvent', '{"path":"/p","seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","kind":"log","state":"artifact"}', { ok: '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"artifact","kind":"log","path":"/p","size_bytes":null}' }],
  ['artifact: payload', 'FleetWorkerEventPayload', '{"state":"artifact","kind":"receipt","path":"/r.json","size_bytes":null}', { ok: '{"state":"artifact","kind":"receipt","path":"/r.json","size_bytes":null}' }],
  ['artifact: missing path', 'FleetWorkerEvent', '{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"ts","state":"artifact","kind":"log"}', { error: 'path: required' }], // serde_json: missing field `path`
  ['seq: retry policy', 'FleetRetryPolicy', '[5]', { ok: '{"max_attempts":5,"initial_backoff_seconds":5,"max_backoff_seconds":300,"backoff_multiplier":2}' }],
  ['seq: retry policy empty', 'FleetRetryPolicy', '[]', { ok: '{"max_attempts":3,"initial_backoff_seconds":5,"max_backoff_seconds":300,"backoff_multiplier":2}' }],
  ['seq: too long', 'FleetRetryPolicy', '[1,2,3,4,5]', { error: '(root): invalid length 5, expected struct FleetRetryPolicy with at most 4 elements' }], // serde_json: invalid length 5, expected fewer elements in array
  ['seq: plain Option is not defaulted', 'FleetScore', '[0.5]', { error: '(root): invalid length 1, expected struct FleetScore with 3 elements (max has no default)' }], // serde_json: invalid length 1, expected struct FleetScore with 3 elements
  ['seq: score full', 'FleetScore', '[0.5,null,"n"]', { ok: '{"value":0.5,"notes":"n"}' }],
  ['seq: artifact ref', 'FleetArtifactRef', '["log","/p",null,null]', { ok: '{"kind":"log","path":"/p","size_bytes":null}' }],
  ['seq: tagged unit variant', 'FleetHostSpec', '["local"]', { ok: '{"kind":"local"}' }],
  ['seq: tagged unit variant with extra elements', 'FleetScorerSpec', '["exit_code",1]', { error: '(root): invalid length 1, expected 0 elements after unit variant exit_code' }], // serde_json: invalid length 1, expected 0 elements in sequence
  ['seq: tagged struct variant', 'FleetScorerSpec', '["file_exists","/a"]', { ok: '{"kind":"file_exists","path":"/a"}' }],
  ['seq: tagged struct variant too short', 'FleetHostSpec', '["ssh","h"]', { error: '(root): invalid length 1, expected struct FleetHostSpec::Ssh with 4 elements (port has no default)' }], // serde_json: invalid length 1, expected struct variant FleetHostSpec::Ssh with 4 elements
  ['seq: heartbeat defaults', 'FleetWorkerEventPayload', '["heartbeat"]', { ok: '{"state":"heartbeat"}' }],
  ['seq: not for the flattened event', 'FleetWorkerEvent', '[1,"r","w","t","ts","queued"]', { error: '(root): expected FleetWorkerEvent (a JSON object), got an array' }], // serde_json: invalid type: sequence, expected struct FleetWorkerEvent
  ['seq: empty tagged', 'FleetHostSpec', '[]', { error: '(root): missing the variant name (kind): expected one of local, ssh, docker' }], // serde_json: missing field `kind`
  ['unit enum: string', 'FleetRunStatus', '"paused"', { ok: '"paused"' }],
  ['unit enum: map form', 'FleetWorkerStatus', '{"draining":null}', { ok: '"draining"' }],
  ['unit enum: map form non-null', 'FleetRunStatus', '{"running":1}', { error: 'running: expected null for a unit variant, got 1' }], // serde_json: invalid type: integer `1`, expected unit
  ['unit enum: two keys', 'FleetTaskResult', '{"pass":null,"fail":null}', { error: '(root): expected a FleetTaskResult name (one of pass, fail, skip, timeout), got an object with 2 keys' }], // serde_json: invalid value: map, expected map with a single key
  ['unit enum: unknown', 'FleetTaskResult', '"Pass"', { error: '(root): unknown variant "Pass", expected one of pass, fail, skip, timeout' }], // serde_json: unknown variant `Pass`, expected one of `pass`, `fail`, `skip`, `timeout`
  ['unit enum: number', 'FleetRunStatus', '0', { error: '(root): expected a FleetRunStatus name (one of pending, queued, running, paused, completed, failed, cancelled), got 0' }], // serde_json: invalid type: integer `0`, expected string or map
  ['duplicate: last wins', 'FleetScorerSpec', '{"kind":"exit_code","kind":"manual"}', { ok: '{"kind":"manual"}' }],
  ['duplicate: last wins for fields', 'FleetInboxEntry', '{"run_id":"r","task_id":"t","enqueued_at":"e","priority":"bad","priority":3}', { ok: '{"run_id":"r","task_id":"t","priority":3,"enqueued_at":"e","lease_deadline":null,"attempts":0}' }],
];

describe('serde edge cases', () => {
  it.each(CASES)('%s (%s)', (_rule, type, input, expected) => {
    const result = WIRE_TYPES[type].safeParse(parseJsonLossless(input, { serdeJson: true }));
    if ('ok' in expected) {
      if (!result.success) throw new Error(formatIssues(result.error).join('; '));
      expect(stringifyWire(toWireValue(type, result.data))).toBe(expected.ok);
    } else {
      expect(result.success).toBe(false);
      if (!result.success) expect(formatIssues(result.error).join('; ')).toContain(expected.error);
    }
  });
});

describe('parsed values', () => {
  it('orders output fields by Rust declaration order, whatever the input order', () => {
    const run = FleetRunSchema.parse({ completed_at: 'z', created_at: 'c', labels: {}, status: 'queued', name: 'n', id: 'r' });
    expect(Object.keys(run)).toEqual(['id', 'name', 'status', 'task_specs', 'worker_specs', 'labels', 'created_at', 'completed_at']);
  });

  it('gives u64 values beyond 2^53 as bigint and the rest as number', () => {
    const entry = fromStr(FleetArtifactRefSchema, '{"kind":"log","path":"p","size_bytes":18446744073709551615}');
    expect(entry.size_bytes).toBe(18446744073709551615n);
    expect(fromStr(FleetArtifactRefSchema, '{"kind":"log","path":"p","size_bytes":9007199254740991}').size_bytes).toBe(9007199254740991);
  });

  it('takes integral numbers from a plain JSON.parse too (no FloatLiteral there)', () => {
    expect(FleetRetryPolicySchema.parse(JSON.parse('{"max_attempts":4,"initial_backoff_seconds":1e3}'))).toMatchObject({ max_attempts: 4, initial_backoff_seconds: 1000 });
    expect(FleetRetryPolicySchema.parse({ initial_backoff_seconds: 2 ** 60 }).initial_backoff_seconds).toBe(2n ** 60n);
  });

  it('keeps the f32 and f64 fields plain numbers', () => {
    const payload = fromStr(FleetWorkerEventPayloadSchema, '{"state":"heartbeat","cpu_percent":0.30000001192092896}');
    expect(payload).toEqual({ state: 'heartbeat', cpu_percent: 0.3 });
    const receipt = fromStr(FleetReceiptSchema, '{"run_id":"r","task_id":"t","worker_id":"w","completed_at":"c","result":"fail","score":{"value":1.0}}');
    expect(receipt.score).toEqual({ value: 1 });
  });

  it('keeps serde_json::Value numbers lossless in metadata', () => {
    const spec = fromStr(FleetTaskSpecSchema, '{"id":"t","name":"n","instructions":"i","metadata":{"a":1.0,"b":12345678901234567890,"c":0.5}}');
    expect(spec.metadata.a).toBeInstanceOf(FloatLiteral);
    expect(spec.metadata.b).toBe(12345678901234567890n);
    expect(spec.metadata.c).toBe(0.5);
  });

  it('reports every problem, each with its path', () => {
    const result = FleetRunSchema.safeParse({ id: 1, status: 'nope', task_specs: [{ id: 't', name: 'n', instructions: 'i', timeout_seconds: -1 }] });
    expect(result.success).toBe(false);
    if (!result.success)
      expect(formatIssues(result.error)).toEqual([
        'id: expected a string, got 1',
        'name: required',
        'status: unknown variant "nope", expected one of pending, queued, running, paused, completed, failed, cancelled',
        'task_specs[0].timeout_seconds: expected an integer from 0 to 18446744073709551615, got -1',
        'created_at: required',
      ]);
  });

  it('names the payload field under the flattened event', () => {
    const result = FleetWorkerEventSchema.safeParse({ seq: 1.5, run_id: 'r', worker_id: 'w', task_id: 't', timestamp: 'x', state: 'running_tool' });
    expect(result.success).toBe(false);
    if (!result.success) expect(formatIssues(result.error)).toEqual(['seq: expected an integer from 0 to 18446744073709551615, got 1.5', 'tool: required']);
  });
});

describe('inferred types', () => {
  it('mirror the Rust types', () => {
    expectTypeOf<FleetRun['status']>().toEqualTypeOf<'pending' | 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled'>();
    expectTypeOf<FleetRun['updated_at']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<FleetTaskSpec['timeout_seconds']>().toEqualTypeOf<number | bigint | null>();
    expectTypeOf<FleetTaskSpec['expected_artifacts']>().toEqualTypeOf<FleetArtifactKind[]>();
    expectTypeOf<FleetInboxEntry['priority']>().toEqualTypeOf<number>();
    expectTypeOf<FleetInboxEntry['lease_deadline']>().toEqualTypeOf<string | null>();
    expectTypeOf<FleetRetryPolicy>().toEqualTypeOf<{ max_attempts: number; initial_backoff_seconds: number | bigint; max_backoff_seconds: number | bigint; backoff_multiplier: number }>();
    expectTypeOf<FleetWorkerSpec['labels']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<Extract<FleetScorerSpec, { kind: 'regex_match' }>>().toEqualTypeOf<{ kind: 'regex_match'; path: string; pattern: string }>();
    expectTypeOf<FleetScorerSpec['kind']>().toEqualTypeOf<'exit_code' | 'file_exists' | 'regex_match' | 'json_path' | 'manual'>();
    expectTypeOf<Extract<FleetHostSpec, { kind: 'ssh' }>['port']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<'coverage.xml'>().toMatchTypeOf<FleetArtifactKind>();
    expectTypeOf<Extract<FleetWorkerEventPayload, { state: 'artifact' }>['size_bytes']>().toEqualTypeOf<number | bigint | null>();
    expectTypeOf<Extract<FleetWorkerEvent, { state: 'failed' }>['recoverable']>().toEqualTypeOf<boolean>();
    expectTypeOf<FleetWorkerEvent['seq']>().toEqualTypeOf<number | bigint>();
    expectTypeOf<FleetReceipt['score']>().toEqualTypeOf<{ value: number; max?: number | undefined; notes?: string | undefined } | null>();
  });
});
