// Lossless JSON for the fleet wire protocol.
//
// JSON.parse loses two distinctions that serde_json makes and the Rust reference implementation relies on:
//   * `1.0` is a float to serde_json (a u32 field rejects it) but the number 1 to JSON.parse;
//   * 18446744073709551615 is a valid u64 but JSON.parse rounds it to 18446744073709552000.
// parseJsonLossless keeps both: integer literals beyond Number.MAX_SAFE_INTEGER become bigint, and
// float literals with an integral value become FloatLiteral. stringifyWire writes them back the way
// serde_json would (bigint as digits, FloatLiteral as `1.0`, ryu's float formatting).

/** A JSON float literal whose value is integral (`1.0`, `2e3`, `-0`): an f64 to serde_json. */
export class FloatLiteral {
  /** `width` 32 marks an f32 (serde_json formats f32 with ryu's f32 rules, e.g. `1.2345679e13`). */
  constructor(
    readonly value: number,
    readonly width: 64 | 32 = 64,
  ) {}
}

export function toPlainNumber(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v) : v;
}

export interface ParseOptions {
  /** Deepest allowed nesting of arrays/objects; deeper input throws SyntaxError. */
  maxDepth?: number;
  /**
   * Read like serde_json::from_str into a Value: numbers as serde_json computes them (see
   * serdeJsonNumber), and reject what it rejects but JSON.parse accepts: nesting deeper than 127
   * (its recursion limit, unless maxDepth says otherwise), literals that overflow f64 (`1e400`:
   * "number out of range"), and lone UTF-16 surrogates in strings.
   */
  serdeJson?: boolean;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const SERDE_JSON_MAX_DEPTH = 127;

/** JSON.parse, except for numbers (see the file comment). Throws SyntaxError with a position. */
export function parseJsonLossless(text: string, options: ParseOptions = {}): unknown {
  const serde = options.serdeJson === true;
  const maxDepth = options.maxDepth ?? (serde ? SERDE_JSON_MAX_DEPTH : Infinity);
  let i = 0;

  const fail = (message: string, at = i): never => {
    if (at >= text.length) throw new SyntaxError(`Unexpected end of JSON input (${message})`);
    throw new SyntaxError(`${message} in JSON at position ${at}`);
  };
  const unexpected = (): never => {
    if (i >= text.length) throw new SyntaxError('Unexpected end of JSON input');
    return fail(`Unexpected token ${JSON.stringify(text[i])}`);
  };
  const skipWs = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };

  const parseString = (): string => {
    // text[i] is the opening quote.
    const start = ++i;
    // Fast path: no escapes.
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return text.slice(start, i++);
      if (c === 0x5c) break;
      if (c < 0x20 || Number.isNaN(c)) fail(Number.isNaN(c) ? 'Unterminated string' : 'Bad control character in string literal');
      i += serde && c >= 0xd800 && c <= 0xdfff ? rawSurrogatePair(c) : 1;
    }
    let out = text.slice(start, i);
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c < 0x20 || Number.isNaN(c)) fail(Number.isNaN(c) ? 'Unterminated string' : 'Bad control character in string literal');
      if (c !== 0x5c) {
        const n = serde && c >= 0xd800 && c <= 0xdfff ? rawSurrogatePair(c) : 1;
        out += text.slice(i, i + n);
        i += n;
        continue;
      }
      const e = text.charCodeAt(i + 1);
      let n = 2;
      switch (e) {
        case 0x22: out += '"'; break;
        case 0x5c: out += '\\'; break;
        case 0x2f: out += '/'; break;
        case 0x62: out += '\b'; break;
        case 0x66: out += '\f'; break;
        case 0x6e: out += '\n'; break;
        case 0x72: out += '\r'; break;
        case 0x74: out += '\t'; break;
        case 0x75: {
          const code = hex4(i + 2);
          n = 6;
          out += String.fromCharCode(code);
          // serde_json decodes strings to UTF-8, so an unpaired surrogate escape is an error there.
          if (serde && code >= 0xd800 && code <= 0xdfff) {
            if (code >= 0xdc00) fail('lone trailing surrogate in hex escape', i);
            const low = text.charCodeAt(i + 6) === 0x5c && text.charCodeAt(i + 7) === 0x75 ? hex4(i + 8) : -1;
            if (low < 0xdc00 || low > 0xdfff) fail('lone leading surrogate in hex escape', i);
            out += String.fromCharCode(low);
            n = 12;
          }
          break;
        }
        default:
          fail('Bad escaped character', i + 1);
      }
      i += n;
    }
  };
  const hex4 = (at: number): number => {
    let code = 0;
    for (let k = 0; k < 4; k++) {
      const h = text.charCodeAt(at + k);
      const d = h >= 0x30 && h <= 0x39 ? h - 0x30 : h >= 0x61 && h <= 0x66 ? h - 0x57 : h >= 0x41 && h <= 0x46 ? h - 0x37 : -1;
      if (d < 0) fail('Bad Unicode escape', at + k);
      code = code * 16 + d;
    }
    return code;
  };
  // A raw surrogate at text[i] (a JS string need not be well-formed): only a proper pair is valid.
  const rawSurrogatePair = (c: number): number => {
    const n = text.charCodeAt(i + 1);
    if (c <= 0xdbff && n >= 0xdc00 && n <= 0xdfff) return 2;
    return fail('lone surrogate in string');
  };

  const parseNumber = (): unknown => {
    const start = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    let c = text.charCodeAt(i);
    if (c === 0x30) i++;
    else if (c >= 0x31 && c <= 0x39) {
      do i++;
      while (isDigit(text.charCodeAt(i)));
    } else fail('No number after minus sign');
    let isFloat = false;
    c = text.charCodeAt(i);
    if (c === 0x2e) {
      isFloat = true;
      i++;
      if (!isDigit(text.charCodeAt(i))) fail('Unterminated fractional number');
      while (isDigit(text.charCodeAt(i))) i++;
      c = text.charCodeAt(i);
    }
    if (c === 0x65 || c === 0x45) {
      isFloat = true;
      i++;
      c = text.charCodeAt(i);
      if (c === 0x2b || c === 0x2d) i++;
      if (!isDigit(text.charCodeAt(i))) fail('Exponent part is missing a number');
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const literal = text.slice(start, i);
    if (serde) {
      const value = serdeJsonNumber(literal);
      if (typeof value === 'string') fail(value, start);
      return value;
    }
    if (!isFloat) {
      // serde_json parses `-0` as the float -0.0 (its integer types have no negative zero).
      if (literal === '-0') return new FloatLiteral(-0);
      if (literal.length <= 15) return Number(literal);
      const big = BigInt(literal);
      return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big;
    }
    const value = Number(literal);
    return Number.isInteger(value) ? new FloatLiteral(value) : value;
  };

  const parseValue = (depth: number): unknown => {
    skipWs();
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x22:
        return parseString();
      case 0x7b: {
        if (depth >= maxDepth) fail(serde ? 'recursion limit exceeded' : `nesting deeper than ${maxDepth}`);
        i++;
        const obj: Record<string, unknown> = {};
        skipWs();
        if (text.charCodeAt(i) === 0x7d) {
          i++;
          return obj;
        }
        for (;;) {
          skipWs();
          if (text.charCodeAt(i) !== 0x22) fail("Expected property name or '}'");
          const key = parseString();
          skipWs();
          if (text.charCodeAt(i) !== 0x3a) fail("Expected ':' after property name");
          i++;
          const value = parseValue(depth + 1);
          // JSON.parse creates an own "__proto__" property; plain assignment would set the prototype.
          if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
          else obj[key] = value;
          skipWs();
          const d = text.charCodeAt(i);
          if (d === 0x2c) i++;
          else if (d === 0x7d) {
            i++;
            return obj;
          } else fail("Expected ',' or '}' after property value");
        }
      }
      case 0x5b: {
        if (depth >= maxDepth) fail(serde ? 'recursion limit exceeded' : `nesting deeper than ${maxDepth}`);
        i++;
        const arr: unknown[] = [];
        skipWs();
        if (text.charCodeAt(i) === 0x5d) {
          i++;
          return arr;
        }
        for (;;) {
          arr.push(parseValue(depth + 1));
          skipWs();
          const d = text.charCodeAt(i);
          if (d === 0x2c) i++;
          else if (d === 0x5d) {
            i++;
            return arr;
          } else fail("Expected ',' or ']' after array element");
        }
      }
      case 0x74:
        return literal('true', true);
      case 0x66:
        return literal('false', false);
      case 0x6e:
        return literal('null', null);
      default:
        if (c === 0x2d || isDigit(c)) return parseNumber();
        return unexpected();
    }
  };
  const literal = <T>(word: string, value: T): T => {
    for (let k = 0; k < word.length; k++) {
      if (text.charCodeAt(i) !== word.charCodeAt(k)) unexpected();
      i++;
    }
    return value;
  };

  let result: unknown;
  try {
    result = parseValue(0);
  } catch (error) {
    // Recursion this deep only comes from pathological nesting; report it as bad JSON.
    if (error instanceof RangeError) throw new SyntaxError('JSON nested too deeply to parse');
    throw error;
  }
  skipWs();
  if (i < text.length) fail('Unexpected non-whitespace character after the value');
  return result;
}

