// Splits a shell command into the simple commands it would run, so each can be judged on its own:
// `a && b || c; d | e & f`, newlines, subshells `( … )`, command substitutions `$( … )` and backticks
// (also inside double quotes, where they still run), `bash -c '…'` (with any options around -c),
// function and coproc bodies, `time -p`, `eval …`, `trap '…'`, find's
// `-exec`, and wrappers (wrappers.ts: `env`, `sudo`, `timeout`, `flock -c`, `npx`, …). Heredoc bodies
// are data, not commands, and are skipped. A segment whose command cannot be known before it runs
// (a variable or glob as the command word, inline interpreter code, a shell reading stdin) is marked
// opaque. shell-quote turns each segment into words; this file handles the structure it does not.
import { parse, quote } from 'shell-quote';
import { opaqueReason } from './inline-code';
import { programName } from './program-name';
import { SUB_WRAPPERS, WRAPPERS, unwrapOnce } from './wrappers';

export interface ShellSegment {
  /** The segment as written (trimmed), for people. */
  text: string;
  /** Its words after quotes, assignments, wrappers and redirections are taken out. */
  words: string[];
  /** Files it reads through a `<` (or `<>`) redirection, as written. */
  inputs?: string[];
  /** Files it writes through a `>`, `>>`, `>|`, `&>`, `>&` (or `<>`) redirection, as written. */
  outputs?: string[];
  /** Set when what it runs cannot be known before it runs (a variable as the command word, inline
   *  code, a shell reading stdin): the reason, for people. Such a segment is never allowed silently. */
  opaque?: string;
}

/** Keywords that open or continue a compound command; the command follows them. */
const LEADING_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
/** Segments that start with these hold no command of their own. */
const NON_COMMANDS = new Set(['fi', 'done', '}', 'esac', 'for', 'case', 'select', 'in']);
/** Words that open a compound command (what `coproc NAME` may be followed by). */
const COMPOUND_START = new Set(['{', 'while', 'until', 'if', 'for', 'case', 'select', '[[']);
const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'mksh', 'yash', 'fish', 'ash', 'busybox-sh']);

const SUBST = 'SHOAL_SUBST';
/** What a `${ … }` expansion is to shell-quote: a variable. */
const PARAM = '$SHOAL_PARAM';

/** Every simple command `command` would run, in order. */
export function splitShell(command: string): ShellSegment[] {
  const out: ShellSegment[] = [];
  collect(command, out, 0);
  return out;
}

