// The exec policy: a pure function from (call, rule layers, approval mode) to a decision that says
// what happens and why. Layers are consulted in order — the user's rules, then the run's, then the
// built-in defaults — and the first layer with a matching rule decides. Within a layer deny beats
// ask beats allow, and among rules of the deciding action the most specific wins. A chained shell
// command is judged segment by segment and the strictest segment decides.
// One exception to "first layer decides": an allow rule an "always allow" answer added (origin
// 'approval') never outranks a deny rule below it — a click on `rm` must not unlock `rm -rf /`.
// A run's policy only ever tightens (evaluateForRun): a spec may come from anyone.
//
// Path rules judge file tools by their path; a call that reads a whole folder (Claude's Grep and
// Glob: `folder`) is judged by every rule about a file inside it; a shell command that names files
// to read (`cat`, `sed`, `grep -r`, `cp`, `git show REV:PATH`, a `<` redirection, after a `cd`:
// shell-reads.ts) is judged by the path rules for read_file on each; one that lists a folder's names
// (`ls secrets`, and `ls -R`, `find` and `tree` everything under it) as a read of that folder. One
// that names files to write, create or delete (`>`, `tee`, `sed -i`, `rm`, `mv`, `cp`'s destination,
// `touch`, `mkdir`, `chmod`, `dd of=`, `git checkout -- PATH`, `patch`: shell-writes.ts) is judged by
// the path rules for write_file and apply_patch on each. Given a resolver (the files
// are here: real-path.ts), each path is judged as written and where it really lands.
//
// What it can see: every simple command of a chain, pipeline, subshell or substitution; commands run
// by shells (`sh -c`), eval, trap, find -exec and the wrappers listed in wrappers.ts (privilege
// wrappers such as sudo are judged themselves too). What it cannot see: a command word (or a
// subcommand a rule would name: `git $(echo push)`, `git {push,}`) built at run
// time (`$T f`, `${X}touch`, globs), code given inline to an interpreter (`python3 -c`, `node -e`,
// awk's system(), sed's e) or read from stdin (`… | sh`). Such a segment is opaque: a deny rule that
// matches its visible words still denies it, otherwise it asks (refused in "never" and "reject"
// modes) — an allow rule never lets it through. Also out of sight: what a named program does on its
// own (a Makefile's recipes, `npm run` scripts, git aliases, a script file's contents, ssh/docker
// remote commands); rules about those programs judge them by their own words.
import path from 'node:path';
import type { ApprovalMode, PolicyAction, PolicyDecision, PolicyLayer, PolicyRule, PolicyVerdict } from '../../../src-shared/contract/methods/policy';
import { matchesPrefix, prefixSpecificity, prefixWords, proposedPrefix, shapeOf, type CommandShape } from './command-prefix';
import { globMatches } from './glob';
import type { RealPath } from './real-path';
import { namedReads, operand, type NamedRead } from './shell-reads';
import { namedWrites } from './shell-writes';
import { DYNAMIC_WORD, splitShell, type ShellSegment } from './shell-split';

export interface PolicyCall {
  tool: string;
  /** exec_shell: the command line. */
  command?: string;
  /** File tools (and MCP tools with a `path` argument): the path as the agent gave it. */
  path?: string;
  /** Every file the call touches when there are several (a patch's): each is judged by the path
   *  rules, and the strictest decides. */
  paths?: readonly string[];
  /** The path is a folder the call reads as a whole (a search): a deny or ask rule about any file
   *  inside it applies, and an allow rule only when it covers the whole folder. */
  folder?: boolean;
  /** With folder: a rule about files anywhere (`*.env` files under `**`) does not reach into the folder, only one
   *  whose pattern starts from a named folder (`secrets/**`). A shell command that deletes or
   *  rewrites a whole folder (`rm -rf build`, `cp -r src dist`) is judged so, not asked about
   *  because some file below might be an .env. */
  anchoredOnly?: boolean;
  /** The workdir the call runs in; relative paths are judged from here. */
  cwd?: string;
  /** The folder the work belongs to (a run's workspace, a thread's folder). */
  workspace?: string | null;
  /** The folder relative path rules are about (the workdir); the cwd when not given. */
  root?: string;
  /** Where an absolute path really lands (symlinks followed; see real-path.ts), when the call's
   *  files are on this computer: each path is then judged as written and as resolved, and the
   *  stricter verdict stands. */
  realPath?: RealPath;
}

