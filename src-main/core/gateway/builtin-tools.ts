// The tools every agent gets: exec_shell, read_file, write_file, apply_patch, all confined to the
// scope's workdir (symlinks included, via the fleet's confinedPath). A command runs in its own
// process group so the whole tree can be stopped; its output streams as it comes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { confinedPath } from '../fleet/artifacts';
import { signalGroup } from '../fleet/process-tree';
import type { ToolDescriptor } from '../tools/tool-gateway';
import { inputJsonSchema, parseBuiltinInput } from './builtin-tool-inputs';
import { unifiedDiff } from './unified-diff';

const MAX_OUTPUT = 200_000;
const MAX_READ = 512 * 1024;

export const BUILTIN_DESCRIPTORS: ToolDescriptor[] = [
  {
    name: 'exec_shell',
    description: 'Run a shell command (bash) in the task workdir, after the exec policy allows it (it may wait for a person to approve). Returns its output and exit code.',
    inputSchema: inputJsonSchema('exec_shell'),
  },
  { name: 'read_file', description: 'Read a text file inside the task workdir.', inputSchema: inputJsonSchema('read_file') },
  { name: 'write_file', description: 'Create or overwrite a file inside the task workdir with the given content.', inputSchema: inputJsonSchema('write_file') },
  { name: 'apply_patch', description: 'Apply a unified diff (as `git diff` prints it) to files inside the task workdir.', inputSchema: inputJsonSchema('apply_patch') },
];

export const BUILTIN_NAMES = new Set(BUILTIN_DESCRIPTORS.map((d) => d.name));

export class ToolInputError extends Error {}

const toolInputError = (message: string) => new ToolInputError(message);

/** What the policy judges and the person sees, before anything runs. */
export interface PreparedCall {
  /** The command line (exec_shell) or a one-line description (`write_file src/a.ts`). */
  command: string;
  cwd: string;
  path?: string;
  /** Every file it touches, when that is more than one (a patch's): the policy judges each. */
  paths?: string[];
  /** For file writes: the diff that would be applied. */
  diff: string | null;
  run(ctx: RunContext): Promise<{ ok: boolean; output: string; exitCode?: number }>;
}

export interface RunContext {
  env: Record<string, string>;
  signal?: AbortSignal;
  onOutput?: (chunk: string) => void;
  /** Registers the command's process group with the scope; returns the release. */
  track(pid: number): () => void;
  killGraceMs: number;
}

export function prepareBuiltin(tool: string, args: Record<string, unknown>, workdir: string): PreparedCall {
  switch (tool) {
    case 'exec_shell': {
      const input = parseBuiltinInput('exec_shell', args, toolInputError);
      const command = input.command;
      const cwd = input.cwd ? confinedPath(workdir, input.cwd) : workdir;
      const timeoutMs = input.timeout_ms !== undefined && input.timeout_ms > 0 ? input.timeout_ms : null;
      return { command, cwd, diff: null, run: (ctx) => runShell(command, cwd, timeoutMs, ctx) };
    }
    case 'read_file': {
      const input = parseBuiltinInput('read_file', args, toolInputError);
      const rel = input.path;
      const file = confinedPath(workdir, rel);
      return {
        command: `read_file ${rel}`, cwd: workdir, path: rel, diff: null,
        run: async () => {
          const text = readText(file);
          const offset = input.offset !== undefined ? Math.max(1, Math.floor(input.offset)) : 1;
          const limit = input.limit !== undefined ? Math.max(0, Math.floor(input.limit)) : null;
          if (offset === 1 && limit === null) return { ok: true, output: text };
          const lines = text.split('\n');
          return { ok: true, output: lines.slice(offset - 1, limit === null ? undefined : offset - 1 + limit).join('\n') };
        },
      };
    }
    case 'write_file': {
      const { path: rel, content } = parseBuiltinInput('write_file', args, toolInputError);
      const file = confinedPath(workdir, rel);
      const before = fs.existsSync(file) ? readText(file) : null;
      return {
        command: `write_file ${rel}`, cwd: workdir, path: rel, diff: unifiedDiff(path.relative(fs.realpathSync(workdir), file), before, content),
        run: async () => {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, content);
          return { ok: true, output: `wrote ${Buffer.byteLength(content)} bytes to ${rel}` };
        },
      };
    }
    case 'apply_patch': {
      const { patch } = parseBuiltinInput('apply_patch', args, toolInputError);
      const files = patchedFiles(patch);
      if (files.length === 0) throw new ToolInputError('patch: no file headers (--- a/… +++ b/…) found; send a unified diff');
      for (const f of files) confinedPath(workdir, f);
      return {
        command: `apply_patch ${files.join(' ')}`, cwd: workdir, path: files[0], paths: files, diff: patch.endsWith('\n') ? patch : patch + '\n',
        run: (ctx) => gitApply(patch.endsWith('\n') ? patch : patch + '\n', workdir, ctx),
      };
    }
    default:
      throw new ToolInputError(`unknown tool ${tool}`);
  }
}

