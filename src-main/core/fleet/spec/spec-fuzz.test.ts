// Fuzz: 10,000 mutated specs through the spec loader. Whatever the input, the loader answers — it
// never throws — and every problem it reports starts with the field it is about
// (`task_specs[2].retry_policy.max_attempts: …`, or `(root): …` for the document itself). The
// loader is pure (it returns a run to create and writes nothing), so a refusal leaves no trace.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec, loadSpecValue } from './load-spec';
import { detectFormat, parseSpecText } from './parse-text';
import { seededRandom } from '../../test-support/seeded-random';

const examplesDir = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'examples');

const RICH = {
  name: 'fuzz base',
  labels: { team: 'core' },
  worker_specs: [{ id: 'w1', name: 'w1', host: { kind: 'local' }, capabilities: ['git'], max_concurrent_tasks: 2 }],
  task_specs: [
    {
      id: 'a', name: 'A', instructions: 'echo a > out.txt', timeout_seconds: 60,
      scorer: { kind: 'regex_match', path: 'out.txt', pattern: '^a$' },
      retry_policy: { max_attempts: 3, initial_backoff_seconds: 1 },
      metadata: { priority: 5, requires: ['git'], agent: { command: 'sh -c {instructions}' }, policy: { rules: [{ id: 'p', tool: 'exec_shell', prefix: 'git push', action: 'ask' }], mode: 'untrusted' } },
    },
    { id: 'b', name: 'B', instructions: 'true', scorer: { kind: 'json_path', path: 'r.json', expression: '$.score' }, metadata: { min_score: 0.5 } },
    { id: 'c', name: 'C', instructions: 'true', scorer: { kind: 'manual' } },
  ],
};

function bases(): unknown[] {
  const out: unknown[] = [RICH];
  for (const f of fs.readdirSync(examplesDir)) {
    if (!/\.(ya?ml|json|toml)$/.test(f)) continue;
    const text = fs.readFileSync(path.join(examplesDir, f), 'utf8');
    out.push(parseSpecText(text, detectFormat(text, f)));
  }
  return out;
}


const ODD_VALUES: unknown[] = [
  null, 0, -1, 1.5, 2 ** 31, -(2 ** 53), Number.MAX_SAFE_INTEGER, '', ' ', 'x', 'é🚀\u0000', '../../etc/passwd', '/abs/path',
  'a'.repeat(5000), true, false, [], [null], {}, { kind: 'telepathy' }, { '': 1 }, ['git', 3], '$[', '(', 'exit_code',
  { command: '' }, { rules: 'nope' }, [{ id: 'x' }], { __proto__: { polluted: true } }, 1e308, -0,
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A fresh copy each time: a shared object mutated later would grow into a cycle. */
function odd(r: () => number): unknown {
  return structuredClone(pick(r, ODD_VALUES));
}

/** Every container (object or array) in the document, with the key paths to reach it. */
function containers(v: unknown, acc: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (v && typeof v === 'object') {
    acc.push(v as Record<string, unknown>);
    for (const child of Object.values(v)) containers(child, acc);
  }
  return acc;
}

function mutate(doc: unknown, r: () => number): unknown {
  const copy = structuredClone(doc);
  const steps = 1 + Math.floor(r() * 3);
  for (let s = 0; s < steps; s++) {
    const all = containers(copy);
    if (all.length === 0) return odd(r);
    const target = pick(r, all);
    const keys = Object.keys(target);
    const op = Math.floor(r() * 6);
    if (Array.isArray(target)) {
      if (op === 0 && target.length > 0) target.splice(Math.floor(r() * target.length), 1);
      else if (op === 1 && target.length > 0) target.push(structuredClone(pick(r, target)));
      else if (op === 2) target.push(odd(r));
      else if (target.length > 0) target[Math.floor(r() * target.length)] = odd(r);
      else target.push(odd(r));
    } else if (op === 0 && keys.length > 0) {
      delete target[pick(r, keys)];
    } else if (op === 1) {
      target[pick(r, ['zz_unknown', 'id', 'name', 'kind', 'max_attempts', 'scorer', 'metadata', 'agent', 'requires', 'priority'])] = odd(r);
    } else if (keys.length > 0) {
      target[pick(r, keys)] = op === 5 ? structuredClone(pick(r, all)) : odd(r);
    }
  }
  return copy;
}

/** A problem names its field: a path (no spaces) or `(root)`, then `: `, then what is wrong. */
const NAMES_A_FIELD = /^(\(root\)|[^\s:][^\s]*?): \S/;

describe('spec loader fuzz', () => {
  const options = { defaultCapabilities: ['git'], workspace: null };

  it('10,000 mutated specs: no crash, and every problem names its field', () => {
    const docs = bases();
    const r = seededRandom(20261201);
    let refused = 0;
    const unnamed: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const doc = mutate(pick(r, docs), r);
      let result;
      try {
        result = loadSpecValue(doc, 'json', options);
      } catch (e) {
        throw new Error(`spec #${i} crashed the loader: ${(e as Error).stack}\n${JSON.stringify(doc).slice(0, 2000)}`);
      }
      if (result.ok) continue;
      refused++;
      expect(result.issues.length).toBeGreaterThan(0);
      for (const issue of result.issues) if (!NAMES_A_FIELD.test(issue)) unnamed.push(`#${i}: ${issue}`);
    }
    expect(unnamed.slice(0, 20)).toEqual([]);
    expect(refused).toBeGreaterThan(1000); // the mutations do break specs, so the check above means something
  });

  it('mangled text: syntax errors are reported at the root, never thrown', () => {
    const r = seededRandom(7);
    const texts = fs.readdirSync(examplesDir).filter((f) => /\.(ya?ml|json|toml)$/.test(f)).map((f) => ({ f, text: fs.readFileSync(path.join(examplesDir, f), 'utf8') }));
    for (let i = 0; i < 500; i++) {
      const { f, text } = pick(r, texts);
      const at = Math.floor(r() * text.length);
      const mangled = text.slice(0, at) + pick(r, ['{', '[', ':', '"', '\t', '\u0000', '- -', ']]', '= =', '\n  x']) + text.slice(at + Math.floor(r() * 5));
      const result = loadSpec(mangled, { ...options, filename: f });
      if (!result.ok) for (const issue of result.issues) expect(issue).toMatch(NAMES_A_FIELD);
    }
  });
});
