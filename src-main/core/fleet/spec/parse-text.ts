// Reads a spec file's text (JSON, YAML or TOML) into a plain value, keeping what the protocol's
// integer rules need: integers stay distinguishable from floats (`1.0` is not a valid u32) and
// integers beyond 2^53 stay exact.
import { parse as parseToml } from 'smol-toml';
import { parseDocument } from 'yaml';
import { FloatLiteral, parseJsonLossless } from '../../../../src-shared/protocol/json-lossless';

export type SpecFormat = 'json' | 'yaml' | 'toml';

export function detectFormat(text: string, filename?: string): SpecFormat {
  const ext = filename?.toLowerCase().match(/\.(json|ya?ml|toml)$/)?.[1];
  if (ext === 'json') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'toml') return 'toml';
  const first = text.trimStart()[0];
  if (first === '{' || first === '[' && !/^\s*\[[\w.-]+\]\s*$/m.test(text.split('\n')[0] ?? '')) return 'json';
  if (/^\s*\[\[?[\w."-]+\]\]?\s*$/m.test(text) || /^\s*[\w"-]+\s*=\s*\S/m.test(text)) return 'toml';
  return 'yaml';
}

/** How a YAML spec is read, here and where the launch preview places problems: `<<: *defaults`
 *  merge keys are merged (YAML 1.1's idiom for shared task settings; without this the settings
 *  became an unknown field "<<" and were silently dropped). */
export const YAML_OPTIONS = { merge: true } as const;

export class SpecSyntaxError extends Error {}

/** Parses `text`; throws SpecSyntaxError with a line/column a person can find. */
export function parseSpecText(text: string, format: SpecFormat): unknown {
  if (format === 'json') {
    try {
      return parseJsonLossless(text);
    } catch (e) {
      throw new SpecSyntaxError(`not valid JSON: ${jsonWhere(text, (e as Error).message)}`);
    }
  }
  if (format === 'yaml') {
    const doc = parseDocument(text, { ...YAML_OPTIONS, intAsBigInt: true, uniqueKeys: true, prettyErrors: true });
    // The first line of yaml's message ends "at line L, column C:", the colon introducing an excerpt.
    if (doc.errors.length > 0) throw new SpecSyntaxError(`not valid YAML: ${doc.errors[0]!.message.split('\n')[0]!.replace(/:$/, '')}`);
    return normalizeNumbers(doc.toJS({ maxAliasCount: 100 }));
  }
  try {
    return normalizeNumbers(parseToml(text, { integersAsBigInt: true }));
  } catch (e) {
    // smol-toml's first line is "Invalid TOML document: <what>"; the place is on the error itself.
    const err = e as Error & { line?: unknown; column?: unknown };
    const what = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw new SpecSyntaxError(`not valid TOML: ${what}${typeof err.line === 'number' && typeof err.column === 'number' ? ` at line ${err.line}, column ${err.column}` : ''}`);
  }
}

/** The JSON parser names an offset ("in JSON at position 56"); a person looks for a line and a
 *  column, as YAML and TOML errors give them (and the launch preview marks that line). */
function jsonWhere(text: string, message: string): string {
  const at = /in JSON at position (\d+)$/.exec(message);
  const offset = at ? Number(at[1]) : /^Unexpected end of JSON input/.test(message) ? text.length : null;
  if (offset === null) return message;
  const before = text.slice(0, offset).split('\n');
  const where = `at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
  return at ? message.replace(/in JSON at position \d+$/, where) : `${message} ${where}`;
}

/** YAML/TOML give integers as bigint and floats as number; map them onto the lossless JSON
 *  parser's representation so one set of schemas judges every format alike. */
function normalizeNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof value === 'number') return Number.isInteger(value) ? new FloatLiteral(value) : value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalizeNumbers);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeNumbers(v);
    return out;
  }
  return value;
}
