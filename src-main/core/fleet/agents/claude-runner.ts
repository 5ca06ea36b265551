// Starts Claude Code for one attempt with a config dir of its own: a fresh temp dir as
// CLAUDE_CONFIG_DIR (removed when Claude exits), so the user's ~/.claude — their settings, hooks,
// MCP servers, permissions and history — neither shapes the run nor receives its transcript.
// A tiny Node program like the Codex bridge (serialised with Function#toString, so it must stay
// self-contained), so it works on any host that runs Node; Claude's stdout passes straight through.
import type * as ChildProcess from 'node:child_process';
import type * as Fs from 'node:fs';
import type * as Os from 'node:os';
import type * as Path from 'node:path';

export function claudeRunnerMain(): void {
  const cp = process.getBuiltinModule('node:child_process') as typeof ChildProcess;
  const fs = process.getBuiltinModule('node:fs') as typeof Fs;
  const os = process.getBuiltinModule('node:os') as typeof Os;
  const path = process.getBuiltinModule('node:path') as typeof Path;
  // `node -e SCRIPT -- a b`: Node drops the `--`, so Claude's arguments start at argv[1].
  const args = process.argv.slice(1);
  const bin = process.env.SHOAL_CLAUDE_BIN || 'claude';
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-claude-'));
  const cleanup = (): void => fs.rmSync(home, { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env, CLAUDE_CONFIG_DIR: home,
    // No update checks, telemetry or error reports from a task's agent.
    DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1',
  };
  if (!env.ANTHROPIC_API_KEY && !env.ANTHROPIC_AUTH_TOKEN && !env.CLAUDE_CODE_USE_BEDROCK && !env.CLAUDE_CODE_USE_VERTEX) {
    const message = 'Claude Code needs an Anthropic API key (ANTHROPIC_API_KEY, or the key in Settings → Agents); its own login lives in ~/.claude, which Shoal never hands to a task.';
    process.stdout.write(JSON.stringify({ type: 'result', subtype: 'error', is_error: true, result: message }) + '\n');
    process.stderr.write(`shoal: ${message}\n`);
    cleanup();
    process.exit(2);
  }
  const child = cp.spawn(bin, args, { env, stdio: 'inherit' });
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => child.kill(s));
  child.on('error', (e: NodeJS.ErrnoException) => {
    const message = e.code === 'ENOENT'
      ? `could not start Claude Code: "${bin}" is not installed or not on PATH (npm install -g @anthropic-ai/claude-code, or set its path in Settings → Agents)`
      : `could not start Claude Code: ${e.message}`;
    process.stdout.write(JSON.stringify({ type: 'result', subtype: 'error', is_error: true, result: message }) + '\n');
    process.stderr.write(`shoal: ${message}\n`);
    cleanup();
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    cleanup();
    process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1));
  });
}

export const CLAUDE_RUNNER_SCRIPT = `(${claudeRunnerMain.toString()})();\n`;