export interface RuleLayer {
  layer: PolicyLayer;
  rules: readonly PolicyRule[];
}

const STRICTNESS: Record<PolicyAction, number> = { allow: 0, ask: 1, deny: 2 };

interface Compiled {
  rule: PolicyRule;
  layer: PolicyLayer;
  shape: CommandShape | null;
  /** A prefix that names no command (a stored rule saved before prefixes were checked): it matches
   *  nothing, rather than every command as a rule without a prefix would. */
  never: boolean;
  specificity: number;
}

/** `tool=exec_shell command=git push` — how the reference implementation names a typed rule. */
export function describeRule(rule: PolicyRule): string {
  const parts = [`tool=${rule.tool}`];
  if (rule.prefix) parts.push(`command=${rule.prefix}`);
  if (rule.path) parts.push(`path=${rule.path}`);
  if (rule.workspace) parts.push(`workspace=${rule.workspace}`);
  return parts.join(' ');
}

/** Each rule prefix's shape, parsed once: every tool call is judged against every rule, and parsing
 *  the prefixes (a shell parse each) was most of a call's judging time. Bounded: rules are few, but
 *  a long-lived Shoal may see many edited ones. */
const prefixShapes = new Map<string, CommandShape | null>();

function prefixShape(prefix: string): CommandShape | null {
  let shape = prefixShapes.get(prefix);
  if (shape === undefined) {
    try {
      shape = shapeOf(prefixWords(prefix));
    } catch {
      shape = null;
    }
    if (prefixShapes.size >= 2_000) prefixShapes.clear();
    prefixShapes.set(prefix, shape);
  }
  return shape;
}

function compile(layer: RuleLayer): Compiled[] {
  return layer.rules.map((rule) => {
    const shape = rule.prefix ? prefixShape(rule.prefix) : null;
    const never = !!rule.prefix && shape === null;
    const specificity = (shape ? prefixSpecificity(shape) * 10 : 0) + (rule.path ? 5 + rule.path.replace(/\*/g, '').length / 1000 : 0)
      + (rule.workspace ? 3 : 0) + (rule.tool.includes('*') ? 0 : 1);
    return { rule, layer: layer.layer, shape, never, specificity };
  });
}

function toolMatches(pattern: string, tool: string): boolean {
  return pattern.includes('*') ? globMatches(pattern, tool, { segmentSeparator: null }) : pattern === tool;
}

function workspaceMatches(ruleWs: string, ws: string | null | undefined): boolean {
  if (!ws) return false;
  const a = ruleWs.replace(/\/+$/, '');
  const b = ws.replace(/\/+$/, '');
  return b === a || b.startsWith(a + '/');
}

