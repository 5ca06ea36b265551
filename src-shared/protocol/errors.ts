// Turns a ZodError into lines a person can act on: `<field path>: <what is wrong>`, e.g.
//   task_specs[2].scorer.pattern: required
//   priority: expected an integer from -2147483648 to 2147483647, got 1.5
// Generic over any zod schema (fleet protocol, spec files, IPC input). Custom messages are kept;
// zod's built-in ones ("Invalid input: expected string, received undefined") are reworded.
import type { z } from 'zod';
import { FloatLiteral, formatFloat } from './json-lossless';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `a.b[2]["odd key"]`, or `(root)` for the empty path. */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'symbol') out += `[${key.toString()}]`;
    else if (IDENT.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out === '' ? '(root)' : out;
}

/** One line per problem, in the order zod found them. */
export function formatIssues(error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) collect(issue, [], lines);
  return lines;
}

function collect(issue: Issue, prefix: readonly PathKey[], lines: string[]): void {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'invalid_union': {
      // Report the branch that got furthest (fewest problems); a union with no branches left
      // (discriminator mismatch) falls through to the message.
      const branches = issue.errors.filter((b) => b.length > 0);
      if (branches.length > 0) {
        const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
        for (const inner of best) collect(inner, path, lines);
        return;
      }
      break;
    }
    case 'invalid_key':
    case 'invalid_element':
      for (const inner of issue.issues) collect(inner, path, lines);
      return;
  }
  lines.push(`${formatPath(path)}: ${describeIssue(issue)}`);
}

const DEFAULT_INVALID_TYPE = /^Invalid input: expected (.+?), received (.+)$/;

function describeIssue(issue: Issue): string {
  const message = issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const m = DEFAULT_INVALID_TYPE.exec(message);
      if (!m) return message;
      if (m[2] === 'undefined') return 'required';
      return `expected ${article(m[1]!)}, got ${m[2] === 'null' ? 'null' : article(m[2]!)}`;
    }
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      if (!message.startsWith('Invalid')) return message;
      return issue.values.length === 1
        ? `expected ${showPrimitive(issue.values[0])}`
        : `expected one of ${issue.values.map(showPrimitive).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      if (!message.startsWith('Too ')) return message;
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      const what = issue.origin === 'string' ? ' characters' : issue.origin === 'array' || issue.origin === 'set' ? ' items' : '';
      if (issue.exact) return `expected exactly ${bound}${what}`;
      if (what) return `expected ${small ? 'at least' : 'at most'} ${inclusive ? bound : small ? Number(bound) + 1 : Number(bound) - 1}${what}`;
      return `expected a value ${small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<'} ${bound}`;
    }
    case 'invalid_format':
      return message.startsWith('Invalid') ? `not a valid ${issue.format}` : message;
    case 'not_multiple_of':
      return message.startsWith('Invalid') ? `expected a multiple of ${issue.divisor}` : message;
    default:
      return message;
  }
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function showPrimitive(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}` : String(v);
}

/** A short, human description of a received value for messages: `string "abc"`, `1.5`, `an object`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (v instanceof FloatLiteral) return `${formatFloat(v.value, v.width)} (a floating-point number)`;
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return `string ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v)}`;
    case 'number':
      return Number.isFinite(v) ? String(v) : `${v} (out of range)`;
    case 'bigint':
      return v.toString();
    case 'boolean':
      return `boolean ${v}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof v}`;
  }
}