function collect(command: string, out: ShellSegment[], depth: number): void {
  if (depth > 8) {
    // Deeper nesting than any real command: judge the whole remainder as one opaque command.
    out.push({ text: command.trim(), words: [command.trim()], opaque: 'it nests shells deeper than the policy follows' });
    return;
  }
  const raw: Array<{ text: string; parseText: string }> = [];
  const nested: string[] = [];
  let text = '';
  let parseText = '';
  let quote: "'" | '"' | null = null;
  let heredocs: Array<{ delim: string; expands: boolean }> = [];
  /** Where each open `${ … }` parameter expansion starts in parseText: its `)`, `;`, `|` and `#`
   *  are not the shell's operators, and shell-quote, which reads few of its forms, gets a variable. */
  const braces: number[] = [];
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
      // Arithmetic $(( … )) — unless the inner paren closes early: `$((cd x) )` is a subshell in
      // a command substitution. Substitutions inside the arithmetic still run.
      const outer = parenBody(command, i + 1);
      const inner = parenBody(command, i + 2);
      if (inner.stop === outer.stop - 1) {
        substitutionsIn(inner.inner, nested);
        add(command.slice(i, outer.stop), '0');
        i = outer.stop;
        continue;
      }
    }
    if ((ch === '$' && next === '(') || ch === '`') {
      const { inner, stop } = ch === '`' ? backtickBody(command, i) : parenBody(command, i + 1);
      nested.push(inner);
      add(command.slice(i, stop), SUBST);
      i = stop;
      continue;
    }
    if (ch === '$' && next === '{') {
      braces.push(parseText.length);
      add('${');
      i += 2;
      continue;
    }
    if (ch === '}' && braces.length > 0) {
      const start = braces.pop()!;
      text += ch;
      if (braces.length === 0) parseText = parseText.slice(0, start) + PARAM;
      i++;
      continue;
    }
    if (quote === '"') {
      add(ch);
      if (ch === '"') quote = null;
      i++;
      continue;
    }
    if (ch === '$' && next === "'") {
      // ANSI-C quoting $'…': backslash escapes (\' among them) decoded, for shell-quote as '…'.
      let j = i + 2;
      while (j < command.length && command[j] !== "'") j += command[j] === '\\' ? 2 : 1;
      const stop = Math.min(j + 1, command.length);
      add(command.slice(i, stop), `'${decodeAnsiC(command.slice(i + 2, Math.min(j, command.length))).replace(/'/g, "'\\''")}'`);
      i = stop;
      continue;
    }
    if (ch === '$' && next === '"') {
      add(ch, ''); // $"…" (a translated string) is "…"
      i++;
      continue;
    }
    if (braces.length > 0) {
      add(ch);
      if (ch === "'" || ch === '"') quote = ch;
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
    if ((ch === '<' || ch === '>') && next === '(' && !/[<>&]$/.test(parseText)) {
      // Process substitution `<( … )`, `>( … )`: its command runs on its own, and the word is the
      // pipe's name (what bash passes), not the end of the command: `diff <(ls) b` reads b.
      const { inner, stop } = parenBody(command, i + 1);
      nested.push(inner);
      add(command.slice(i, stop), '/dev/fd/63');
      i = stop;
      continue;
    }
    if (ch === '<' && next === '<' && command[i + 2] !== '<') {
      // Heredoc: remember the delimiter; its body starts at the next newline.
      const m = /^<<-?\s*(['"]?)([A-Za-z0-9_.-]+)\1/.exec(command.slice(i));
      if (m) {
        // An unquoted delimiter: the body's $( … ) and backticks run.
        heredocs.push({ delim: m[2]!, expands: m[1] === '' });
        add(m[0]);
        i += m[0].length;
        continue;
      }
    }
    if (ch === '\n') {
      flush();
      i++;
      for (const { delim, expands } of heredocs) {
        // Skip the body up to and including the line that is just the delimiter.
        const start = i;
        let end = command.length;
        while (i < command.length) {
          const eol = command.indexOf('\n', i);
          const line = command.slice(i, eol < 0 ? command.length : eol);
          const lineStart = i;
          i = eol < 0 ? command.length : eol + 1;
          if (line.replace(/^\t+/, '') === delim) {
            end = lineStart;
            break;
          }
        }
        if (expands) substitutionsIn(command.slice(start, end), nested);
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
    if (ch === '|' && /(?:^|[^>])>$/.test(parseText)) {
      add(ch); // `>|` (write even with noclobber) is a redirection, not a pipe
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
  // Inside backticks \` \$ and \\ stand for ` $ and \: `a \`b\`` runs a, whose b runs too.
  const unescape = (body: string) => body.replace(/\\([`$\\])/g, '$1');
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    if (s[i] === '`') return { inner: unescape(s.slice(open + 1, i)), stop: i + 1 };
  }
  return { inner: unescape(s.slice(open + 1)), stop: s.length };
}

/** The command substitutions in text where nothing else is a command (an arithmetic expression, an
 *  unquoted heredoc's body): `$( … )`, `$(( … ))`'s own, and backticks. Quotes are plain text there. */
function substitutionsIn(text: string, nested: string[], depth = 0): void {
  if (depth > 8) {
    // Arithmetic nested deeper than any real command: judged as a command, whose own nesting limit
    // makes it opaque (and keeps this linear, not quadratic, in the command's length).
    nested.push(text);
    return;
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') { i++; continue; }
    if (ch === '$' && text[i + 1] === '(') {
      const outer = parenBody(text, i + 1);
      const inner = text[i + 2] === '(' ? parenBody(text, i + 2) : null;
      if (inner && inner.stop === outer.stop - 1) substitutionsIn(inner.inner, nested, depth + 1);
      else nested.push(outer.inner);
      i = outer.stop - 1;
    } else if (ch === '`') {
      const b = backtickBody(text, i);
      nested.push(b.inner);
      i = b.stop - 1;
    }
  }
}

/** The value of an ANSI-C quoted string's body (`$'…'`), as bash computes it. */
function decodeAnsiC(body: string): string {
  const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\' || i + 1 >= body.length) { out += ch; continue; }
    const e = body[++i]!;
    let m: RegExpExecArray | null;
    if (SIMPLE[e] !== undefined) out += SIMPLE[e];
    else if ((m = /^[0-7]{1,3}/.exec(body.slice(i)))) { out += String.fromCharCode(parseInt(m[0], 8)); i += m[0].length - 1; }
    else if (e === 'x' && (m = /^[0-9A-Fa-f]{1,2}/.exec(body.slice(i + 1)))) { out += String.fromCharCode(parseInt(m[0], 16)); i += m[0].length; }
    else if (e === 'u' && (m = /^[0-9A-Fa-f]{1,4}/.exec(body.slice(i + 1)))) { out += String.fromCodePoint(parseInt(m[0], 16)); i += m[0].length; }
    else if (e === 'U' && (m = /^[0-9A-Fa-f]{1,8}/.exec(body.slice(i + 1)))) { out += String.fromCodePoint(Math.min(parseInt(m[0], 16), 0x10ffff)); i += m[0].length; }
    else if (e === 'c' && i + 1 < body.length) { out += String.fromCharCode(body.charCodeAt(++i) & 0x1f); }
    else out += `\\${e}`;
  }
  // bash stops a string at a NUL byte.
  const nul = out.indexOf('\0');
  return nul >= 0 ? out.slice(0, nul) : out;
}

/** Words of one simple command, then what it really runs (through shells, eval and wrappers). */
function expandSegment(text: string, parseText: string, out: ShellSegment[], depth: number): void {
  let words: string[];
  let inputs: string[];
  let outputs: string[];
  try {
    ({ words, inputs, outputs } = partsOf(parseText));
  } catch (e) {
    // shell-quote gives up (`${` never closed): bash would not run it as written either, but what
    // it means is unknown, so it is never let through on an allow rule.
    out.push({ text, words: [text], opaque: `the policy cannot read it (${(e as Error).message})` });
    return;
  }
  for (;;) {
    const w = words[0];
    if (w !== undefined && LEADING_KEYWORDS.has(w)) {
      words = words.slice(1);
      // bash's `time` keyword takes -p and --: `time -p X` runs X.
      if (w === 'time') while (words[0] === '-p' || words[0] === '--') words = words.slice(1);
    } else if (w === 'function') {
      words = words.slice(2); // `function NAME { BODY`: the body is a command
    } else if (w === 'coproc' && words[1] !== undefined && COMPOUND_START.has(words[1])) {
      words = words.slice(1); // `coproc { BODY`
    } else if (w === 'coproc' && words[2] !== undefined && COMPOUND_START.has(words[2])) {
      words = words.slice(2); // `coproc NAME { BODY`
    } else break;
  }
  if (words.length === 0 || NON_COMMANDS.has(words[0]!) || /^[A-Za-z_][A-Za-z0-9_]*\(\)$/.test(words[0]!)) {
    // `done < secrets/key`, `$(< secrets/key)`: no command of its own, but a file is read
    // (`> secrets/key`: or written).
    if (inputs.length > 0 || outputs.length > 0) out.push({ text, words: [], ...files(inputs, outputs) });
    return;
  }
  text = text.replace(/^(?:(?:if|then|else|elif|do|while|until|!|\{|time)\s+)+/, '');
  const first = out.length;
  judgeWords(words, text, out, depth);
  if (inputs.length === 0 && outputs.length === 0) return;
  if (out.length > first) out[first] = { ...out[first]!, ...files(inputs, outputs) };
  else out.push({ text, words: [], ...files(inputs, outputs) });
}

/** A segment's redirected files, only the kinds it has (a segment without any has neither field). */
function files(inputs: string[], outputs: string[]): Pick<ShellSegment, 'inputs' | 'outputs'> {
  return { ...(inputs.length > 0 ? { inputs } : {}), ...(outputs.length > 0 ? { outputs } : {}) };
}

/** Characters that make a command word unknowable before it runs: expansions, globs, braces. */
export const DYNAMIC_WORD = /[$`*?[{]/;

/** Pushes the segments `words` runs: itself, or what its wrapper, shell or eval runs. */
function judgeWords(words: string[], text: string, out: ShellSegment[], depth: number): void {
  let k = 0;
  while (k < words.length && /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(words[k]!)) k++;
  words = words.slice(k);
  if (words.length === 0) return;
  if (depth > 8) {
    out.push({ text, words, opaque: 'it nests wrappers deeper than the policy follows' });
    return;
  }
  const first = words[0]!;
  if (DYNAMIC_WORD.test(first) && first !== '[' && first !== '[[') {
    out.push({ text, words, opaque: `its command word ${JSON.stringify(first)} is only known when it runs` });
    return;
  }
  const program = programName(first);
  if ((program === 'tmux' && (words[1] === 'send-keys' || words[1] === 'send')) || (program === 'screen' && words.some((w) => /^-[A-Za-z]*X$/.test(w)))) {
    // Keystrokes typed into a terminal (`tmux send-keys 'X' Enter`, `screen -X stuff 'X'`) run there.
    out.push({ text, words, opaque: `${program} types into a terminal, which runs what it types` });
    return;
  }
  const sub = words[1] !== undefined ? SUB_WRAPPERS[`${program} ${words[1]}`] : undefined;
  const single = SUB_WRAPPERS[program] ?? WRAPPERS[program];
  const spec = sub ?? single;
  if (spec) {
    const u = unwrapOnce(words, spec, sub ? 2 : 1);
    if (u.opaque) out.push({ text, words: u.self, opaque: u.opaque });
    else if (spec.keepSelf || (u.inner === null && u.shells.length === 0)) out.push({ text: u.inner || u.shells.length ? quote(u.self) : text, words: u.self });
    for (const s of u.shells) collect(s, out, depth + 1);
    if (u.inner) judgeWords(u.inner, quote(u.inner), out, depth + 1);
    return;
  }
  if (SHELLS.has(program)) {
    const sh = shellInvocation(words);
    if (sh.command !== undefined) {
      collect(sh.command, out, depth + 1);
      return;
    }
    if (sh.stdin) {
      out.push({ text, words, opaque: `${program} reads its commands from standard input, which the policy cannot read` });
      return;
    }
  }
  if (program === 'eval') {
    const args = words[1] === '--' ? words.slice(2) : words.slice(1);
    if (args.length > 0) {
      collect(args.join(' '), out, depth + 1);
      return;
    }
  }
  if (program === 'mapfile' || program === 'readarray') {
    // `mapfile -C 'X' -c 1 < f` evaluates X for every line it reads.
    const c = words.findIndex((w, idx) => idx > 0 && /^-[A-Za-z]*C$/.test(w));
    const inline = words.find((w, idx) => idx > 0 && /^-C.+/.test(w));
    const callback = c > 0 ? words[c + 1] : inline?.slice(2);
    if (callback !== undefined) {
      out.push({ text, words: words.slice(0, 1) });
      collect(callback, out, depth + 1);
      return;
    }
  }
  if (program === 'alias') {
    // `alias ls='X'` then `ls`: with expand_aliases on, a later line runs X.
    const values = words.slice(1).flatMap((w) => (/^[^=-][^=]*=/.test(w) ? [w.slice(w.indexOf('=') + 1)] : []));
    out.push({ text, words: words.filter((w) => !w.includes('=')) });
    for (const v of values) collect(v, out, depth + 1);
    return;
  }
  if (program === 'trap') {
    const args = words[1] === '--' ? words.slice(2) : words.slice(1);
    if (args.length > 1 && !args[0]!.startsWith('-')) {
      collect(args[0]!, out, depth + 1);
      return;
    }
  }
  if (program === 'find') {
    out.push({ text, words: findOwnWords(words) });
    for (const inner of findExecs(words)) judgeWords(inner, quote(inner), out, depth + 1);
    return;
  }
  if ((program === 'at' || program === 'batch') && !words.some((w) => /^-[lrdcVf]/.test(w) || w === '-h')) {
    // `at now <<< 'X'`, `echo X | batch`: the job's commands come from standard input (or -f FILE).
    out.push({ text, words, opaque: `${program} reads the job's commands from standard input, which the policy cannot read` });
    return;
  }
  if ((program === 'source' || program === '.') && (words[1] === undefined || STDIN_FILES.test(words[1]))) {
    // `source <(curl …)`, `. /dev/stdin <<< …`: the script comes through a pipe.
    out.push({ text, words, opaque: `${program} reads its commands from standard input or a pipe, which the policy cannot read` });
    return;
  }
  const opaque = opaqueReason(words);
  out.push(opaque ? { text, words, opaque } : { text, words });
}

/** Shell options whose value is the next word (`-o pipefail`, `-O extglob`, `--rcfile FILE`). */
const SHELL_VALUE_OPTIONS = /^(?:[-+][A-Za-z]*[oO]|--rcfile|--init-file)$/;

/** How a shell is invoked: the command line of its -c (which may come after other options and
 *  `--`: `bash -c -x -- 'X'`), or whether it reads its commands from standard input (no script,
 *  or -s). Neither: it runs a script file. */
function shellInvocation(words: readonly string[]): { command?: string; stdin: boolean } {
  let c = false;
  let s = false;
  let info = false;
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--' || w === '-') { i++; break; }
    if (w === '--command') { c = true; continue; } // fish
    if (w.startsWith('--command=')) return { command: w.slice('--command='.length), stdin: false };
    if (w.startsWith('--')) {
      if (/^--(version|help)$/.test(w)) info = true;
      if (SHELL_VALUE_OPTIONS.test(w)) i++;
      continue;
    }
    if (!/^[-+][A-Za-z]+$/.test(w)) break;
    if (w.startsWith('-') && w.includes('c')) c = true;
    if (w.startsWith('-') && w.includes('s')) s = true;
    if (SHELL_VALUE_OPTIONS.test(w)) i++;
  }
  if (c && words[i] !== undefined) return { command: words[i]!, stdin: false };
  const script = words[i];
  return { stdin: !info && (s || script === undefined || STDIN_FILES.test(script)) };
}

/** Paths that are standard input or a pipe, not a script file. */
const STDIN_FILES = /^(?:\/dev\/stdin|\/dev\/fd\/\d+|\/proc\/self\/fd\/\d+)$/;

const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/** find's words without its -exec clauses (so a rule for `find` sees find's own arguments). */
function findOwnWords(words: string[]): string[] {
  const own: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (FIND_EXEC.has(words[i]!)) {
      while (i < words.length && words[i] !== ';' && words[i] !== '+') i++;
      continue;
    }
    own.push(words[i]!);
  }
  return own;
}

/** The commands of find's `-exec … ;` / `-execdir … +` clauses. */
function findExecs(words: string[]): string[][] {
  const cmds: string[][] = [];
  for (let i = 0; i < words.length; i++) {
    if (!FIND_EXEC.has(words[i]!)) continue;
    const start = i + 1;
    while (i < words.length && words[i] !== ';' && words[i] !== '+') i++;
    const cmd = words.slice(start, i);
    if (cmd.length > 0) cmds.push(cmd);
  }
  return cmds;
}

export { programName };

const WRITES = new Set(['>', '>>', '>|', '&>', '&>>', '>&', '<>']);

/** shell-quote's words, without redirections (and their targets), comments and fd numbers. */
export function wordsOf(text: string): string[] {
  return partsOf(text).words;
}

/** One parse of a simple command: its words (as wordsOf), and the targets of its redirections, as
 *  written: what it reads (`< f`, `0< f`, `<> f`) and what it writes (`> f`, `2>> f`, `>| f`,
 *  `&> f`, `>& f`, `<> f`; not `2>&1` or `>&-`, which name no file). */
function partsOf(text: string): { words: string[]; inputs: string[]; outputs: string[] } {
  const tokens = parse(text, (key) => `$${key}`);
  const words: string[] = [];
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (typeof t === 'string') {
      const n = tokens[i + 1];
      if (/^\d+$/.test(t) && n && typeof n === 'object' && 'op' in n && /[<>]/.test(String(n.op))) continue;
      words.push(t.split(SUBST).join('$(…)').split(PARAM).join('${…}'));
      continue;
    }
    if ('comment' in t) break;
    if (!('op' in t)) continue;
    if (t.op === 'glob') {
      words.push((t as { pattern: string }).pattern);
      continue;
    }
    if (!/[<>]/.test(t.op)) continue;
    // The redirection's target is not an argument.
    const target = tokens[++i];
    const file = typeof target === 'string' ? target.split(SUBST).join('$(…)').split(PARAM).join('${…}')
      : target && typeof target === 'object' && 'op' in target && target.op === 'glob' ? (target as { pattern: string }).pattern : undefined;
    if (file === undefined) continue;
    if (t.op === '<' || t.op === '<>') inputs.push(file);
    if (WRITES.has(t.op) && !(t.op === '>&' && /^(?:\d+|-)$/.test(file))) outputs.push(file);
  }
  return { words, inputs, outputs };
}
