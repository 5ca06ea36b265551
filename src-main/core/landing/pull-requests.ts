// `land --pr`: each result that merges cleanly is pushed as its own branch and gets a pull request
// opened with the GitHub CLI, its body the task's evidence (receipt.ts). Preflight has checked that
// gh is installed and logged in; a failure of one push or PR is recorded and the rest go on.
import type { Store } from '../store/open';
import { ghFailure, runGh } from './gh';
import { gitRun, pushRef } from './git';
import type { LandingItemRow, LandingRow } from './land-store';
import { remoteRepo } from './preflight';
import { evidenceMarkdown } from './receipt';

/** The reason of an item whose pull request was opened ends with its address (see merge-queue's openPrs). */
export function hasPullRequest(item: LandingItemRow): boolean {
  return /; pull request \S+$/.test(item.reason ?? '');
}

export async function openPullRequests(opts: {
  landing: LandingRow; items: LandingItemRow[]; remote: string; env: NodeJS.ProcessEnv; store: Store; timeoutMs?: number; pushTimeoutMs?: number; stop?: AbortSignal;
  /** Told each pull request's address as gh prints it. */
  opened: (taskId: string, url: string) => void;
}): Promise<string | null> {
  const problems: string[] = [];
  // The pull request goes to the repository the branches are pushed to: left to itself gh picks
  // one of the repository's GitHub remotes (upstream, github, origin first), which may be another.
  const url = await gitRun(opts.landing.repo, ['remote', 'get-url', opts.remote]);
  const target = url.code === 0 ? remoteRepo(url.stdout.trim()) : null;
  // A resumed landing (killed after some pull requests were opened) opens only the ones still missing.
  for (const item of opts.items.filter((i) => i.state === 'kept' && !hasPullRequest(i))) {
    if (opts.stop?.aborted) break;
    const pushed = await pushRef(opts.landing.repo, opts.remote, `refs/heads/${item.branch}`, opts.pushTimeoutMs, opts.stop);
    if (pushed) {
      problems.push(`${item.taskId}: ${pushed}`);
      continue;
    }
    const body = evidenceMarkdown(opts.store, opts.landing.runId, item.taskId);
    const r = await runGh(['pr', 'create', ...(target ? ['--repo', target] : []), '--base', opts.landing.intoBranch, '--head', item.branch, '--title', `${item.taskId} (${opts.landing.runId})`, '--body', body], opts.landing.repo, opts.env, opts.timeoutMs, opts.stop);
    // The branch's pull request is open already (a land --pr again, or one killed after gh opened it
    // and before it was recorded): the push above updated it, and its address is what gh names.
    const existing = r.kind === 'failed' ? /already exists:\s*(https?:\/\/\S+)/.exec(r.out)?.[1] : undefined;
    if (existing) opts.opened(item.taskId, existing);
    else if (r.kind !== 'ok') problems.push(`${item.taskId}: ${ghFailure('gh pr create', r)}`);
    else opts.opened(item.taskId, r.out.split('\n').reverse().find((l) => /^https?:\/\//.test(l.trim()))?.trim() ?? r.out);
  }
  return problems.length > 0 ? problems.join('; ') : null;
}
