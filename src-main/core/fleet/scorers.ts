// Verifies an attempt's result per its FleetScorerSpec. Every scorer first needs the agent to have
// exited 0 (a crashed agent's files prove nothing); then it applies its own check inside the workdir.
import fs from 'node:fs';
import { JSONPath } from 'jsonpath-plus';
import type { FleetScore, FleetScorerSpec } from '../../../src-shared/protocol/fleet';
import { confinedPath, PathEscapeError } from './artifacts';

export type Verdict =
  | { result: 'pass' | 'fail'; score: FleetScore | null; reason?: string }
  | { result: 'review'; score: null };

const MAX_READ = 16 * 1024 * 1024;

function readConfined(workdir: string, rel: string): { text: string } | { error: string } {
  try {
    const file = confinedPath(workdir, rel);
    if (!fs.existsSync(file)) return { error: `${rel} does not exist` };
    const st = fs.statSync(file);
    if (!st.isFile()) return { error: `${rel} is not a file` };
    if (st.size > MAX_READ) return { error: `${rel} is larger than 16 MiB` };
    return { text: fs.readFileSync(file, 'utf8') };
  } catch (e) {
    return { error: e instanceof PathEscapeError ? e.message : `cannot read ${rel}: ${(e as Error).message}` };
  }
}

const pass = (notes?: string): Verdict => ({ result: 'pass', score: { value: 1, max: 1, ...(notes ? { notes } : {}) } });
const fail = (reason: string): Verdict => ({ result: 'fail', score: { value: 0, max: 1, notes: reason }, reason });

export function score(spec: FleetScorerSpec | null | undefined, exitCode: number | null, workdir: string, metadata: Record<string, unknown> = {}): Verdict {
  if (exitCode !== 0) return fail(exitCode === null ? 'agent ended without an exit code' : `agent exited with code ${exitCode}`);
  const s = spec ?? { kind: 'exit_code' as const };
  switch (s.kind) {
    case 'exit_code':
      return pass('exit code 0');
    case 'manual':
      return { result: 'review', score: null };
    case 'file_exists': {
      const rel = String(s.path);
      try {
        const file = confinedPath(workdir, rel);
        return fs.existsSync(file) ? pass(`${rel} exists`) : fail(`${rel} does not exist`);
      } catch (e) {
        return fail((e as Error).message);
      }
    }
    case 'regex_match': {
      const r = readConfined(workdir, String(s.path));
      if ('error' in r) return fail(r.error);
      return new RegExp(s.pattern, 'm').test(r.text) ? pass(`${String(s.path)} matches /${s.pattern}/`) : fail(`${String(s.path)} does not match /${s.pattern}/`);
    }
    case 'json_path': {
      const r = readConfined(workdir, String(s.path));
      if ('error' in r) return fail(r.error);
      let json: unknown;
      try {
        json = JSON.parse(r.text);
      } catch (e) {
        return fail(`${String(s.path)} is not JSON: ${(e as Error).message}`);
      }
      const found = JSONPath({ path: s.expression, json: json as object, wrap: true }) as unknown[];
      if (found.length === 0) return fail(`${s.expression} matched nothing in ${String(s.path)}`);
      const v = found[0];
      if (typeof v === 'boolean') return v ? pass(`${s.expression} is true`) : fail(`${s.expression} is false`);
      if (typeof v === 'number' && Number.isFinite(v)) {
        // A number is the score; `metadata.min_score` (default: any number) decides pass/fail.
        const min = typeof metadata.min_score === 'number' ? metadata.min_score : undefined;
        const max = typeof metadata.max_score === 'number' ? metadata.max_score : undefined;
        const ok = min === undefined || v >= min;
        const notes = `${s.expression} = ${v}${min !== undefined ? ` (needs ≥ ${min})` : ''}`;
        return { result: ok ? 'pass' : 'fail', score: { value: v, ...(max !== undefined ? { max } : {}), notes }, ...(ok ? {} : { reason: notes }) };
      }
      return fail(`${s.expression} is ${JSON.stringify(v)}; expected a number or a boolean`);
    }
  }
}