function readText(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(MAX_READ, fs.fstatSync(fd).size));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The files a unified diff touches: both sides (a rename or copy reads one and writes the other;
 *  /dev/null is neither). */
export function patchedFiles(patch: string): string[] {
  const files = new Set<string>();
  let minus: string | null = null;
  for (const line of patch.split('\n')) {
    if (line.startsWith('--- ')) minus = stripSide(line.slice(4));
    else if (line.startsWith('+++ ')) {
      const plus = stripSide(line.slice(4));
      if (plus) files.add(plus);
      if (minus) files.add(minus);
    }
  }
  return [...files];
}

function stripSide(raw: string): string | null {
  const p = raw.split('\t')[0]!.trim();
  if (p === '/dev/null') return null;
  return p.replace(/^[ab]\//, '');
}

function gitApply(patch: string, workdir: string, ctx: RunContext): Promise<{ ok: boolean; output: string; exitCode?: number }> {
  return new Promise((resolve) => {
    const child = spawn('git', ['apply', '--whitespace=nowarn', '-'], { cwd: workdir, env: ctx.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('error', (e) => resolve({ ok: false, output: `could not run git apply: ${e.message}` }));
    child.on('close', (code) => resolve({ ok: code === 0, output: code === 0 ? `applied to ${patchedFiles(patch).join(', ')}` : out.trim() || `git apply exited with ${code}`, exitCode: code ?? 1 }));
    child.stdin.end(patch);
  });
}

function runShell(command: string, cwd: string, timeoutMs: number | null, ctx: RunContext): Promise<{ ok: boolean; output: string; exitCode: number }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-c', command], { cwd, env: ctx.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const release = child.pid ? ctx.track(child.pid) : () => {};
    let output = '';
    let dropped = 0;
    const onData = (d: Buffer) => {
      const chunk = d.toString('utf8');
      ctx.onOutput?.(chunk);
      output += chunk;
      if (output.length > MAX_OUTPUT) {
        dropped += output.length - MAX_OUTPUT;
        output = output.slice(output.length - MAX_OUTPUT);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let stopped: string | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    let exited = false;
    const stop = (why: string) => {
      // After exit the pid may be reused: never signal it then.
      if (stopped || !child.pid || exited) return;
      stopped = why;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), ctx.killGraceMs);
      killTimer.unref();
    };
    const timer = timeoutMs ? setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs) : null;
    const onAbort = () => stop('stopped');
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal?.aborted) onAbort();
    let exitCode = 1;
    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code ?? 128 + (signal ? signalNumber(signal) : 0);
      // Background jobs it left behind go with it, and their pipes close.
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
    });
    child.once('error', (e) => {
      output += `could not start bash: ${e.message}`;
    });
    child.once('close', () => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      ctx.signal?.removeEventListener('abort', onAbort);
      release();
      const note = dropped > 0 ? `[${dropped} earlier characters of output not shown]\n` : '';
      const tail = stopped ? `\n[shoal: command ${stopped}]` : '';
      resolve({ ok: exitCode === 0 && !stopped, output: note + output + tail, exitCode });
    });
  });
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
function signalNumber(signal: string): number {
  return SIGNALS[signal] ?? 1;
}
