// Claude Code's `--permission-prompt-tool`: before each of its own tool calls Claude asks this MCP
// tool with {tool_name, input, tool_use_id} and expects a text answer holding
// {"behavior":"allow","updatedInput":{…}} or {"behavior":"deny","message":"…"}. Here Claude's tool
// names are mapped onto the policy's tools, so Claude's Bash is judged exactly like exec_shell.
import fs from 'node:fs';
import path from 'node:path';
import { confinedPath } from '../fleet/artifacts';
import { unifiedDiff } from './unified-diff';

export const APPROVAL_TOOL = 'approval_prompt';
/** Not listed: Shoal's shell client reports the exit code of a command it was allowed to run. */
export const SHELL_RESULT_TOOL = 'shell_result';

export const APPROVAL_TOOL_DESCRIPTOR = {
  name: APPROVAL_TOOL,
  description: "Asks Shoal's exec policy (and, when it says so, a person) whether a tool call may run. For Claude Code's --permission-prompt-tool.",
  inputSchema: {
    type: 'object',
    properties: { tool_name: { type: 'string' }, input: { type: 'object' }, tool_use_id: { type: 'string' } },
    required: ['tool_name', 'input'],
  },
};

/** Claude's bookkeeping tools touch nothing outside the conversation. */
const INTERNAL = new Set(['TodoWrite', 'TodoRead', 'Task', 'ExitPlanMode', 'BashOutput', 'KillShell', 'KillBash', 'ListMcpResourcesTool', 'ReadMcpResourceTool']);

export interface PolicySubject {
  /** The policy tool: exec_shell, read_file, write_file, apply_patch, `<server>__<tool>`, … */
  tool: string;
  command: string;
  /** The folder a shell command runs in, when it is not the workdir. */
  cwd?: string;
  path?: string;
  /** The path is a folder the call reads as a whole (Grep, Glob): every path rule about a file
   *  inside it applies. */
  folder?: boolean;
  diff: string | null;
}

/** null: a tool that needs no judging. `shellCwd`: the folder Claude's shell is in (a `cd` in one
 *  Bash call carries to the next); Codex's commands name theirs as `cwd`. */