/** `a//b/./c/../d/` → `a/b/d`: the file a path names, however it is spelled. */
function normalized(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** The path made absolute from the call's cwd, normalised (`x/../secrets/a` is secrets/a);
 *  undefined for a relative path with no cwd to start from. */
function absoluteOf(call: PolicyCall, p: string): string | undefined {
  const n = normalized(p);
  if (n.startsWith('/')) return n;
  return call.cwd ? normalized(`${call.cwd}/${n}`) : undefined;
}

/** An absolute path relative to the folder relative rules are about (the root, else the cwd): `.`
 *  for that folder itself; undefined outside it. */
function underRoot(call: PolicyCall, abs: string): string | undefined {
  const given = call.root ?? call.cwd;
  if (!given) return undefined;
  const root = normalized(given);
  if (abs === root) return '.';
  const inside = root === '/' ? '/' : `${root}/`;
  return abs.startsWith(inside) ? abs.slice(inside.length) : undefined;
}

/** The path as a rule compares it: relative to the workdir for a relative pattern, absolute for an
 *  absolute one. Normalised first: `x/../secrets/a` and `/w/./secrets/a` are secrets/a to a rule for
 *  secrets/**. */
function comparedPath(pattern: string, call: PolicyCall & { path: string }): string {
  const abs = absoluteOf(call, call.path) ?? normalized(call.path);
  return pattern.startsWith('/') ? abs : underRoot(call, abs) ?? normalized(call.path);
}

/** The other spelling of a path the rules judge: where it really lands, when that differs from
 *  the path as written (a symlink on the way) and the files are here to tell. */
function resolvedSpelling(call: PolicyCall, p: string): string | undefined {
  if (!call.realPath) return undefined;
  const abs = absoluteOf(call, p);
  if (abs === undefined) return undefined;
  const real = call.realPath(abs);
  return real === undefined || normalized(real) === abs ? undefined : normalized(real);
}

/** How a resolved path is named to people: relative to the root when it is inside. */
function shown(call: PolicyCall, abs: string): string {
  return underRoot(call, abs) ?? abs;
}

function segmentsOf(p: string): string[] {
  return p === '.' || p === '' ? [] : p.split('/');
}

/** One segment of a pattern against one of a path; the empty segment before an absolute path's
 *  first `/` is only itself (picomatch refuses an empty pattern). */
function segmentMatches(pattern: string, segment: string): boolean {
  return pattern === '' || segment === '' ? pattern === segment : globMatches(pattern, segment);
}

/** Could the pattern match a file inside (or at) this folder? Segment by segment: the folder's
 *  segments must each fit the pattern's, and the pattern must go on below the folder. */
function reachesInto(pattern: string, folder: string, anchoredOnly = false): boolean {
  if (globMatches(pattern, folder)) return true;
  const ps = pattern.split('/');
  if (anchoredOnly && (ps[0]!.includes('**') || (ps[0] === '' && ps[1]?.includes('**')))) return false;
  const fs = segmentsOf(folder);
  for (let i = 0; i < fs.length; i++) {
    const seg = ps[i];
    if (seg === undefined) return false;
    if (seg.includes('**')) return true;
    if (!segmentMatches(seg, fs[i]!)) return false;
  }
  return ps.length > fs.length;
}

/** Does the pattern cover every file inside this folder? Only a `base/**` pattern whose base holds it. */
function coversFolder(pattern: string, folder: string): boolean {
  if (pattern === '**') return true;
  if (!pattern.endsWith('/**')) return false;
  const base = pattern.slice(0, -3).split('/');
  const fs = segmentsOf(folder);
  if (base.some((b) => b.includes('**')) || fs.length < base.length) return false;
  return base.every((b, i) => segmentMatches(b, fs[i]!));
}

function pathMatches(rule: PolicyRule, pattern: string, call: PolicyCall): boolean {
  if (call.path === undefined) return false;
  const subject = comparedPath(pattern, call as PolicyCall & { path: string });
  if (!call.folder) return globMatches(pattern, subject);
  return rule.action === 'allow' ? coversFolder(pattern, subject) : reachesInto(pattern, subject, call.anchoredOnly);
}

function ruleMatches(c: Compiled, call: PolicyCall, shape: CommandShape | null): boolean {
  if (c.never || !toolMatches(c.rule.tool, call.tool)) return false;
  if (c.rule.workspace && !workspaceMatches(c.rule.workspace, call.workspace)) return false;
  if (c.rule.path && !pathMatches(c.rule, c.rule.path, call)) return false;
  if (c.shape) return shape !== null && matchesPrefix(c.shape, shape);
  return true;
}

interface Decided {
  c: Compiled;
  /** An "always allow" rule that matched first but does not outrank the deny that decided. */
  passedOver?: Compiled;
}

/** The deciding rule for one subject (a call, or one segment of a shell command), before the mode. */
function decideSubject(layers: Compiled[][], call: PolicyCall, shape: CommandShape | null): Decided | null {
  for (let i = 0; i < layers.length; i++) {
    const best = bestIn(layers[i]!, call, shape);
    if (!best) continue;
    if (best.rule.action === 'allow' && best.rule.origin === 'approval') {
      // An "always allow" answer outranks asks below it (that is what it is for), never a deny.
      for (const lower of layers.slice(i + 1)) {
        const deny = bestIn(lower, call, shape);
        if (deny?.rule.action === 'deny') return { c: deny, passedOver: best };
      }
    }
    return { c: best };
  }
  return null;
}

function bestIn(layer: Compiled[], call: PolicyCall, shape: CommandShape | null): Compiled | null {
  let best: Compiled | null = null;
  for (const c of layer) {
    if (!ruleMatches(c, call, shape)) continue;
    if (!best || STRICTNESS[c.rule.action] > STRICTNESS[best.rule.action]
      || (c.rule.action === best.rule.action && c.specificity > best.specificity)) best = c;
  }
  return best;
}

const ACTION_WORDS: Record<PolicyAction, string> = { allow: 'allows it', ask: 'requires approval', deny: 'forbids it' };

/** Applies the approval mode to what the rules said (null: no rule matched). */
function verdictFor(d: Decided | null, mode: ApprovalMode, subject: string, opaque?: string): PolicyVerdict {
  const c = d?.c ?? null;
  if (opaque !== undefined && c?.rule.action !== 'deny') return opaqueVerdict(mode, subject, opaque);
  const matchedRule = c ? describeRule(c.rule) : null;
  const base = c ? { matchedRule, ruleId: c.rule.id, layer: c.layer } : { matchedRule: null, ruleId: null, layer: null };
  const passedOver = d?.passedOver
    ? ` Your "always allow" rule "${d.passedOver.rule.id}" does not cover it: an always-allow answer never outranks a deny rule.` : '';
  const ruleReason = c ? `Typed ${c.rule.action} rule '${matchedRule}' (${c.layer} rule "${c.rule.id}") ${ACTION_WORDS[c.rule.action]}.${c.rule.note ? ` ${c.rule.note}` : ''}${passedOver}` : '';
  if (c?.rule.action === 'deny') return { ...base, action: 'deny', reason: ruleReason };
  if (c?.rule.action === 'ask') {
    if (mode === 'never') return { ...base, action: 'deny', reason: `${ruleReason} The approval mode is "never ask", so it is refused instead.` };
    if (mode === 'reject') return { ...base, action: 'deny', reason: `${ruleReason} The approval mode is "reject", so it is refused instead.` };
    return { ...base, action: 'ask', reason: ruleReason };
  }
  if (c?.rule.action === 'allow') return { ...base, action: 'allow', reason: ruleReason };
  switch (mode) {
    case 'untrusted': return { ...base, action: 'ask', reason: `No rule trusts ${subject}; the approval mode is "ask unless trusted".` };
    case 'reject': return { ...base, action: 'deny', reason: `No rule allows ${subject}; the approval mode is "reject".` };
    default: return { ...base, action: 'allow', reason: `No rule matches ${subject}; the approval mode "${mode === 'never' ? 'never ask' : 'on request'}" lets it run.` };
  }
}

/** A segment the policy cannot read asks, whatever allow rule or mode would let it run. */
function opaqueVerdict(mode: ApprovalMode, subject: string, why: string): PolicyVerdict {
  const base = { matchedRule: null, ruleId: null, layer: null };
  const reason = `The policy cannot tell what ${subject} runs: ${why}.`;
  if (mode === 'never' || mode === 'reject') return { ...base, action: 'deny', reason: `${reason} The approval mode is "${mode === 'never' ? 'never ask' : 'reject'}", so it is refused.` };
  return { ...base, action: 'ask', reason: `${reason} It needs approval.` };
}

/** `cd secrets`, `pushd ../x`: the folder later segments may run in, relative to the call's cwd
 *  (null: not a change of folder the policy can follow). */
function cdTarget(words: readonly string[]): string | null {
  const program = words[0];
  if (program !== 'cd' && program !== 'pushd') return null;
  const args = words.slice(1).filter((w) => !/^-[LPe@]+$/.test(w) && w !== '--');
  const dir = args[0];
  if (dir === undefined || dir === '-' || dir.startsWith('~') || DYNAMIC_WORD.test(dir)) return null;
  return dir;
}

/** The tools whose path rules judge a file a shell command reads, and one it writes or deletes. */
const READ_TOOLS: readonly string[] = ['read_file'];
const WRITE_TOOLS: readonly string[] = ['write_file', 'apply_patch'];

/** The most folders a command's `cd`s are followed into; past that each read is judged from these. */
const MAX_CD_FOLDERS = 8;

/** A file a shell segment names to read or to write, and how to say so to people. */
interface NamedFile extends NamedRead {
  write: boolean;
  how: string;
}

/** The files a segment names, for the kinds some path rule is about: what its program reads and
 *  writes (shell-reads.ts, shell-writes.ts; `program` null when what runs is unknown) and its `<`
 *  and `>` redirections. */
function namedFiles(s: ShellSegment, program: string | null, key: readonly string[], reading: boolean, writing: boolean): NamedFile[] {
  const files: NamedFile[] = [];
  if (program !== null && reading) {
    for (const r of namedReads(program, s.words, key)) {
      files.push({ ...r, write: false, how: r.path === '.' && r.folder ? 'reads everything under the folder it runs in (name a folder that holds none of the files the rule is about)' : r.folder ? `reads everything under "${r.path}"` : `reads "${r.path}"` });
    }
  }
  if (program !== null && writing) {
    for (const r of namedWrites(program, s.words, key)) {
      files.push({ ...r, write: true, how: r.path === '.' && r.folder ? 'changes everything under the folder it runs in' : r.folder ? `writes (or deletes) everything under "${r.path}"` : `writes (or deletes) "${r.path}"` });
    }
  }
  // `< secrets/*`, `> secrets/*`: only known when it runs, somewhere under its literal folder.
  if (reading) for (const input of s.inputs ?? []) files.push({ ...operand(input, false), write: false, how: `reads "${input}" through a < redirection` });
  if (writing) for (const output of s.outputs ?? []) files.push({ ...operand(output, false), write: true, how: `writes "${output}" through a > redirection` });
  return files;
}

/** Each path a named file may be: a relative one from every folder a `cd` before it may have moved
 *  to, and each as written and where it really lands. */
function spellingsOf(file: NamedRead, folders: readonly string[], call: PolicyCall): Array<{ written: string; spelled: string }> {
  const out: Array<{ written: string; spelled: string }> = [];
  for (const dir of file.path.startsWith('/') ? ['.'] : folders) {
    const written = dir === '.' ? file.path : path.posix.join(dir, file.path);
    out.push({ written, spelled: written });
    const real = resolvedSpelling(call, written);
    if (real !== undefined) out.push({ written, spelled: real });
  }
  return out;
}

interface FileJudging {
  call: PolicyCall;
  pathLayers: Compiled[][];
  mode: ApprovalMode;
  /** The tools whose path rules judge a read, and a write (a write by both tools that change files). */
  readTools: readonly string[];
  writeTools: readonly string[];
  program: string | null;
}

/** The strictest verdict the path rules give the files a segment names, when it outweighs the
 *  segment's own (`weight`); null when none does. */
function strictestForFiles(files: readonly NamedFile[], folders: readonly string[], j: FileJudging, weight: number): { v: PolicyVerdict; weight: number } | null {
  const { call } = j;
  let best: { v: PolicyVerdict; weight: number } | null = null;
  for (const file of files) {
    for (const { written, spelled } of spellingsOf(file, folders, call)) {
      for (const tool of file.write ? j.writeTools : j.readTools) {
        const one: PolicyCall = { tool, path: spelled, folder: file.folder, ...(file.write || file.anchored ? { anchoredOnly: true } : {}), ...(call.cwd ? { cwd: call.cwd } : {}), ...(call.root ? { root: call.root } : {}), workspace: call.workspace ?? null };
        const d = decideSubject(j.pathLayers, one, null);
        if (!d || d.c.rule.action === 'allow') continue;
        const fv = verdictFor(d, j.mode, `${tool} on "${written}"`);
        const fw = STRICTNESS[fv.action] * 2 + 1;
        if (fw <= (best?.weight ?? weight)) continue;
        const where = written !== file.path ? ` (after cd, that is "${written}")` : '';
        const link = spelled !== written ? ` "${written}" resolves to "${shown(call, spelled)}" (a symlink on the way).` : '';
        best = { v: { ...fv, reason: `${fv.reason} ${j.program ?? 'It'} ${file.how}${where}, so the path rule judges it as a ${tool}.${link}` }, weight: fw };
      }
    }
  }
  return best;
}

export function evaluatePolicy(call: PolicyCall, layers: readonly RuleLayer[], mode: ApprovalMode): PolicyDecision {
  if (call.realPath && !layers.some((l) => l.rules.some((r) => !!r.path))) {
    // No rule is about a path: nothing to resolve (no file system call on this path).
    const { realPath: _r, ...rest } = call;
    call = rest;
  }
  const compiled = layers.map(compile);
  if (call.tool === 'exec_shell') {
    const command = call.command ?? '';
    const parts = splitShell(command);
    // The path rules, for the files `cat` and its kind read.
    const pathLayers = compiled.map((l) => l.filter((c) => !!c.rule.path));
    // Only the tools some path rule is about are judged (most calls: none, so nothing is parsed).
    const aboutTool = (t: string): boolean => pathLayers.some((l) => l.some((c) => toolMatches(c.rule.tool, t)));
    const readTools = READ_TOOLS.filter(aboutTool);
    const writeTools = WRITE_TOOLS.filter(aboutTool);
    /** The folders (relative to the cwd) the segments so far may run in: `.` and every `cd` target. */
    const folders: string[] = ['.'];
    const segments = (parts.length > 0 ? parts : [{ text: command.trim(), words: [] as string[] } as ShellSegment]).map((s) => {
      const shape = shapeOf(s.words);
      // `git $(echo push)`, `git {push,}`: the subcommand a rule would name is only known when it runs.
      const dynamicKey = shape?.key.slice(1).find((w) => DYNAMIC_WORD.test(w));
      const opaque = s.opaque ?? (dynamicKey !== undefined ? `its subcommand ${JSON.stringify(dynamicKey)} is only known when it runs` : undefined);
      const subject = opaque !== undefined ? JSON.stringify(s.text) : shape ? `"${shape.key.join(' ')}"` : 'an empty command';
      // `done < f`, `$(< f)`, `> f`: no command of its own, only a file read or written (judged below).
      const readOnly = s.words.length === 0 && ((s.inputs?.length ?? 0) > 0 || (s.outputs?.length ?? 0) > 0);
      const c = readOnly ? null : decideSubject(compiled, call, shape);
      let v: PolicyVerdict = readOnly
        ? { action: 'allow', matchedRule: null, ruleId: null, layer: null, reason: 'It runs no command of its own; it only reads or writes through a redirection.' }
        : verdictFor(c, mode, subject, opaque);
      // A rule that says exactly this outweighs a mode that turned an ask into a refusal.
      let weight = readOnly ? 0 : STRICTNESS[v.action] * 2 + (c?.c.rule.action === v.action ? 1 : 0);
      let byPath = false;
      const program = opaque === undefined && shape ? shape.program : null;
      const files = readTools.length > 0 || writeTools.length > 0 ? namedFiles(s, program, shape?.key ?? [], readTools.length > 0, writeTools.length > 0) : [];
      const byFile = strictestForFiles(files, folders, { call, pathLayers, mode, readTools, writeTools, program }, weight);
      if (byFile) {
        v = byFile.v;
        weight = byFile.weight;
        byPath = true;
      }
      const cd = cdTarget(s.words);
      if (cd !== null && folders.length < MAX_CD_FOLDERS) {
        const last = folders[folders.length - 1]!;
        folders.push(cd.startsWith('/') ? path.posix.normalize(cd) : path.posix.join(last, cd));
      }
      return { command: s.text, words: s.words, opaque, weight, byPath, ...v };
    });
    let decider = segments[0]!;
    for (const s of segments) if (s.weight > decider.weight) decider = s;
    const multi = segments.length > 1;
    const reason = multi ? `${decider.reason} (segment "${decider.command}" of ${segments.length})` : decider.reason;
    return {
      action: decider.action, matchedRule: decider.matchedRule, ruleId: decider.ruleId, layer: decider.layer, reason, mode,
      segments: segments.map(({ words: _w, opaque: _o, weight: _k, byPath: _p, ...s }) => s),
      // An "always allow" is only offered where it would take effect: the user's own ask rule would
      // still beat an allow rule added beside it (ask beats allow within a layer).
      // Nor for an opaque segment (no prefix rule can allow it), nor where a path rule asked: a
      // prefix rule does not answer a rule about files.
      proposedAmendment: decider.action === 'ask' && decider.layer !== 'user' && decider.opaque === undefined && !decider.byPath ? proposedPrefix(decider.words) : [],
    };
  }
  const files = call.paths && call.paths.length > 0 ? call.paths : call.path !== undefined ? [call.path] : [undefined];
  let decided: (PolicyVerdict & { weight: number }) | null = null;
  for (const file of files) {
    const real = file !== undefined ? resolvedSpelling(call, file) : undefined;
    for (const spelled of real !== undefined ? [file, real] : [file]) {
      const one: PolicyCall = { ...call, ...(spelled !== undefined ? { path: spelled } : {}) };
      const c = decideSubject(compiled, one, null);
      // The resolved spelling only ever adds what a rule says about it: an allow for the real
      // path does not loosen what the written one gets, and no rule means nothing there.
      if (spelled !== file && (!c || c.c.rule.action === 'allow')) continue;
      let v = verdictFor(c, mode, file !== undefined ? `${call.tool} on "${file}"` : call.tool);
      if (spelled !== file) v = { ...v, reason: `${v.reason} "${file}" resolves to "${shown(call, spelled!)}" (a symlink on the way), and the rule judges where it lands.` };
      if (call.folder && file !== undefined && c?.c.rule.path && v.action !== 'allow') {
        v = { ...v, reason: `${v.reason} The call searches everything under "${file}", which can hold files this rule is about; search a folder that holds none of them.` };
      }
      const weight = STRICTNESS[v.action] * 2 + (c?.c.rule.action === v.action ? 1 : 0);
      if (!decided || weight > decided.weight) decided = { ...v, weight };
    }
  }
  const { weight: _k, ...v } = decided!;
  return { ...v, mode, segments: [], proposedAmendment: [] };
}

/** A run's policy (from its spec, which anyone may have written) only ever makes a call stricter
 *  than the person's own settings would: the call is judged with the run's rules and mode, and
 *  without them under the person's mode, and the stricter verdict stands. So a run's allow rule never
 *  outranks a built-in ask or deny, and its mode never lets through what the person's mode would ask
 *  about or refuse (whatever a launch check let through: the settings may have changed since). */
export function evaluateForRun(call: PolicyCall, user: { rules: readonly PolicyRule[]; mode: ApprovalMode }, run: { rules: readonly PolicyRule[]; mode?: ApprovalMode }, defaults: readonly PolicyRule[]): PolicyDecision {
  const withRun = evaluatePolicy(call, [{ layer: 'user', rules: user.rules }, { layer: 'run', rules: run.rules }, { layer: 'default', rules: defaults }], run.mode ?? user.mode);
  if (run.rules.length === 0 && (run.mode === undefined || run.mode === user.mode)) return withRun;
  const own = evaluatePolicy(call, [{ layer: 'user', rules: user.rules }, { layer: 'default', rules: defaults }], user.mode);
  if (STRICTNESS[own.action] <= STRICTNESS[withRun.action]) return withRun;
  const loosened = withRun.layer === 'run' ? `the run's ${withRun.action} rule "${withRun.ruleId}"` : `the run's approval mode "${withRun.mode}"`;
  return { ...own, reason: `${own.reason} A run's policy can only make things stricter, so ${loosened} does not loosen this.` };
}
