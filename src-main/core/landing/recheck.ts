// The checks a merge must pass on the combined tree before it stays: the task's own scorer (a
// manual one was already decided by a person, so it stands, and so does one that reads a file git
// ignores) and the optional run-level check command.
import { spawn } from 'node:child_process';
import { signalGroup } from '../fleet/process-tree';
import { score } from '../fleet/scorers';
import { gitRun } from './git';
import type { FleetScorerSpec } from '../../../src-shared/protocol/fleet';

const CHECK_TIMEOUT_MS = 10 * 60_000;

export async function rescore(spec: Record<string, unknown>, dir: string): Promise<string | null> {
  const scorer = (spec.scorer ?? null) as FleetScorerSpec | null;
  // A file the scorer reads that git ignores (a test report, coverage) was written by the agent's
  // run and never became part of the result, so no merged tree has it: its verdict on the agent's
  // worktree stands, as a manual one does. Otherwise every such task would be taken out as failed.
  if (scorer && 'path' in scorer && (await gitRun(dir, ['check-ignore', '-q', '--', String(scorer.path)])).code === 0) return null;
  const verdict = score(scorer, 0, dir, (spec.metadata ?? {}) as Record<string, unknown>);
  return verdict.result === 'fail' ? `scorer failed on the combined tree: ${verdict.reason ?? verdict.score?.notes ?? 'fail'}` : null;
}

/** Runs `command` with sh in `dir`; null when it exits 0, else why not with its last output lines.
 *  It runs in its own process group, which a timeout or `stop` (Shoal stopping) kills whole. */
export function runCheck(command: string, dir: string, env: NodeJS.ProcessEnv, stop?: AbortSignal): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = () => void signalGroup(child.pid!, 'SIGKILL');
    if (stop?.aborted) killGroup();
    stop?.addEventListener('abort', killGroup, { once: true });
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(killGroup, CHECK_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', killGroup);
      resolve(`check could not start: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', killGroup);
      if (code === 0) return resolve(null);
      const tail = out.trim().split('\n').slice(-5).join('\n');
      resolve(`check \`${command}\` ${signal ? `was killed (${signal})` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}`);
    });
  });
}