export function subjectOf(toolName: string, input: Record<string, unknown>, workdir: string, shellCwd?: string): PolicySubject | null {
  if (INTERNAL.has(toolName)) return null;
  const s = (k: string): string | undefined => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  // Claude's file tools take a relative path (and Grep and Glob their default folder) from where its
  // shell is, when that is not the workdir.
  const shellDir = shellCwd !== undefined && path.resolve(workdir, shellCwd) !== path.resolve(workdir) ? path.resolve(workdir, shellCwd) : null;
  const at = (p: string): string => (shellDir && p !== '' && !p.startsWith('/') ? path.join(shellDir, p) : p);
  switch (toolName) {
    case 'Bash':
    case 'exec_shell':
    {
      // Judged from the folder it runs in (`cat key` there reads that folder's key); path rules
      // stay about the workdir.
      const dir = shellCwd ?? s('cwd');
      return { tool: 'exec_shell', command: s('command') ?? '', ...(dir ? { cwd: path.resolve(workdir, dir) } : {}), diff: null };
    }
    case 'Read':
    case 'NotebookRead':
    case 'LS': {
      const p = at(s('file_path') ?? s('notebook_path') ?? s('path') ?? '.');
      return { tool: 'read_file', command: `${toolName} ${s('pattern') ?? p}`.trim(), path: p, diff: null };
    }
    case 'Glob':
    case 'Grep': {
      // A search reads (Grep) or lists (Glob) everything under its folder, so it is judged as that
      // folder read as a whole: a rule denying secrets/** denies a Grep of "." too. Glob's pattern
      // narrows the folder by its literal leading part (`src/**/*.ts` searches src).
      const base = at(s('path') ?? '.');
      const pattern = s('pattern') ?? '';
      const p = toolName !== 'Glob' ? base : pattern.startsWith('/') ? literalDir(pattern) || '/' : path.posix.join(base, literalDir(pattern));
      return { tool: 'read_file', command: `${toolName} ${s('pattern') ?? p}`.trim(), path: p, folder: true, diff: null };
    }
    case 'Write': {
      const p = at(s('file_path') ?? '');
      return { tool: 'write_file', command: `write_file ${p}`, path: p, diff: fileDiff(workdir, p, () => s('content') ?? '') };
    }
    case 'Edit':
    case 'MultiEdit': {
      const p = at(s('file_path') ?? '');
      const edits = toolName === 'Edit' ? [input] : (Array.isArray(input.edits) ? (input.edits as Array<Record<string, unknown>>) : []);
      return { tool: 'write_file', command: `write_file ${p}`, path: p, diff: fileDiff(workdir, p, (before) => applyEdits(before ?? '', edits)) };
    }
    case 'NotebookEdit': {
      const p = s('notebook_path') ?? '';
      return { tool: 'write_file', command: `write_file ${p}`, path: p, diff: null };
    }
    case 'codex_file_change': {
      // From the Codex bridge: one file of an apply_patch, with the diff Codex computed.
      const p = s('path') ?? '';
      return { tool: 'write_file', command: `write_file ${p}`, path: p, diff: codexDiff(workdir, p, s('kind') ?? 'update', s('diff') ?? '') };
    }
    case 'WebFetch':
      return { tool: 'web_fetch', command: `web_fetch ${s('url') ?? ''}`, diff: null };
    case 'WebSearch':
      return { tool: 'web_search', command: `web_search ${s('query') ?? ''}`, diff: null };
    default: {
      const mcp = /^mcp__([^_]+(?:_[^_]+)*?)__(.+)$/.exec(toolName);
      const tool = mcp ? `${mcp[1]}__${mcp[2]}` : toolName;
      return { tool, command: `${tool} ${JSON.stringify(input).slice(0, 400)}`, ...(s('path') ? { path: s('path') } : {}), diff: null };
    }
  }
}

// The leading folders of a glob that hold no wildcard: `src/**/x.ts` gives `src`, `**/x.pem` gives ''.
function literalDir(pattern: string): string {
  const segs = pattern.split('/').slice(0, -1);
  const at = segs.findIndex((seg) => /[*?[\]{}]/.test(seg));
  return (at < 0 ? segs : segs.slice(0, at)).join('/');
}

function fileDiff(workdir: string, p: string, after: (before: string | null) => string): string | null {
  try {
    const file = confinedPath(workdir, p);
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    return unifiedDiff(path.relative(fs.realpathSync(workdir), file), before, after(before)) || null;
  } catch {
    return null; // outside the workdir or unreadable: the person still sees the path and the rule
  }
}

/** Codex sends an added file's content, a deleted file's old content, or an update's hunks. */
function codexDiff(workdir: string, p: string, kind: string, diff: string): string | null {
  let rel = p;
  try {
    rel = path.relative(fs.realpathSync(workdir), confinedPath(workdir, p));
  } catch {
    // outside the workdir: the policy decides on the path; the diff keeps the name as given
  }
  if (kind === 'add') return unifiedDiff(rel, null, diff) || null;
  if (kind === 'delete') return unifiedDiff(rel, diff, '') || null;
  return diff.startsWith('---') || diff.startsWith('diff ') ? diff : `diff --git a/${rel} b/${rel}\n--- a/${rel}\n+++ b/${rel}\n${diff}`;
}

function applyEdits(text: string, edits: Array<Record<string, unknown>>): string {
  let out = text;
  for (const e of edits) {
    const from = typeof e.old_string === 'string' ? e.old_string : '';
    const to = typeof e.new_string === 'string' ? e.new_string : '';
    out = e.replace_all === true ? out.split(from).join(to) : out.replace(from, () => to);
  }
  return out;
}
