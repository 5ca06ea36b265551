// Splits a shell command into the simple commands it would run, so each can be judged on its own:
// `a && b || c; d | e & f`, newlines, subshells `( … )`, command substitutions `$( … )` and backticks
// (also inside double quotes, where they still run), `bash -c '…'`, `eval …`, and wrappers such as
// `env FOO=1 cmd` or `exec cmd`. Heredoc bodies are data, not commands, and are skipped.
// shell-quote turns each segment into words; this file handles the structure it does not.
import { parse } from 'shell-quote';

export interface ShellSegment {
  /** The segment as written (trimmed), for people. */
  text: string;
  /** Its words after quotes, assignments, wrappers and redirections are taken out. */
  words: string[];
}

/** Keywords that open or continue a compound command; the command follows them. */
const LEADING_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
/** Segments that start with these hold no command of their own. */
const NON_COMMANDS = new Set(['fi', 'done', '}', 'esac', 'for', 'case', 'select', 'in', 'function']);
const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh']);
/** Wrappers that run the rest of their words as a command. */
const WRAPPERS: Record<string, { valueFlags: string[]; leadingValues?: number }> = {
  exec: { valueFlags: ['-a'] },
  command: { valueFlags: [] },
  builtin: { valueFlags: [] },
  nohup: { valueFlags: [] },
  env: { valueFlags: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'] },
  nice: { valueFlags: ['-n', '--adjustment'] },
  timeout: { valueFlags: ['-s', '--signal', '-k', '--kill-after'], leadingValues: 1 },
  stdbuf: { valueFlags: ['-i', '-o', '-e'] },
  xargs: { valueFlags: ['-I', '-n', '-P', '-d', '-a', '-E', '-L', '-s'] },
};

const SUBST = 'SHOAL_SUBST';

/** Every simple command `command` would run, in order. */
export function splitShell(command: string): ShellSegment[] {
  const out: ShellSegment[] = [];
  collect(command, out, 0);
  return out;
}

function collect(command: string, out: ShellSegment[], depth: number): void {
  if (depth > 8) {
    // Deeper nesting than any real command: judge the whole remainder as one opaque command.
    out.push({ text: command.trim(), words: [command.trim()] });
    return;
  }
  const raw: Array<{ text: string; parseText: string }> = [];
  const nested: string[] = [];
  let text = '';
  let parseText = '';
  let quote: "'" | '"' | null = null;
  let heredocs: string[] = [];
  const flush = () => {
    if (text.trim() !== '') raw.push({ text: text.trim(), parseText });
    text = '';
    parseText = '';
  };
  const add = (s: string, p: string = s) => {
    text += s;
    parseText += p;
  };
  const atWordStart = () => parseText === '' || /[\s]$/.test(parseText);
  let i = 0;
  while (i < command.length) {
    const ch = command[i]!;
    const next = command[i + 1];
    if (quote === "'") {
      add(ch);
      if (ch === "'") quote = null;
      i++;
      continue;
    }
    if (ch === '\\' && next !== undefined) {
      if (next === '\n') { i += 2; continue; } // line continuation
      add(ch + next);
      i += 2;
      continue;
    }
    if (ch === '$' && next === '(' && command[i + 2] === '(') {
      // Arithmetic $(( … )): no commands inside.
      const end = command.indexOf('))', i + 3);
      const stop = end < 0 ? command.length : end + 2;
      add(command.slice(i, stop), '0');
      i = stop;
      continue;
    }
    if ((ch === '$' && next === '(') || ch === '`') {
      const { inner, stop } = ch === '`' ? backtickBody(command, i) : parenBody(command, i + 1);
      nested.push(inner);
      add(command.slice(i, stop), SUBST);
      i = stop;
      continue;
    }
    if (quote === '"') {
      add(ch);
      if (ch === '"') quote = null;
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      add(ch);
      i++;
      continue;
    }
    if (ch === '#' && atWordStart()) {
      while (i < command.length && command[i] !== '\n') i++;
      continue;
    }
    if (ch === '<' && next === '<' && command[i + 2] !== '<') {
      // Heredoc: remember the delimiter; its body starts at the next newline.
      const m = /^<<-?\s*(['"]?)([A-Za-z0-9_.-]+)\1/.exec(command.slice(i));
      if (m) {
        heredocs.push(m[2]!);
        add(m[0]);
        i += m[0].length;
        continue;
      }
    }
    if (ch === '\n') {
      flush();
      i++;
      for (const delim of heredocs) {
        // Skip the body up to and including the line that is just the delimiter.
        while (i < command.length) {
          const eol = command.indexOf('\n', i);
          const line = command.slice(i, eol < 0 ? command.length : eol);
          i = eol < 0 ? command.length : eol + 1;
          if (line.replace(/^\t+/, '') === delim) break;
        }
      }
      heredocs = [];
      continue;
    }
    const two = ch + (next ?? '');
    if (two === '&&' || two === '||' || two === ';;' || two === '|&') {
      flush();
      i += 2;
      continue;
    }
    if (ch === '&' && (next === '>' || /[<>]$/.test(parseText))) {
      add(ch); // &> and >& are redirections, not background
      i++;
      continue;
    }
    if (ch === ';' || ch === '|' || ch === '&' || ch === '(' || ch === ')') {
      flush();
      i++;
      continue;
    }
    add(ch);
    i++;
  }
  flush();
  for (const r of raw) expandSegment(r.text, r.parseText, out, depth);
  for (const inner of nested) collect(inner, out, depth + 1);
}

/** `( … )` starting at `open` (the index of '('), aware of quotes and nesting. */
function parenBody(s: string, open: number): { inner: string; stop: number } {
  let depth = 0;
  let quote: "'" | '"' | null = null;
  for (let i = open; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '\\') { i++; continue; }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return { inner: s.slice(open + 1, i), stop: i + 1 };
  }
  return { inner: s.slice(open + 1), stop: s.length };
}

function backtickBody(s: string, open: number): { inner: string; stop: number } {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    if (s[i] === '`') return { inner: s.slice(open + 1, i), stop: i + 1 };
  }
  return { inner: s.slice(open + 1), stop: s.length };
}

/** Words of one simple command, then what it really runs (through shells, eval and wrappers). */
function expandSegment(text: string, parseText: string, out: ShellSegment[], depth: number): void {
  let words = wordsOf(parseText);
  while (words.length > 0 && LEADING_KEYWORDS.has(words[0]!)) words = words.slice(1);
  if (words.length === 0 || NON_COMMANDS.has(words[0]!) || /^[A-Za-z_][A-Za-z0-9_]*\(\)$/.test(words[0]!)) return;
  words = unwrap(words);
  if (words.length === 0) return;
  text = text.replace(/^(?:(?:if|then|else|elif|do|while|until|!|\{|time)\s+)+/, '');
  const program = programName(words[0]!);
  if (SHELLS.has(program)) {
    const c = words.findIndex((w, idx) => idx > 0 && /^-[a-z]*c[a-z]*$/.test(w));
    if (c > 0 && words[c + 1] !== undefined) {
      collect(words[c + 1]!, out, depth + 1);
      return;
    }
  }
  if (program === 'eval' && words.length > 1) {
    collect(words.slice(1).join(' '), out, depth + 1);
    return;
  }
  out.push({ text, words });
}

/** Leading VAR=value assignments and wrapper commands removed: `env A=1 nice -n 5 git push` → git push. */
function unwrap(words: string[]): string[] {
  let w = words;
  for (let guard = 0; guard < 8; guard++) {
    let k = 0;
    while (k < w.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[k]!)) k++;
    w = w.slice(k);
    const wrapper = w.length > 0 ? WRAPPERS[programName(w[0]!)] : undefined;
    if (!wrapper) return w;
    let j = 1;
    while (j < w.length && w[j]!.startsWith('-') && w[j] !== '-') {
      if (wrapper.valueFlags.includes(w[j]!)) j++;
      j++;
    }
    if (w[j] === '--') j++;
    j += wrapper.leadingValues ?? 0;
    w = w.slice(j);
  }
  return w;
}

export function programName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

/** shell-quote's words, without redirections (and their targets), comments and fd numbers. */
export function wordsOf(text: string): string[] {
  const tokens = parse(text, (key) => `$${key}`);
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (typeof t === 'string') {
      const n = tokens[i + 1];
      if (/^\d+$/.test(t) && n && typeof n === 'object' && 'op' in n && /[<>]/.test(String(n.op))) continue;
      words.push(t === SUBST ? '$(…)' : t);
      continue;
    }
    if ('comment' in t) break;
    if ('op' in t) {
      if (t.op === 'glob') words.push((t as { pattern: string }).pattern);
      else if (/[<>]/.test(t.op)) i++; // the redirection's target is not an argument
    }
  }
  return words;
}
