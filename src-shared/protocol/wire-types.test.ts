import { describe, expect, it } from 'vitest';
import { WIRE_TYPE_NAMES, WIRE_TYPES, wireLine } from './wire-types';

const answer = (line: string) => JSON.parse(wireLine(line)) as { ok: boolean; type: string | null; value?: unknown; error?: string };

describe('wireLine', () => {
  it('covers exactly the wire types', () => {
    expect(Object.keys(WIRE_TYPES).sort()).toEqual([...WIRE_TYPE_NAMES].sort());
    expect(WIRE_TYPE_NAMES).toHaveLength(18);
  });

  it('answers ok with the re-serialized value', () => {
    expect(wireLine('{"type":"FleetRetryPolicy","value":{"max_attempts":5,"junk":1}}')).toBe(
      '{"ok":true,"type":"FleetRetryPolicy","value":{"max_attempts":5,"initial_backoff_seconds":5,"max_backoff_seconds":300,"backoff_multiplier":2}}',
    );
    expect(wireLine('  {"value":"running","type":"FleetRunStatus","extra":[1]}  ')).toBe('{"ok":true,"type":"FleetRunStatus","value":"running"}');
  });

  it('spells f64 and f32 fields as serde_json does', () => {
    expect(wireLine('{"type":"FleetScore","value":{"value":1,"max":100}}')).toBe('{"ok":true,"type":"FleetScore","value":{"value":1.0,"max":100.0}}');
    expect(wireLine('{"type":"FleetReceipt","value":{"run_id":"r","task_id":"t","worker_id":"w","completed_at":"c","result":"skip","score":{"value":0}}}')).toBe(
      '{"ok":true,"type":"FleetReceipt","value":{"run_id":"r","task_id":"t","worker_id":"w","completed_at":"c","result":"skip","artifacts":[],"score":{"value":0.0}}}',
    );
    expect(wireLine('{"type":"FleetWorkerEvent","value":{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"x","state":"heartbeat","cpu_percent":12.5}}')).toBe(
      '{"ok":true,"type":"FleetWorkerEvent","value":{"seq":1,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"x","state":"heartbeat","cpu_percent":12.5}}',
    );
    expect(answer('{"type":"FleetWorkerEventPayload","value":{"state":"heartbeat","cpu_percent":7}}')).toEqual({ ok: true, type: 'FleetWorkerEventPayload', value: { state: 'heartbeat', cpu_percent: 7 } });
    expect(wireLine('{"type":"FleetWorkerEventPayload","value":{"state":"heartbeat","cpu_percent":7}}')).toContain('"cpu_percent":7.0');
  });

  it('answers errors as "<field path>: <what is wrong>" and echoes the type', () => {
    expect(answer('{"type":"FleetHostSpec","value":{"kind":"ssh","host":"h","port":70000}}')).toEqual({
      ok: false,
      type: 'FleetHostSpec',
      error: 'port: expected an integer from 0 to 65535, got 70000',
    });
    expect(answer('{"type":"FleetRun","value":{"id":"r","name":"n","status":"running","created_at":"c","task_specs":[{"id":"t","name":"n","instructions":"i","scorer":{"kind":"foo"}}]}}')).toEqual({
      ok: false,
      type: 'FleetRun',
      error: 'task_specs[0].scorer.kind: unknown variant "foo", expected one of exit_code, file_exists, regex_match, json_path, manual',
    });
    // Several problems: all of them, separated by "; ".
    expect(answer('{"type":"FleetInboxEntry","value":{"run_id":1,"task_id":"t","priority":1.0}}').error).toBe(
      'run_id: expected a string, got 1; priority: expected an integer from -2147483648 to 2147483647, got 1.0 (a floating-point number); enqueued_at: required',
    );
  });

  it.each([
    ['not JSON', 'hello', null, /^\(root\): invalid JSON: Unexpected token "h" in JSON at position 0$/],
    ['truncated', '{"type":"FleetRun","value":{', null, /^\(root\): invalid JSON: Unexpected end of JSON input/],
    ['trailing garbage', '{"type":"FleetRun","value":{}} x', null, /invalid JSON: Unexpected non-whitespace character after the value in JSON at position 31/],
    ['an array', '["FleetRun", {}]', null, /^\(root\): expected an object \{"type": <type name>, "value": <value>\}$/],
    ['a number', '42', null, /^\(root\): expected an object/],
    ['a float', '2.0', null, /^\(root\): expected an object/],
    ['no type', '{"value":{}}', null, /^type: expected a type name string$/],
    ['type not a string', '{"type":7,"value":{}}', null, /^type: expected a type name string$/],
    ['unknown type', '{"type":"FleetWidget","value":{}}', 'FleetWidget', /^type: unknown type "FleetWidget", expected one of FleetRun, FleetRunStatus, /],
    ['inherited name is no type', '{"type":"constructor","value":{}}', 'constructor', /^type: unknown type "constructor"/],
    ['no value', '{"type":"FleetRun"}', 'FleetRun', /^value: required$/],
    ['null value', '{"type":"FleetRun","value":null}', 'FleetRun', /^\(root\): expected FleetRun \(a JSON object or array\), got null$/],
    ['number out of range anywhere', '{"type":"FleetRunStatus","value":"running","x":1e400}', null, /invalid JSON: number out of range in JSON at position 47/],
    ['lone surrogate anywhere', '{"type":"FleetArtifactKind","value":"\\udc00"}', null, /invalid JSON: lone trailing surrogate/],
    ['too deep', `{"type":"FleetTaskSpec","value":{"id":"t","name":"n","instructions":"i","metadata":{"m":${'['.repeat(125)}${']'.repeat(125)}}}}`, null, /invalid JSON: recursion limit exceeded/],
  ])('rejects %s', (_name, line, type, error) => {
    const a = answer(line);
    expect(a.ok).toBe(false);
    expect(a.type).toBe(type);
    expect(a.error).toMatch(error);
    expect(Object.keys(a)).toEqual(['ok', 'type', 'error']);
  });

  it('accepts nesting up to the limit', () => {
    const line = `{"type":"FleetTaskSpec","value":{"id":"t","name":"n","instructions":"i","metadata":{"m":${'['.repeat(124)}${']'.repeat(124)}}}}`;
    expect(answer(line).ok).toBe(true);
  });

  it('never throws and always answers one JSON line', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ['{', '}', '[', ']', ',', ':', '"type"', '"value"', '"FleetRun"', '"FleetWorkerEvent"', '"state"', '"kind"', '1', '-0', '1.0', '1e999', 'null', 'true', '"\\ud800"', '"x"', ' ', '\\', '"'];
    for (let n = 0; n < 2000; n++) {
      let line = '';
      for (let k = rnd(30); k > 0; k--) line += pieces[rnd(pieces.length)];
      if (rnd(2)) line = `{"type":"${WIRE_TYPE_NAMES[rnd(WIRE_TYPE_NAMES.length)]}","value":${line}}`;
      const out = wireLine(line);
      expect(out).not.toContain('\n');
      expect(typeof (JSON.parse(out) as { ok: unknown }).ok).toBe('boolean');
    }
  });
});

