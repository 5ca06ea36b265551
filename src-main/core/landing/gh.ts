// The GitHub CLI for the landing: one place that runs `gh`, never prompting, and never waiting for
// ever. gh sets no deadline of its own on GitHub's API, so a proxy or an API that accepts the
// connection and never answers would hold the landing (and every later land of the run) forever.
import { execFile } from 'node:child_process';

/** How long one gh command may take; creating a pull request takes a few seconds. */
export const GH_TIMEOUT_MS = 120_000;

export type GhResult =
  | { kind: 'ok'; out: string }
  | { kind: 'failed'; out: string }
  | { kind: 'missing' }
  | { kind: 'timeout'; seconds: number };

export function runGh(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = GH_TIMEOUT_MS, stop?: AbortSignal): Promise<GhResult> {
  return new Promise((resolve) => {
    execFile('gh', args, { cwd, env: { ...env, GH_PROMPT_DISABLED: '1' }, timeout: timeoutMs, killSignal: 'SIGKILL', ...(stop ? { signal: stop } : {}) }, (e, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      if (!e) return resolve({ kind: 'ok', out });
      const err = e as NodeJS.ErrnoException & { killed?: boolean };
      if (err.code === 'ENOENT') return resolve({ kind: 'missing' });
      if (stop?.aborted) return resolve({ kind: 'failed', out: 'stopped: Shoal is stopping' });
      if (err.killed) return resolve({ kind: 'timeout', seconds: Math.round(timeoutMs / 1000) });
      resolve({ kind: 'failed', out });
    });
  });
}

/** What a gh command that did not succeed said, for a person. */
export function ghFailure(command: string, r: Exclude<GhResult, { kind: 'ok' }>): string {
  switch (r.kind) {
    case 'missing': return `${command}: gh is not installed (not on PATH)`;
    case 'timeout': return `${command} did not answer within ${r.seconds} s (GitHub or a proxy on the way is not responding) and was stopped`;
    case 'failed': return `${command} failed: ${r.out}`;
  }
}