const U64_MAX = (1n << 64n) - 1n;
export type SerdeNumberError = 'number out of range' | 'invalid number';
const I64_MIN_MAGNITUDE = 1n << 63n;
const POW10: number[] = Array.from({ length: 309 }, (_, n) => Number(`1e${n}`));

/**
 * The value serde_json (default features, i.e. without `float_roundtrip`) reads for a valid JSON
 * number literal, or its error message. Integers within u64 / i64 stay integers (number, or
 * bigint past 2^53); everything else is an f64, which serde_json computes as "significand (≤ u64,
 * later digits dropped) × or ÷ a power of ten" — not always the correctly rounded value that
 * JSON.parse gives for literals with many digits or large exponents. Mirrors serde_json 1.0.87's
 * de.rs (parse_integer / parse_decimal / parse_exponent / f64_from_parts).
 */
export function serdeJsonNumber(literal: string): number | bigint | FloatLiteral | SerdeNumberError {
  let k = 0;
  const positive = literal.charCodeAt(0) !== 0x2d;
  if (!positive) k++;
  let sig = 0 as number | bigint; // (cast: push() mutates it, which control-flow narrowing cannot see)
  let exponent = 0;
  let intOverflow = false;
  let fracOverflow = false;
  let isFloat = false;
  // Appends a digit unless the u64 significand would overflow (serde_json's `overflow!`).
  const push = (d: number): boolean => {
    if (typeof sig === 'number') {
      if (sig < 9e14) {
        sig = sig * 10 + d;
        return true;
      }
      sig = BigInt(sig);
    }
    const next: bigint = sig * 10n + BigInt(d);
    if (next > U64_MAX) return false;
    sig = next;
    return true;
  };
  for (; k < literal.length; k++) {
    const c = literal.charCodeAt(k);
    if (!isDigit(c)) break;
    if (intOverflow) exponent++; // parse_long_integer: further integer digits only scale
    else if (!push(c - 0x30)) {
      intOverflow = true;
      exponent++;
    }
  }
  if (literal.charCodeAt(k) === 0x2e) {
    isFloat = true;
    for (k++; k < literal.length; k++) {
      const c = literal.charCodeAt(k);
      if (!isDigit(c)) break;
      if (fracOverflow) continue; // parse_decimal_overflow: the rest is ignored
      if (push(c - 0x30)) exponent--;
      else fracOverflow = true;
    }
    // parse_decimal's "no digit after the point" test is `exponent == 0`, which also fires when
    // fraction digits exactly cancel the digits dropped from a >u64 integer part.
    if (!fracOverflow && exponent === 0) return 'invalid number';
  }
  const e = literal.charCodeAt(k);
  if (e === 0x65 || e === 0x45) {
    isFloat = true;
    k++;
    let positiveExp = true;
    if (literal.charCodeAt(k) === 0x2b) k++;
    else if (literal.charCodeAt(k) === 0x2d) {
      positiveExp = false;
      k++;
    }
    let exp = 0;
    for (; k < literal.length; k++) {
      const d = literal.charCodeAt(k) - 0x30;
      if (exp >= 214748364 && (exp > 214748364 || d > 7)) {
        // parse_exponent_overflow: an exponent beyond i32.
        if (Number(sig) !== 0 && positiveExp) return 'number out of range';
        return new FloatLiteral(positive ? 0 : -0);
      }
      exp = exp * 10 + d;
    }
    exponent = Math.max(-2147483648, Math.min(2147483647, positiveExp ? exponent + exp : exponent - exp));
  }
  if (!isFloat && !intOverflow) {
    if (positive) return typeof sig === 'bigint' && sig > MAX_SAFE ? sig : Number(sig);
    if (sig === 0) return new FloatLiteral(-0); // "Convert into a float ... on `-0`"
    if (typeof sig === 'number') return -sig;
    if (sig <= I64_MIN_MAGNITUDE) return -sig >= -MAX_SAFE ? Number(-sig) : -sig;
    return new FloatLiteral(-Number(sig)); // below i64::MIN: an f64
  }
  // f64_from_parts
  let f = Number(sig);
  for (;;) {
    const abs = Math.abs(exponent);
    if (abs <= 308) {
      if (exponent >= 0) {
        f *= POW10[abs]!;
        if (!Number.isFinite(f)) return 'number out of range';
      } else f /= POW10[abs]!;
      break;
    }
    if (f === 0) break;
    if (exponent >= 0) return 'number out of range';
    f /= 1e308;
    exponent += 308;
  }
  if (!positive) f = -f;
  return Number.isInteger(f) ? new FloatLiteral(f) : f;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Orders strings by their UTF-8 bytes (= code point order), as Rust's BTreeMap<String, _> does.
 * Plain `<` compares UTF-16 code units, which differs for astral characters (surrogates
 * D800–DFFF) against U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    let x = a.charCodeAt(k);
    let y = b.charCodeAt(k);
    if (x === y) continue;
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Formats a float the way serde_json does (ryu): shortest round-trip digits, always with a `.` or
 * an exponent (`1.0`, `1e16`, `0.00001`, `1e-6`, `1.5e300`); non-finite values become `null`.
 * `width` 32 applies ryu's f32 rules (shortest digits that round-trip through f32).
 */
export function formatFloat(value: number, width: 64 | 32 = 64): string {
  const v = width === 32 ? Math.fround(value) : value;
  if (!Number.isFinite(v)) return 'null';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [digits, kk] = width === 64 ? shortestDigits64(Math.abs(v)) : shortestDigits32(Math.abs(v));
  // ryu's pretty printer (ryu/src/pretty/mod.rs, format64 / format32); v = 0.DIGITS × 10^kk.
  const length = digits.length;
  const k = kk - length;
  const limit = width === 64 ? 16 : 13;
  const low = width === 64 ? -5 : -6;
  let body: string;
  if (k >= 0 && kk <= limit) body = digits + '0'.repeat(k) + '.0';
  else if (kk > 0 && kk <= limit) body = digits.slice(0, kk) + '.' + digits.slice(kk);
  else if (kk > low && kk <= 0) body = '0.' + '0'.repeat(-kk) + digits;
  else if (length === 1) body = digits + 'e' + (kk - 1);
  else body = digits[0] + '.' + digits.slice(1) + 'e' + (kk - 1);
  return (v < 0 ? '-' : '') + body;
}

/** Splits `d.ddde±x` into the digit string and x. */
function splitExponential(s: string): [string, number] {
  const e = s.indexOf('e');
  return [s.slice(0, e).replace('.', ''), Number(s.slice(e + 1))];
}

/** Shortest round-trip digits of a positive f64 (V8 and ryu agree, ties to even), and kk. */
function shortestDigits64(v: number): [string, number] {
  const [digits, x] = splitExponential(v.toExponential());
  return [digits, x + 1];
}

/**
 * Shortest digits that round-trip through f32, choosing like ryu's f2s: among the shortest, the
 * closest, and on an exact tie the even one (toExponential rounds ties up, hence the fix-ups).
 */
function shortestDigits32(v: number): [string, number] {
  for (let p = 1; p <= 9; p++) {
    const near = v.toExponential(p - 1);
    const [nearDigits, x] = splitExponential(near);
    const m = BigInt(nearDigits);
    const nearValue = Number(near);
    if (Math.fround(nearValue) === v) {
      if (m % 2n === 1n && isExactTie(v, p)) return normalizeDigits(m - 1n, x, p);
      return normalizeDigits(m, x, p);
    }
    // At a power of two the round-trip interval is lopsided: the farther neighbour may fit.
    const alt = nearValue > v ? m - 1n : m + 1n;
    if (alt > 0n && Math.fround(Number(`${alt}e${x - p + 1}`)) === v) return normalizeDigits(alt, x, p);
  }
  return normalizeDigits(BigInt(splitExponential(v.toExponential(8))[0]), splitExponential(v.toExponential(8))[1], 9);
}

/** Whether v's exact decimal expansion is exactly halfway between two p-digit decimals. */
function isExactTie(v: number, p: number): boolean {
  const [digits] = splitExponential(v.toExponential(Math.min(100, p + 40)));
  return digits[p] === '5' && /^0*$/.test(digits.slice(p + 1));
}

/** m is a p-digit mantissa whose first digit has exponent x: return digits (no trailing zeros), kk. */
function normalizeDigits(m: bigint, x: number, p: number): [string, number] {
  const digits = m.toString();
  const kk = x - p + digits.length + 1;
  return [digits.replace(/0+$/, '') || '0', kk];
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return String(n);
  // Non-integral (or beyond 2^53, which only floats reach): an f64 to serde_json.
  return formatFloat(n);
}

// Canonical array index ("0", "17"; not "01", "-1"): JS objects enumerate these first, ascending.
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Compact JSON like JSON.stringify (undefined-valued keys omitted, insertion order kept, toJSON
 * honoured) except: bigint is written as its digits, FloatLiteral and non-integral numbers as
 * serde_json writes an f64 (`1.0`, `1e16`), and an object with array-index keys ("2", "10") has
 * its keys sorted by UTF-8 bytes. Why the last: JS always enumerates such keys first in numeric
 * order, so an object cannot hold serde's BTreeMap order ("10" < "2" < "a"); objects with such keys
 * are maps (struct fields never look like that), and every map serde writes is sorted.
 */
export function stringifyWire(value: unknown): string {
  // Most documents (task specs, receipts) hold nothing the native writer would spell differently:
  // checking that is several times cheaper than writing them by hand.
  if (typeof value === 'object' && value !== null && isNativeJson(value, 0)) return JSON.stringify(value);
  return write(value, []) ?? 'null';
}

/** Whether JSON.stringify writes exactly what write() would: only strings, booleans, null, safe
 *  integers, and plain arrays and objects of them whose keys do not look like array indexes. Deep
 *  or cyclic values are left to write(), which reports the cycle. */
function isNativeJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER;
    case 'object':
      break;
    default:
      return false; // bigint, function, symbol
  }
  if (value === null) return true;
  if (depth > 32) return false;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) if (!isNativeJson(value[k], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false; // FloatLiteral, Date, boxed values
  const obj = value as Record<string, unknown>;
  let first = true;
  for (const key in obj) {
    if (first && ARRAY_INDEX.test(key)) return false;
    first = false;
    if (!isNativeJson(obj[key], depth + 1)) return false;
  }
  return true;
}

function write(value: unknown, stack: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return formatNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined; // undefined, function, symbol
  }
  if (value === null) return 'null';
  if (value instanceof FloatLiteral) return formatFloat(value.value, value.width);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value), stack);
  if (stack.includes(value)) throw new TypeError('Converting circular structure to JSON');
  stack.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let k = 0; k < value.length; k++) {
      if (k > 0) out += ',';
      out += write(value[k], stack) ?? 'null';
    }
    out += ']';
  } else {
    const obj = value as Record<string, unknown>;
    let keys = Object.keys(obj);
    if (keys.length > 0 && ARRAY_INDEX.test(keys[0]!)) keys = keys.slice().sort(compareUtf8);
    out = '{';
    let first = true;
    for (const key of keys) {
      const item = write(obj[key], stack);
      if (item === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += JSON.stringify(key) + ':' + item;
    }
    out += '}';
  }
  stack.pop();
  return out;
}
