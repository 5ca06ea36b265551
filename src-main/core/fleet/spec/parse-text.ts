// Reads a spec file's text (JSON, YAML or TOML) into a plain value, keeping what the protocol's
// integer rules need: integers stay distinguishable from floats (`1.0` is not a valid u32) and
// integers beyond 2^53 stay exact.
import { parse as parseToml } from 'smol-toml';
import { isAlias, parseDocument, visit, type Alias, type Document } from 'yaml';
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
    return normalizeNumbers(yamlToJs(doc, text), expansionBudget(text));
  }
  let toml: unknown;
  try {
    toml = parseToml(text, { integersAsBigInt: true });
  } catch (e) {
    // smol-toml's first line is "Invalid TOML document: <what>"; the place is on the error itself.
    const err = e as Error & { line?: unknown; column?: unknown };
    const what = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw new SpecSyntaxError(`not valid TOML: ${what}${typeof err.line === 'number' && typeof err.column === 'number' ? ` at line ${err.line}, column ${err.column}` : ''}`);
  }
  return normalizeNumbers(toml, expansionBudget(text));
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

/**
 * The plain value of a parsed YAML document. Anchors and aliases are welcome (a hundred tasks may
 * share one `&defaults`), so yaml's own alias limit — which refused the 101st use of an anchor as a
 * "resource exhaustion attack" — is off: an alias resolves to the anchored value itself (shared, not
 * copied), and what a document really expands to is bounded by normalizeNumbers' budget. An alias
 * inside the very node it names would be infinitely deep: refused with its name and place.
 */
export function yamlToJs(doc: Document, text: string): unknown {
  const lastAnchor = new Map<string, unknown>();
  let recursive: Alias | null = null;
  // Pre-order, as yaml resolves an alias: to the last node before it carrying that anchor.
  visit(doc, {
    Node(_key, node, path) {
      if (isAlias(node)) {
        if (path.includes(lastAnchor.get(node.source) as never)) {
          recursive = node;
          return visit.BREAK;
        }
      } else if (node.anchor) lastAnchor.set(node.anchor, node);
      return undefined;
    },
  });
  if (recursive) {
    const alias: Alias = recursive;
    throw new SpecSyntaxError(`not valid YAML: the alias *${alias.source} is inside the node anchored &${alias.source}, so it would repeat without end${where(text, alias.range?.[0])}`);
  }
  return doc.toJS({ maxAliasCount: -1 });
}

/** " at line L, column C" of an offset, as the parsers' own errors say it. */
function where(text: string, offset: number | undefined): string {
  if (offset === undefined) return '';
  const before = text.slice(0, offset).split('\n');
  return ` at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/** How many values (scalars, lists, maps) a spec may expand to: every one the text could spell out
 *  without aliases, and a million more through them. An alias bomb (a few lines that nest aliases
 *  into billions of values) stops here instead of exhausting memory. */
function expansionBudget(text: string): { left: number; limit: number } {
  return { left: text.length + 1_000_000, limit: text.length + 1_000_000 };
}

/** YAML/TOML give integers as bigint and floats as number; map them onto the lossless JSON
 *  parser's representation so one set of schemas judges every format alike. Each value copied
 *  spends one of `budget`. */
function normalizeNumbers(value: unknown, budget: { left: number; limit: number }): unknown {
  if (--budget.left < 0) throw new SpecSyntaxError(`not valid YAML: its aliases expand it to more than ${budget.limit.toLocaleString('en-US')} values, far more than it spells out (an alias bomb?); write the repeated parts out`);
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof value === 'number') return Number.isInteger(value) ? new FloatLiteral(value) : value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => normalizeNumbers(v, budget));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeNumbers(v, budget);
    return out;
  }
  return value;
}
