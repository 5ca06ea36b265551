// What the launch preview needs beyond the loader's verdict: each problem placed in the spec (which
// task, which line), the tasks as written even when the spec is invalid, and a check of the
// workspace folder the person typed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import type { SpecReview } from '../../../src-shared/contract';
import { detectFormat, YAML_OPTIONS, yamlToJs } from '../fleet/spec/parse-text';

type Key = string | number;

const SEGMENT = /^(?:\(root\)|[A-Za-z_$][\w$]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])(?:\.[A-Za-z_$][\w$]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*/;

/** `task_specs[2].scorer.pattern: required` → path keys and message. */
export function splitIssue(issue: string): { path: string; keys: Key[]; message: string } {
  const m = SEGMENT.exec(issue);
  if (!m || issue.slice(m[0].length, m[0].length + 2) !== ': ') return { path: '(root)', keys: [], message: issue };
  const p = m[0];
  const keys: Key[] = [];
  if (p !== '(root)') {
    for (const part of p.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
      if (part[1] !== undefined) keys.push(part[1]);
      else if (part[2] !== undefined) keys.push(Number(part[2]));
      else keys.push(JSON.parse(part[3]!) as string);
    }
  }
  return { path: p, keys, message: issue.slice(p.length + 2) };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

interface Located { raw: unknown; line(keys: Key[]): number | null }

/** YAML and JSON (a YAML document too): lines come from the parser's node ranges. */
function locateYaml(text: string): Located | null {
  const doc: Document = parseDocument(text, { ...YAML_OPTIONS, uniqueKeys: false });
  if (doc.errors.length > 0) return null;
  const starts = lineStarts(text);
  const bareList = isSeq(doc.contents);
  return {
    raw: yamlToJs(doc, text),
    line(keys) {
      const docKeys = bareList && keys[0] === 'task_specs' ? keys.slice(1) : keys;
      // The deepest part of the path that exists: a missing field points at the object that lacks it.
      for (let n = docKeys.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(docKeys.slice(0, n), true);
        const range = (node as { range?: [number, number, number] } | undefined)?.range;
        if (range) {
          // For a key inside a map, point at the key rather than at the start of a nested value.
          const parent = n > 0 ? (n === 1 ? doc.contents : doc.getIn(docKeys.slice(0, n - 1), true)) : null;
          if (parent && isMap(parent)) {
            const pair = parent.items.find((it) => (it.key as { value?: unknown } | null)?.value === docKeys[n - 1]);
            const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
            if (keyRange) return lineAt(starts, keyRange[0]);
          }
          return lineAt(starts, range[0]);
        }
      }
      return null;
    },
  };
}

/** TOML has no positions in smol-toml: find the n-th [[task_specs]] table and the key in it. */
function locateToml(text: string): Located | null {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const headers: number[] = [];
  lines.forEach((l, i) => {
    if (/^\s*\[\[\s*task_specs\s*\]\]/.test(l)) headers.push(i);
  });
  const firstTable = lines.findIndex((l) => /^\s*\[/.test(l));
  const findKey = (from: number, to: number, k: Key): number | null => {
    if (typeof k !== 'string') return null;
    for (let i = from; i < to; i++) if (new RegExp(`^\\s*"?${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`).test(lines[i]!)) return i + 1;
    return null;
  };
  return {
    raw,
    line(keys) {
      if (keys[0] === 'task_specs' && typeof keys[1] === 'number') {
        const at = headers[keys[1]];
        if (at === undefined) return null;
        const end = headers[keys[1] + 1] ?? lines.length;
        const nextTable = lines.findIndex((l, i) => i > at && /^\s*\[/.test(l));
        return findKey(at + 1, nextTable > at && nextTable < end ? nextTable : end, keys[2] ?? '') ?? at + 1;
      }
      return keys.length > 0 ? findKey(0, firstTable < 0 ? lines.length : firstTable, keys[0]!) : null;
    },
  };
}

function locator(text: string, filename?: string): Located | null {
  try {
    return detectFormat(text, filename) === 'toml' ? locateToml(text) : locateYaml(text);
  } catch {
    return null;
  }
}

/** Places every issue and outlines the tasks as written (works for invalid specs too). */
export function reviewSpec(text: string, filename: string | undefined, issues: readonly string[]): SpecReview {
  const loc = locator(text, filename);
  const located = issues.map((issue) => {
    const { path: p, keys, message } = splitIssue(issue);
    const taskIndex = keys[0] === 'task_specs' && typeof keys[1] === 'number' ? keys[1] : null;
    // A syntax error names its own line ("at line 3, column 5").
    const syntaxLine = keys.length === 0 ? /\bline (\d+)/.exec(message)?.[1] : undefined;
    const line = syntaxLine ? Number(syntaxLine) : keys.length > 0 && p !== 'workspace' ? loc?.line(keys) ?? null : null;
    return { message, path: p, taskIndex, line };
  });
  const raw = loc?.raw;
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? (raw as { task_specs?: unknown }).task_specs : undefined;
  const outline = Array.isArray(list)
    ? list.map((t, index) => {
      const o = t && typeof t === 'object' ? (t as Record<string, unknown>) : {};
      return {
        index,
        id: typeof o.id === 'string' ? o.id : null,
        name: typeof o.name === 'string' ? o.name : null,
        line: loc?.line(['task_specs', index]) ?? null,
      };
    })
    : [];
  return { located, outline };
}

export interface WorkspaceCheck { path: string | null; issue: string | null; warning: string | null }

/** The folder a run works in: absolute (a leading ~ is the home folder), existing, ideally a git
 *  repository (then each task gets its own worktree and a patch of its changes). */
export function checkWorkspace(input: string | null | undefined, home = os.homedir()): WorkspaceCheck {
  const typed = input?.trim() ?? '';
  if (typed === '') return { path: null, issue: null, warning: null };
  const expanded = typed === '~' ? home : typed.startsWith('~/') ? path.join(home, typed.slice(2)) : typed;
  if (!path.isAbsolute(expanded)) {
    return { path: null, issue: `workspace: "${typed}" is not a full path; enter the folder's absolute path (e.g. ${path.join(home, 'project')})`, warning: null };
  }
  const abs = path.resolve(expanded);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(abs);
  } catch {
    stat = undefined;
  }
  if (!stat) return { path: abs, issue: `workspace: there is no folder at ${abs}`, warning: null };
  if (!stat.isDirectory()) return { path: abs, issue: `workspace: ${abs} is a file, not a folder`, warning: null };
  for (let dir = abs; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return { path: abs, issue: null, warning: null };
    if (path.dirname(dir) === dir) break;
  }
  return { path: abs, issue: null, warning: `workspace: ${abs} is not a git repository, so tasks run in scratch folders and no patch of their changes is recorded` };
}