// Random documents from a mutation fuzzer, each answered by the Rust reference implementation's serde derives
// (serde 1.0.152 / serde_json 1.0.87). `null`: serde rejected it (its message in the comment).
const CONFORMANCE: [line: string, rust: string | null][] = [
  ['{"type":"FleetWorkerEventPayload","value":{"state":"bogus"}}', null], // serde_json: unknown variant `bogus`, expected one of `queued`, `leased`, `starting`, `running`, `model_wait`, `running_tool`, `heartbeat`, `artifact`, `completed`, `failed`, `cancelled`, `interrupted`, `stale`, `restarted`, `escalated`
  ['{"type":"FleetRun","value":[true,{"2":{"Z":-1,"b":true},"x":[null]}]}', null], // serde_json: invalid type: boolean `true`, expected a string
  ["{\"type\":\"FleetRun\",\"value\":{\"id\":\"a\",\"name\":{\"10\":\"\",\"a\":{\"a\":[null]}},\"status\":\"Running\",\"task_specs\":[{\"id\":\"ünïcödé\",\"name\":\"x y\",\"instructions\":\"run-1\",\"alert_policy\":{\"channels\":[{\"kind\":\"pager_duty\",\"routing_key\":\"\\\\\",\"severity\":\"😀\"},{\"kind\":\"webhook\",\"url\":\"\\\\\"}],\"after_minutes_stale\":65535},\"timeout_seconds\":2}],\"labels\":{\"z\":\"z\",\"a\":\"a\"},\"created_at\":\"\\\"q\\\"\",\"completed_at\":\"\\u0001\"}}", null], // serde_json: invalid type: map, expected a string
  ["{\"type\":\"FleetReceipt\",\"value\":{\"run_id\":\"x y\",\"task_id\":\"\",\"worker_id\":\"x y\",\"completed_at\":-1,\"result\":\"skip\",\"score\":{\"value\":1E2}}}", null], // serde_json: invalid type: integer `-1`, expected a string
  ['{"type":"FleetWorkerEventPayload","value":{"state":{},"signal":true}}', null], // serde_json: invalid type: map, expected variant identifier
  ["{\"type\":\"FleetArtifactRef\",\"value\":{\"kind\":\"log\",\"path\":\"/tmp/a\",\"mime_type\":{\"2\":[false,\"a\"],\"😀\":[{\"10\":true}],\"a\":[[\"😀\",9007199254740991],[\"\",123456789012345678901234567890]],\"\":[true]}}}", null], // serde_json: invalid type: map, expected a string
  ['{"type":"FleetRetryPolicy","value":{}}', '{"ok":true,"type":"FleetRetryPolicy","value":{"max_attempts":3,"initial_backoff_seconds":5,"max_backoff_seconds":300,"backoff_multiplier":2}}'],
  ["{\"type\":\"FleetAlertChannel\",\"value\":{\"kind\":\"pager_duty\",\"routing_key\":\"\\\"q\\\"\",\"severity\":\"\\u0001\"}}", "{\"ok\":true,\"type\":\"FleetAlertChannel\",\"value\":{\"kind\":\"pager_duty\",\"routing_key\":\"\\\"q\\\"\",\"severity\":\"\\u0001\"}}"],
  ['{"type":"FleetArtifactKind","value":""}', '{"ok":true,"type":"FleetArtifactKind","value":""}'],
  ["{\"type\":\"FleetRun\",\"value\":{\"id\":\"a\",\"name\":\"\\\\\",\"status\":\"Running\",\"labels\":{\"z\":\"z\",\"a\":\"a\"},\"created_at\":\"run-1\",\"completed_at\":\"a\"}}", null], // serde_json: unknown variant `Running`, expected one of `pending`, `queued`, `running`, `paused`, `completed`, `failed`, `cancelled`
  ['{"type":"FleetWorkerStatus","value":{}}', null], // serde_json: invalid value: map, expected map with a single key
  ['{"type":"FleetWorkerSpec","value":{"id":"","name":"/tmp/p","host":{"kind":"local"},"max_concurrent_tasks":0}}', '{"ok":true,"type":"FleetWorkerSpec","value":{"id":"","name":"/tmp/p","host":{"kind":"local"},"labels":{},"capabilities":[],"max_concurrent_tasks":0}}'],
  ['{"type":"FleetArtifactKind","value":"report"}', '{"ok":true,"type":"FleetArtifactKind","value":"report"}'],
  ['{"type":"FleetScore","value":false}', null], // serde_json: invalid type: boolean `false`, expected struct FleetScore
  ["{\"type\":\"FleetWorkerEvent\",\"value\":{\"seq\":2147483648,\"run_id\":\"ünïcödé\",\"worker_id\":\"a\",\"task_id\":\"/tmp/p\",\"timestamp\":\"\\\"q\\\"\",\"state\":\"cancelled\",\"cancelled_by\":\"x y\"}}", "{\"ok\":true,\"type\":\"FleetWorkerEvent\",\"value\":{\"seq\":2147483648,\"run_id\":\"ünïcödé\",\"worker_id\":\"a\",\"task_id\":\"/tmp/p\",\"timestamp\":\"\\\"q\\\"\",\"state\":\"cancelled\",\"cancelled_by\":\"x y\"}}"],
  ['{"type":"FleetRunStatus","value":null}', null], // serde_json: invalid type: null, expected string or map
  ['{"type":"FleetScore","value":{"value":2147483647,"notes":"a"}}', '{"ok":true,"type":"FleetScore","value":{"value":2147483647.0,"notes":"a"}}'],
  ["{\"type\":\"FleetArtifactKind\",\"value\":[[null,{\"seq\":{\"é\":-0,\"constructor\":{},\"😀\":{\"é\":\"/tmp/p\"}}}],{\"b\":true},\"\\\"q\\\"\"]}", null], // serde_json: invalid type: sequence, expected a string
  ['{"type":"FleetRun","value":{"size_bytes":false}}', null], // serde_json: missing field `id`
  ['{"type":"FleetScorerSpec","value":{"kind":"manual"}}', '{"ok":true,"type":"FleetScorerSpec","value":{"kind":"manual"}}'],
  ['{"type":"FleetWorkerStatus","value":"unknown"}', '{"ok":true,"type":"FleetWorkerStatus","value":"unknown"}'],
  ["{\"type\":\"FleetTaskSpec\",\"value\":[[[65536]],\"/tmp/p\",\"\",\"x y\",[\"checkpoint\",\"coverage.xml\"],{},{\"2\":\"😀\",\"a\":[],\"constructor\":{\"2\":[[[null,null,null],\"a\",2147483648]],\"10\":{},\"a\":\"x y\"}}]}", null], // serde_json: invalid type: sequence, expected a string
  ['{"type":"FleetInboxEntry","value":{"lease_deadline":"run-1","priority":5e-324,"task_id":"x y","run_id":"/tmp/p"}}', null], // serde_json: invalid type: floating point `0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005`, expected i32
  ['{"type":"FleetRun","value":["","a","cancelled",{"2":true,"constructor":[3.14159]},[],"/tmp/p","run-1"]}', null], // serde_json: invalid type: map, expected a sequence
  ["{\"type\":\"FleetTaskSpec\",\"value\":{\"id\":\"a\",\"name\":\"\",\"description\":\"\\\\\",\"instructions\":\"\",\"scorer\":{\"kind\":\"manual\"},\"retry_policy\":{\"max_attempts\":65536,\"max_backoff_seconds\":18446744073709551615},\"alert_policy\":{\"kind\":\"😀\"}}}", "{\"ok\":true,\"type\":\"FleetTaskSpec\",\"value\":{\"id\":\"a\",\"name\":\"\",\"description\":\"\\\\\",\"instructions\":\"\",\"expected_artifacts\":[],\"scorer\":{\"kind\":\"manual\"},\"retry_policy\":{\"max_attempts\":65536,\"initial_backoff_seconds\":5,\"max_backoff_seconds\":18446744073709551615,\"backoff_multiplier\":2},\"alert_policy\":{\"channels\":[],\"after_attempts\":null,\"after_minutes_stale\":null},\"timeout_seconds\":null,\"metadata\":{}}}"],
  ["{\"type\":\"FleetRun\",\"value\":[\"😀\",\"/tmp/p\",null,[{\"id\":\"\\u0001\",\"name\":\"\",\"host\":{\"kind\":\"docker\",\"image\":\"run-1\"},\"labels\":{\"2\":\"y\",\"10\":\"x\",\"b\":\"ünïcödé\",\"a\":\"😀\"},\"max_concurrent_tasks\":2}],\"run-1\"]}", null], // serde_json: invalid type: null, expected string or map
  ["{\"type\":\"FleetWorkerEvent\",\"value\":{\"seq\":2147483648,\"run_id\":\"😀\",\"task_id\":\"\\u0001\",\"timestamp\":[{\"a\":false,\"b\":{}},null],\"state\":\"completed\",\"exit_code\":-9223372036854775808}}", null], // serde_json: invalid type: sequence, expected a string
  ['{"type":"FleetTaskResult","value":null}', null], // serde_json: invalid type: null, expected string or map
  ["{\"type\":\"FleetWorkerEvent\",\"value\":{\"seq\":-1,\"run_id\":\"\",\"worker_id\":\"\",\"task_id\":\"/tmp/p\",\"timestamp\":\"x y\",\"state\":\"completed\",\"exit_code\":1.7976931348623157e308,\"extra\":{\"😀\":[true],\"é\":[{\"é\":[null,false],\"x\":[{\"2\":18446744073709551615,\"a\":1E2},1],\"a\":false}],\"a\":\"\\\"q\\\"\"}}}", null], // serde_json: invalid value: integer `-1`, expected u64
  ['{"type":"FleetTaskResult","value":false}', null], // serde_json: invalid type: boolean `false`, expected string or map
  ["{\"type\":\"FleetAlertPolicy\",\"value\":{\"channels\":[{\"kind\":\"webhook\",\"url\":\"run-1\",\"secret\":\"😀\"}],\"after_attempts\":\"\"}}", null], // serde_json: invalid type: string "\u{e000}", expected u32
  ["{\"type\":\"FleetScore\",\"value\":{\"b\":{\"Z\":{\"Z\":true,\"x\":18446744073709551616,\"é\":false},\"b\":\"😀\"}}}", null], // serde_json: missing field `value`
  ["{\"type\":\"FleetWorkerEvent\",\"value\":{\"seq\":{\"\":[false]},\"run_id\":\"x y\",\"worker_id\":[false],\"task_id\":\"/tmp/p\",\"state\":\"starting\"}}", null], // serde_json: invalid type: map, expected u64
  ['{"type":"FleetAlertPolicy","value":{"channels":false}}', null], // serde_json: invalid type: boolean `false`, expected a sequence
  ['{"type":"FleetReceipt","value":false}', null], // serde_json: invalid type: boolean `false`, expected struct FleetReceipt
  ['{"type":"FleetArtifactRef","value":{"kind":"coverage.xml","path":"/tmp/a"}}', '{"ok":true,"type":"FleetArtifactRef","value":{"kind":"coverage.xml","path":"/tmp/a","size_bytes":null}}'],
  ['{"type":"FleetWorkerStatus","value":"unhealthy"}', '{"ok":true,"type":"FleetWorkerStatus","value":"unhealthy"}'],
  ["{\"type\":\"FleetWorkerSpec\",\"value\":{\"id\":\"a\",\"name\":\"😀\",\"host\":{\"kind\":\"local\"},\"capabilities\":[\"a\"]}}", "{\"ok\":true,\"type\":\"FleetWorkerSpec\",\"value\":{\"id\":\"a\",\"name\":\"😀\",\"host\":{\"kind\":\"local\"},\"labels\":{},\"capabilities\":[\"a\"]}}"],
  ['{"type":"FleetArtifactRef","value":{"kind":"report","path":"/tmp/a"}}', '{"ok":true,"type":"FleetArtifactRef","value":{"kind":"report","path":"/tmp/a","size_bytes":null}}'],
  ["{\"type\":\"FleetAlertChannel\",\"value\":{\"kind\":\"pager_duty\",\"routing_key\":\"\\\\\",\"severity\":\"😀\"}}", "{\"ok\":true,\"type\":\"FleetAlertChannel\",\"value\":{\"kind\":\"pager_duty\",\"routing_key\":\"\\\\\",\"severity\":\"😀\"}}"],
  ['{"type":"FleetHostSpec","value":{"kind":"local"}}', '{"ok":true,"type":"FleetHostSpec","value":{"kind":"local"}}'],
  ['{"type":"FleetWorkerStatus","value":"online"}', '{"ok":true,"type":"FleetWorkerStatus","value":"online"}'],
  ['{"type":"FleetAlertPolicy","value":{}}', '{"ok":true,"type":"FleetAlertPolicy","value":{"channels":[],"after_attempts":null,"after_minutes_stale":null}}'],
  ['{"type":"FleetWorkerEventPayload","value":{"state":"starting"}}', '{"ok":true,"type":"FleetWorkerEventPayload","value":{"state":"starting"}}'],
  ["{\"type\":\"FleetReceipt\",\"value\":{\"run_id\":\"\\\"q\\\"\",\"task_id\":\"ünïcödé\",\"worker_id\":\"ünïcödé\",\"completed_at\":\"\",\"result\":\"fail\"}}", "{\"ok\":true,\"type\":\"FleetReceipt\",\"value\":{\"run_id\":\"\\\"q\\\"\",\"task_id\":\"ünïcödé\",\"worker_id\":\"ünïcödé\",\"completed_at\":\"\",\"result\":\"fail\",\"artifacts\":[],\"score\":null}}"],
  ['{"type":"FleetRetryPolicy","value":[2147483648]}', '{"ok":true,"type":"FleetRetryPolicy","value":{"max_attempts":2147483648,"initial_backoff_seconds":5,"max_backoff_seconds":300,"backoff_multiplier":2}}'],
  ['{"type":"FleetAlertPolicy","value":{"unknown":true}}', '{"ok":true,"type":"FleetAlertPolicy","value":{"channels":[],"after_attempts":null,"after_minutes_stale":null}}'],
  ['{"type":"FleetAlertPolicy","value":{"kind":0.0}}', '{"ok":true,"type":"FleetAlertPolicy","value":{"channels":[],"after_attempts":null,"after_minutes_stale":null}}'],
  ['{"type":"FleetScore","value":[-2147483649,2147483647,""]}', '{"ok":true,"type":"FleetScore","value":{"value":-2147483649.0,"max":2147483647.0,"notes":""}}'],
  ['{"type":"FleetTaskResult","value":"timeout"}', '{"ok":true,"type":"FleetTaskResult","value":"timeout"}'],
  ['{"type":"FleetRetryPolicy","value":{"initial_backoff_seconds":2147483648,"max_backoff_seconds":65536}}', '{"ok":true,"type":"FleetRetryPolicy","value":{"max_attempts":3,"initial_backoff_seconds":2147483648,"max_backoff_seconds":65536,"backoff_multiplier":2}}'],
  ['{"type":"FleetArtifactRef","value":{"kind":"patch","path":""}}', '{"ok":true,"type":"FleetArtifactRef","value":{"kind":"patch","path":"","size_bytes":null}}'],
  ["{\"type\":\"FleetWorkerEventPayload\",\"value\":{\"state\":\"leased\",\"lease_expires_at\":\"x y\",\"unknown\":{\"Z\":[1,\"a\"],\"😀\":true},\"size_bytes\":{\"Z\":[true,null]}}}", '{"ok":true,"type":"FleetWorkerEventPayload","value":{"state":"leased","lease_expires_at":"x y"}}'],
  ['{"type":"FleetTaskResult","value":"skip"}', '{"ok":true,"type":"FleetTaskResult","value":"skip"}'],
  ["{\"type\":\"FleetWorkerSpec\",\"value\":{\"id\":\"/tmp/p\",\"name\":\"\\u0001\",\"host\":{\"kind\":\"local\"},\"labels\":{\"2\":\"y\",\"10\":\"x\",\"b\":\"/tmp/p\",\"a\":\"😀\"}}}", "{\"ok\":true,\"type\":\"FleetWorkerSpec\",\"value\":{\"id\":\"/tmp/p\",\"name\":\"\\u0001\",\"host\":{\"kind\":\"local\"},\"labels\":{\"10\":\"x\",\"2\":\"y\",\"a\":\"😀\",\"b\":\"/tmp/p\"},\"capabilities\":[]}}"],
  ["{\"type\":\"FleetTaskSpec\",\"value\":{\"id\":\"\",\"name\":\"\\u0001\",\"description\":\"run-1\",\"instructions\":\"\\u0001\",\"retry_policy\":{\"backoff_multiplier\":7}}}", "{\"ok\":true,\"type\":\"FleetTaskSpec\",\"value\":{\"id\":\"\",\"name\":\"\\u0001\",\"description\":\"run-1\",\"instructions\":\"\\u0001\",\"expected_artifacts\":[],\"retry_policy\":{\"max_attempts\":3,\"initial_backoff_seconds\":5,\"max_backoff_seconds\":300,\"backoff_multiplier\":7},\"timeout_seconds\":null,\"metadata\":{}}}"],
  ["{\"type\":\"FleetTaskSpec\",\"value\":{\"id\":\"\",\"name\":\"\",\"description\":null,\"instructions\":\"😀\",\"retry_policy\":{\"initial_backoff_seconds\":2},\"metadata\":{\"a\":[{\"😀\":null,\"constructor\":{\"constructor\":0}},false],\"b\":\"a\",\"Z\":null},\"extra\":true}}", "{\"ok\":true,\"type\":\"FleetTaskSpec\",\"value\":{\"id\":\"\",\"name\":\"\",\"instructions\":\"😀\",\"expected_artifacts\":[],\"retry_policy\":{\"max_attempts\":3,\"initial_backoff_seconds\":2,\"max_backoff_seconds\":300,\"backoff_multiplier\":2},\"timeout_seconds\":null,\"metadata\":{\"Z\":null,\"a\":[{\"constructor\":{\"constructor\":0},\"😀\":null},false],\"b\":\"a\"}}}"],
  ['{"type":"FleetAlertPolicy","value":[]}', '{"ok":true,"type":"FleetAlertPolicy","value":{"channels":[],"after_attempts":null,"after_minutes_stale":null}}'],
  ['{"type":"FleetScorerSpec","value":{"kind":"file_exists","path":"run-1"}}', '{"ok":true,"type":"FleetScorerSpec","value":{"kind":"file_exists","path":"run-1"}}'],
  ["{\"type\":\"FleetArtifactRef\",\"value\":{\"kind\":\"\",\"path\":\"/tmp/a\",\"checksum\":\"\\u0001\"}}", "{\"ok\":true,\"type\":\"FleetArtifactRef\",\"value\":{\"kind\":\"\",\"path\":\"/tmp/a\",\"checksum\":\"\\u0001\",\"size_bytes\":null}}"],
  ['{"type":"FleetScorerSpec","value":{"kind":"json_path","path":"/tmp/p","expression":"$.a"}}', '{"ok":true,"type":"FleetScorerSpec","value":{"kind":"json_path","path":"/tmp/p","expression":"$.a"}}'],
  ['{"type":"FleetWorkerStatus","value":"busy"}', '{"ok":true,"type":"FleetWorkerStatus","value":"busy"}'],
  ["{\"type\":\"FleetWorkerSpec\",\"value\":{\"id\":\"ünïcödé\",\"name\":\"\",\"host\":{\"kind\":\"local\"},\"capabilities\":[\"/tmp/p\"],\"tool\":true,\"extra\":[[\"ünïcödé\"]]}}", "{\"ok\":true,\"type\":\"FleetWorkerSpec\",\"value\":{\"id\":\"ünïcödé\",\"name\":\"\",\"host\":{\"kind\":\"local\"},\"labels\":{},\"capabilities\":[\"/tmp/p\"]}}"],
  ['{"type":"FleetWorkerStatus","value":"online"}', '{"ok":true,"type":"FleetWorkerStatus","value":"online"}'],
  ['{"type":"FleetRunStatus","value":"queued"}', '{"ok":true,"type":"FleetRunStatus","value":"queued"}'],
  ["{\"type\":\"FleetAlertChannel\",\"value\":{\"kind\":\"webhook\",\"url\":\"\\\"q\\\"\",\"secret\":\"\"}}", "{\"ok\":true,\"type\":\"FleetAlertChannel\",\"value\":{\"kind\":\"webhook\",\"url\":\"\\\"q\\\"\",\"secret\":\"\"}}"],
  ['{"type":"FleetArtifactKind","value":"report"}', '{"ok":true,"type":"FleetArtifactKind","value":"report"}'],
  ['{"type":"FleetTaskResult","value":"pass"}', '{"ok":true,"type":"FleetTaskResult","value":"pass"}'],
  ["{\"type\":\"FleetAlertChannel\",\"value\":{\"kind\":\"pager_duty\",\"routing_key\":\"x y\",\"severity\":\"😀\"}}", "{\"ok\":true,\"type\":\"FleetAlertChannel\",\"value\":{\"kind\":\"pager_duty\",\"routing_key\":\"x y\",\"severity\":\"😀\"}}"],
  ["{\"type\":\"FleetAlertPolicy\",\"value\":{\"channels\":[{\"kind\":\"pager_duty\",\"routing_key\":\"x y\",\"severity\":\"/tmp/p\"},{\"kind\":\"pager_duty\",\"routing_key\":\"\",\"severity\":\"\\\"q\\\"\"}],\"after_attempts\":4294967295}}", "{\"ok\":true,\"type\":\"FleetAlertPolicy\",\"value\":{\"channels\":[{\"kind\":\"pager_duty\",\"routing_key\":\"x y\",\"severity\":\"/tmp/p\"},{\"kind\":\"pager_duty\",\"routing_key\":\"\",\"severity\":\"\\\"q\\\"\"}],\"after_attempts\":4294967295,\"after_minutes_stale\":null}}"],
];

describe('conformance with the Rust reference implementation', () => {
  it.each(CONFORMANCE)('%s', (line, rust) => {
    const out = wireLine(line);
    if (rust === null) {
      const a = JSON.parse(out) as { ok: boolean; type: unknown; error: string };
      expect(a.ok, out).toBe(false);
      expect(a.type).toBe((JSON.parse(line) as { type: unknown }).type);
      expect(a.error).toMatch(/^\S.*: \S/);
    } else expect(out).toBe(rust);
  });
});
