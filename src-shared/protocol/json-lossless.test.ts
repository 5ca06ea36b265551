import { describe, expect, it } from 'vitest';
import { compareUtf8, FloatLiteral, formatFloat, parseJsonLossless, serdeJsonNumber, stringifyWire, toPlainNumber } from './json-lossless';

/** The lossless result with numbers flattened the way JSON.parse would give them. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof FloatLiteral) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: plain(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

const VALID = [
  '0',
  '-1',
  '1.5',
  '"x"',
  'true',
  'false',
  'null',
  ' \t\r\n[ 1 , 2 ]\n',
  '{}',
  '[]',
  '{"a":{"b":[1,{"c":null}]},"d":"e"}',
  '{"a":1,"b":2,"a":3}',
  '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00"',
  '"é€😀 raw"',
  '"\\ud800 lone"',
  '[1e5, 1E-5, -0.0, 0.5e+2, 123456789012345678901234567890, -9007199254740993]',
  '{"__proto__":{"x":1},"constructor":1}',
  '"\u2028\u2029"',
];

const INVALID = [
  '',
  ' ',
  '{',
  '[1,]',
  '{"a":1,}',
  '{a:1}',
  "{'a':1}",
  '[1 2]',
  '01',
  '-',
  '1.',
  '.5',
  '1e',
  '1e+',
  '+1',
  'NaN',
  'Infinity',
  'tru',
  'nul',
  '"abc',
  '"\\x"',
  '"\\u12G4"',
  '"tab\there"',
  '\ufeff{}',
  '{} x',
  '[1]]',
  '{"a" 1}',
  '{"a":}',
];

describe('parseJsonLossless', () => {
  it.each(VALID)('agrees with JSON.parse on %j (numbers aside)', (text) => {
    expect(plain(parseJsonLossless(text))).toEqual(JSON.parse(text));
  });

  it.each(INVALID)('throws a SyntaxError like JSON.parse on %j', (text) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(() => parseJsonLossless(text)).toThrow(SyntaxError);
    expect(() => parseJsonLossless(text)).toThrow(/position \d+|end of JSON input/);
  });

  it('keeps integers exact: safe ones as numbers, larger ones as bigint', () => {
    expect(parseJsonLossless('[9007199254740991,-9007199254740991,9007199254740992,18446744073709551615,-9223372036854775809]')).toEqual([
      9007199254740991,
      -9007199254740991,
      9007199254740992n,
      18446744073709551615n,
      -9223372036854775809n,
    ]);
  });

  it('marks integral float literals and keeps other floats plain', () => {
    const [a, b, c, d, e] = parseJsonLossless('[1.0, 2e3, 1.5, 1E-2, 0.0]') as unknown[];
    expect(a).toEqual(new FloatLiteral(1));
    expect(b).toEqual(new FloatLiteral(2000));
    expect(c).toBe(1.5);
    expect(d).toBe(0.01);
    expect(e).toEqual(new FloatLiteral(0));
  });

  it('reads -0 as the float -0.0, as serde_json does', () => {
    const v = parseJsonLossless('-0');
    expect(v).toBeInstanceOf(FloatLiteral);
    expect(Object.is((v as FloatLiteral).value, -0)).toBe(true);
  });

  it('gives Infinity for an overflowing literal like JSON.parse, and a serde_json error in serde mode', () => {
    expect(parseJsonLossless('1e400')).toBe(Infinity);
    expect(() => parseJsonLossless('{"ignored": 1e400}', { serdeJson: true })).toThrow(/number out of range in JSON at position 12/);
  });

  it('creates an own "__proto__" property instead of setting the prototype', () => {
    const v = parseJsonLossless('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts lone surrogates like JSON.parse, but not in serde mode', () => {
    expect(parseJsonLossless('"\\ud800"')).toBe('\ud800');
    expect(() => parseJsonLossless('"\\ud800"', { serdeJson: true })).toThrow(/lone leading surrogate/);
    expect(() => parseJsonLossless('"\\udc00"', { serdeJson: true })).toThrow(/lone trailing surrogate/);
    expect(() => parseJsonLossless('"\\ud800\\u0041"', { serdeJson: true })).toThrow(/lone leading surrogate/);
    expect(() => parseJsonLossless('"x\ud800"', { serdeJson: true })).toThrow(/lone surrogate/);
    expect(() => parseJsonLossless('"\\n\udc00"', { serdeJson: true })).toThrow(/lone surrogate/);
    expect(parseJsonLossless('"\\ud83d\\ude00 \ud83d\ude00"', { serdeJson: true })).toBe('😀 😀');
  });

  it("limits nesting to serde_json's recursion limit (127 levels) in serde mode", () => {
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(() => parseJsonLossless(nest(127), { serdeJson: true })).not.toThrow();
    expect(() => parseJsonLossless(nest(128), { serdeJson: true })).toThrow(/recursion limit exceeded/);
    expect(() => parseJsonLossless(nest(3), { maxDepth: 2 })).toThrow(SyntaxError);
    expect(() => parseJsonLossless(nest(2000))).not.toThrow();
    expect(() => parseJsonLossless(nest(1_000_000))).toThrow(SyntaxError); // too deep for the stack: still a SyntaxError
  });
});

// Each value is what serde_json 1.0.87 (default features) parsed and re-serialized for the literal.
const SERDE_NUMBERS: [literal: string, serdeJsonWrites: string][] = [
  ['0', '0'],
  ['-0', '-0.0'],
  ['18446744073709551615', '18446744073709551615'],
  ['18446744073709551616', '1.8446744073709552e19'],
  ['-9223372036854775808', '-9223372036854775808'],
  ['-9223372036854775809', '-9.223372036854776e18'],
  ['123456789012345678901234567890', '1.2345678901234568e29'],
  ['9007199254740993', '9007199254740993'],
  ['9007199254740993.0', '9007199254740994.0'], // JSON.parse: 9007199254740992
  ['2.2250738585072011e-308', '2.2250738585072014e-308'], // JSON.parse: 2.225073858507201e-308
  ['7.038531e-26', '7.038530999999999e-26'], // JSON.parse: 7.038531e-26
  ['2.4703282292062328e-324', '0.0'], // JSON.parse: 5e-324
  ['1.00000000000000011102230246251565404236316680908203125', '1.0000000000000002'], // JSON.parse: 1
  ['0.1000000000000000055511151231257827', '0.1'],
  ['1e22', '1e22'],
  ['3.0e-5', '0.00003'],
  ['0e99999999999', '0.0'],
  ['1e-99999999999', '0.0'],
  ['1000000000000000000000000e-2147483647', '0.0'],
];

describe('serdeJsonNumber', () => {
  it.each(SERDE_NUMBERS)('%s is read as serde_json reads it (%s)', (literal, expected) => {
    expect(stringifyWire(serdeJsonNumber(literal))).toBe(expected);
    expect(stringifyWire(parseJsonLossless(literal, { serdeJson: true }))).toBe(expected);
  });

  it.each(['1e400', '-1e309', '1e99999999999', '1e2147483647'])('%s is "number out of range"', (literal) => {
    expect(serdeJsonNumber(literal)).toBe('number out of range');
  });

  it('copies serde_json 1.0.87 rejecting 18446744073709551616.5 ("invalid number")', () => {
    // Its no-fraction-digits check (`exponent == 0`) misfires after the >u64 integer path.
    expect(serdeJsonNumber('18446744073709551616.5')).toBe('invalid number');
    expect(stringifyWire(serdeJsonNumber('18446744073709551616.05'))).toBe('1.8446744073709552e19');
  });
});

describe('formatFloat (ryu, as serde_json writes floats)', () => {
  it.each([
    [1, '1.0'],
    [-0, '-0.0'],
    [0, '0.0'],
    [0.95, '0.95'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e16'],
    [123456789012345680000, '1.2345678901234568e20'],
    [0.00001, '0.00001'],
    [0.000001, '1e-6'],
    [1.5e-7, '1.5e-7'],
    [1.5e300, '1.5e300'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e308'],
    [Infinity, 'null'],
    [NaN, 'null'],
  ])('f64 %s -> %s', (v, text) => {
    expect(formatFloat(v)).toBe(text);
  });

  it.each([
    [0.1, '0.1'],
    [50, '50.0'],
    [3.14159265358979, '3.1415927'],
    [12345678901234, '1.2345679e13'],
    [1234567890123, '1234568000000.0'],
    [0.000001, '0.000001'],
    [0.0000001, '1e-7'],
    [1394932.25, '1394932.2'], // exact tie between 1394932.2 and .3: ryu picks the even digit
    [47649.3125, '47649.312'],
    [1e39, 'null'], // beyond f32: `as f32` gives inf, serde_json writes null
  ])('f32 %s -> %s', (v, text) => {
    expect(formatFloat(v, 32)).toBe(text);
  });
});

describe('stringifyWire', () => {
  it('writes like JSON.stringify for plain data', () => {
    const value = { b: 1, a: [true, null, 'x', { c: -2.5 }], 'odd key': '\u0001"\\', s: '😀\u2028' };
    expect(stringifyWire(value)).toBe(JSON.stringify(value));
  });

  it('omits undefined-valued keys and writes undefined array items as null', () => {
    expect(stringifyWire({ a: undefined, b: 1, c: () => 1, d: [undefined] })).toBe('{"b":1,"d":[null]}');
    expect(stringifyWire(undefined)).toBe('null');
  });

  it('writes bigint as digits and FloatLiteral as serde_json does', () => {
    expect(stringifyWire([18446744073709551615n, -5n, new FloatLiteral(1), new FloatLiteral(2e16), new FloatLiteral(-0), new FloatLiteral(0.5, 32)])).toBe(
      '[18446744073709551615,-5,1.0,2e16,-0.0,0.5]',
    );
  });

  it('writes non-integral numbers as serde_json writes an f64', () => {
    expect(stringifyWire([0.000001, 1e21, 2 ** 53, -0, 3])).toBe('[1e-6,1e21,9007199254740992.0,0,3]');
  });

  it("sorts objects with array-index keys by UTF-8 bytes (BTreeMap order JS objects can't hold)", () => {
    expect(stringifyWire({ b: 1, '10': 2, '2': 3, a: 4 })).toBe('{"10":2,"2":3,"a":4,"b":1}');
    expect(stringifyWire({ b: 1, a: 2 })).toBe('{"b":1,"a":2}');
  });

  it('honours toJSON and rejects cycles', () => {
    expect(stringifyWire({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stringifyWire(cyclic)).toThrow(TypeError);
  });

  it('writes a plain document natively exactly as by hand, and falls back for anything else', () => {
    // A float beside the value sends the containing array down the hand-written path.
    const byHand = (v: unknown) => stringifyWire([v, 0.5]).slice(1, -5);
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const leaf = (): unknown => [() => rand(2 ** 40) - 2 ** 39, () => 'é\u{1F600}"\\\n'.slice(rand(5)), () => rand(2) === 0, () => null, () => undefined, () => 2 ** 53, () => 1.5, () => 7n][rand(8)]!();
    const gen = (depth: number): unknown => {
      if (depth > 3 || rand(3) === 0) return leaf();
      if (rand(2) === 0) return Array.from({ length: rand(4) }, () => gen(depth + 1));
      const keys = ['a', 'é', 'z', '10', '2', 'toJSON'];
      return Object.fromEntries(Array.from({ length: rand(4) }, () => [keys[rand(5)]!, gen(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      const v = { doc: gen(0) };
      expect(stringifyWire(v)).toBe(byHand(v));
    }
  });

  it('round-trips what parseJsonLossless reads in serde mode', () => {
    const text = '{"a":[1,1.0,-0.0,1e16,18446744073709551615,0.1,"é"],"b":{"c":null,"d":false}}';
    expect(stringifyWire(parseJsonLossless(text, { serdeJson: true }))).toBe(text);
  });
});

describe('compareUtf8', () => {
  it('orders by code point, like UTF-8 bytes', () => {
    const words = ['b', 'a', '', 'ab', '\ue000', '😀', '\uffff', 'Z', '10', '2', 'é'];
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...words].sort(compareUtf8)).toEqual(byBytes);
    expect(['😀', '\ue000'].sort()).toEqual(['😀', '\ue000']); // plain sort: UTF-16 order, wrong for BTreeMap
    expect(['😀', '\ue000'].sort(compareUtf8)).toEqual(['\ue000', '😀']);
  });
});

describe('toPlainNumber', () => {
  it('converts bigint and passes numbers through', () => {
    expect(toPlainNumber(5)).toBe(5);
    expect(toPlainNumber(18446744073709551615n)).toBe(18446744073709552000);
  });
});
