// The merge queue behind `shoal land`: merges each chosen result branch into the target branch, one
// at a time, in its own worktree (the user's checkout is never used for merging), so every merge is
// made on top of the ones before it and re-checked there. A merge that conflicts or fails its checks
// is taken out (reason and files recorded) and the queue goes on.
//
// Crash safety: each item is marked `merging` before git is asked, and its outcome is written the
// moment git has made it. Every commit the queue makes carries `Shoal-Landing:`/`Shoal-Task:`
// trailers, so on resume an item left `merging` is decided by looking at the branch: if its commit
// is the tip, the merge happened (its checks are run again); if not, it never did. Nothing is merged
// twice and nothing is lost.
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../fleet/process-tree';
import type { Store } from '../store/open';
import { git, gitRetrying, gitRun, pushRef, worktrees } from './git';
import { LandStore, type ItemState, type LandingItemRow, type LandingRow, type LandMode } from './land-store';
import { LandInputError, planItems, runTasks, type RunTask } from './land-plan';
import { checkBranches, checkGh, checkRemote, resolveRepo } from './preflight';
import { QueueBranch } from './queue-branch';
import { rescore, runCheck } from './recheck';

export interface LandOptions {
  runId: string;
  /** Target branch; default: the branch checked out in the run's workspace. */
  into?: string;
  mode?: LandMode;
  /** Only these tasks (each must have passed); default: every passed task (best-of-N: the winners). */
  tasks?: string[];
  /** Run-level check command, run on the combined tree after each merge; default: the run's
   *  `land_check` label. */
  check?: string | null;
  push?: boolean;
  remote?: string;
  pr?: boolean;
}

export interface LandItemReport { task_id: string; branch: string; state: ItemState; commit: string | null; files: string[]; reason: string | null }
export interface LandReport {
  landing_id: string; run_id: string; repo: string; into: string; mode: LandMode; status: LandingRow['status'];
  base_commit: string; tip_commit: string; error: string | null; resumed: boolean;
  /** Still running, but neither this process nor a live one is working it: the next land resumes it. */
  interrupted: boolean;
  items: LandItemReport[];
}

export interface LandingDeps {
  store: Store;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Told after every durable change, so views refresh. */
  onChange?: (runId: string) => void;
  /** Which candidate won each best-of-N group of a run (group id → task id). */
  winners?: (runId: string) => Map<string, string>;
  /** How long one gh command may take (default GH_TIMEOUT_MS), and one push (default PUSH_TIMEOUT_MS). */
  ghTimeoutMs?: number;
  pushTimeoutMs?: number;
}

const SHOAL_IDENTITY = { GIT_AUTHOR_NAME: 'Shoal', GIT_AUTHOR_EMAIL: 'shoal@localhost', GIT_COMMITTER_NAME: 'Shoal', GIT_COMMITTER_EMAIL: 'shoal@localhost' };

export class LandingService {
  readonly landStore: LandStore;
  private readonly env: NodeJS.ProcessEnv;
  /** Landings this process is working on: a second `land` of the same run waits for none, it refuses. */
  private readonly active = new Set<string>();
  /** Aborted by stop(): the queue stops between steps, a running check or push is killed. */
  private readonly stopper = new AbortController();
  private readonly working = new Set<Promise<unknown>>();

  constructor(private readonly deps: LandingDeps) {
    this.landStore = new LandStore(deps.store);
    this.env = deps.env ?? process.env;
  }

  private get root(): string {
    return path.join(this.deps.dataDir, 'landing');
  }

  /** Lands a run (or resumes its interrupted landing). Bad input throws LandInputError, unchanged. */
  async land(opts: LandOptions): Promise<LandReport> {
    if (this.stopper.signal.aborted) throw new LandInputError('runId', 'Shoal is stopping; land again once it has restarted');
    const unfinished = this.landStore.ofRun(opts.runId).find((l) => l.status === 'running');
    if (unfinished) {
      if (this.isBusy(unfinished)) throw busy(unfinished);
      // It is resumed as it was begun: asked to land elsewhere or otherwise, say so rather than
      // merge into a branch the caller did not name.
      const mode = opts.pr ? 'branches' : opts.mode ?? unfinished.mode;
      if ((opts.into && opts.into !== unfinished.intoBranch) || mode !== unfinished.mode) {
        const field = opts.into && opts.into !== unfinished.intoBranch ? 'into' : opts.pr ? 'pr' : 'mode';
        throw new LandInputError(field, (w) => `run "${opts.runId}" has an interrupted ${unfinished.mode} landing into ${unfinished.intoBranch} (${unfinished.id}); land again into ${unfinished.intoBranch} with ${w.mode[unfinished.mode]} to finish it first — nothing was changed`);
      }
      // What this call asks for after the queue (push, pull requests) is done on resume too: the
      // landing row does not keep it, and a resumed `land --push` that never pushed would say "done".
      await this.checkAfterQueue(unfinished.repo, opts);
      // From here to work() nothing is awaited, and the takeover is a compare-and-set on the owner
      // seen: of two resumes at once, in this process or in two, exactly one goes on.
      const now = this.landStore.get(unfinished.id)!;
      if (now.status !== 'running' || this.isBusy(now) || !this.landStore.takeOver(now.id, now.ownerPid, process.pid)) throw busy(now);
      return this.work(now, true, afterQueue(opts));
    }
    const landing = await this.write(opts, true);
    return this.work(landing, false, afterQueue(opts));
  }

  /** What the call asks for after the queue (a push, pull requests) can be done from `repo`. */
  private async checkAfterQueue(repo: string, opts: LandOptions): Promise<void> {
    if (opts.push || opts.pr) await checkRemote(repo, opts.remote ?? 'origin');
    if (opts.pr) await checkGh(repo, opts.remote ?? 'origin', this.env, this.deps.ghTimeoutMs);
  }

  /** Another call of this process, or a live process, is working on the landing: it is not touched. */
  private isBusy(l: LandingRow): boolean {
    return this.active.has(l.id) || (l.ownerPid !== null && l.ownerPid !== process.pid && isAlive(l.ownerPid));
  }

  /** Validates everything and writes the landing with its queue; nothing in git changes here. */
  prepare(opts: LandOptions): Promise<LandingRow> {
    return this.write(opts, false);
  }

  /** `working`: the caller works the queue next, so it is this call's from the moment it is written
   *  (another call in the gap before work() would otherwise take it for an interrupted one). */
  private async write(opts: LandOptions, working: boolean): Promise<LandingRow> {
    const mode: LandMode = opts.pr ? 'branches' : (opts.mode ?? 'merge');
    const { repo, intoBranch } = await resolveRepo(this.deps.store, opts.runId, opts.into, this.root);
    const items = planItems(runTasks(this.deps.store, opts.runId), opts.tasks, this.deps.winners?.(opts.runId));
    if (items.length === 0) throw new LandInputError('runId', `run "${opts.runId}" has no passed task to land`);
    await checkBranches(repo, items);
    await this.checkAfterQueue(repo, opts);
    const base = (await git(repo, ['rev-parse', `refs/heads/${intoBranch}`])).trim();
    const check = opts.check === undefined ? this.runLabel(opts.runId, 'land_check') : opts.check;
    const written = this.landStore.create({ runId: opts.runId, repo, intoBranch, mode, checkCommand: check || null, baseCommit: base, ownerPid: process.pid }, items);
    // Another land of this run began while this one was checking (a second click, the CLI beside the app).
    if ('running' in written) throw busy(written.running);
    if (working) this.active.add(written.created.id);
    this.deps.onChange?.(opts.runId);
    return written.created;
  }

  report(landingId: string, resumed = false): LandReport {
    const l = this.landStore.get(landingId);
    if (!l) throw new LandInputError('landingId', `no landing "${landingId}"`);
    return {
      landing_id: l.id, run_id: l.runId, repo: l.repo, into: l.intoBranch, mode: l.mode, status: l.status, base_commit: l.baseCommit,
      tip_commit: l.tipCommit, error: l.error, resumed, interrupted: l.status === 'running' && !this.isBusy(l),
      items: this.landStore.items(l.id).map((i) => ({ task_id: i.taskId, branch: i.branch, state: i.state, commit: i.commit, files: i.files, reason: i.reason })),
    };
  }

  latest(runId: string): LandReport | null {
    const l = this.landStore.ofRun(runId)[0];
    return l ? this.report(l.id) : null;
  }

  private runLabel(runId: string, key: string): string | null {
    const row = this.deps.store.db.prepare<[string], { labels: string }>(`SELECT labels FROM runs WHERE id = ?`).get(runId);
    const v = row ? (JSON.parse(row.labels) as Record<string, unknown>)[key] : undefined;
    return typeof v === 'string' && v.trim() ? v : null;
  }

  /** Shoal is stopping (the app quits, `shoal land` got SIGINT or SIGTERM): a running check or push
   *  is killed with its process group, nothing more is merged, and each landing being worked is left
   *  running with no owner, as a kill would leave it, so the next land resumes it. Resolves once
   *  they have all stopped. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await Promise.allSettled([...this.working]);
  }

  private throwIfStopped(): void {
    if (this.stopper.signal.aborted) throw new LandingStopped();
  }

  private work(landing: LandingRow, resumed: boolean, after: { push?: boolean; pr?: boolean; remote?: string } = {}): Promise<LandReport> {
    const working = this.workOn(landing, resumed, after);
    this.working.add(working);
    return working.finally(() => this.working.delete(working));
  }

  private async workOn(landing: LandingRow, resumed: boolean, after: { push?: boolean; pr?: boolean; remote?: string }): Promise<LandReport> {
    this.active.add(landing.id);
    this.landStore.claim(landing.id, process.pid);
    try {
      // What went wrong after the queue itself got through: each is said, none hides another.
      const problems: Array<string | null> = [];
      if (landing.mode === 'branches') await this.checkOnly(landing);
      else problems.push(await this.mergeAll(landing));
      this.throwIfStopped();
      if (after.push) problems.push(await this.push(landing, after.remote ?? 'origin'));
      if (after.pr) problems.push(await this.openPrs(landing, after.remote ?? 'origin'));
      this.throwIfStopped();
      this.landStore.finish(landing.id, 'done', problems.filter(Boolean).join('; ') || null);
    } catch (e) {
      if (e instanceof LandingStopped) this.landStore.release(landing.id);
      // The queue could not go on (git itself failed): the landing fails with why. What it recorded
      // stays; a later land is a new landing, which finds what this one merged already there.
      else this.landStore.finish(landing.id, 'failed', (e as Error).message);
    } finally {
      this.active.delete(landing.id);
      this.deps.onChange?.(landing.runId);
    }
    return this.report(landing.id, resumed);
  }

  /** Records an item's step and tells the views at once, so a landing is watched as it goes. */
  private mark(landing: LandingRow, taskId: string, state: ItemState, fields?: Parameters<LandStore['setItem']>[3]): void {
    this.landStore.setItem(landing.id, taskId, state, fields);
    this.deps.onChange?.(landing.runId);
  }

  private tasksById(runId: string): Map<string, RunTask> {
    return new Map(runTasks(this.deps.store, runId).map((t) => [t.taskId, t]));
  }

  /** Works the queue; returns why the user's checkout could not be brought along, if it could not. */
  private async mergeAll(landing: LandingRow): Promise<string | null> {
    const wt = path.join(this.root, landing.id);
    const { repo, intoBranch } = landing;
    const holder = await this.userCheckout(repo, intoBranch);
    if (await this.isWorktreeOf(repo, wt)) {
      // Resuming: drop whatever half-made merge the crash left in our own worktree.
      await gitRun(wt, ['reset', '--hard', '-q']);
    } else {
      // A folder a kill left half made (or half removed) is no worktree: git run in it would act on
      // whatever repository is around it (the data folder may sit in one, a home folder kept in git).
      fs.rmSync(wt, { recursive: true, force: true });
      fs.mkdirSync(this.root, { recursive: true });
      // --force: the target branch may be checked out in the user's checkout too; the queue moves
      // the branch there and then brings that (clean) checkout along, see syncCheckout.
      await gitRetrying(repo, ['worktree', 'add', '--force', '-q', wt, intoBranch]);
    }
    const identity = (await gitRun(repo, ['config', 'user.email'])).stdout.trim() ? {} : SHOAL_IDENTITY;
    const tasks = this.tasksById(landing.runId);
    const trailer = (taskId: string) => `Shoal-Landing: ${landing.id}\nShoal-Task: ${taskId}`;
    const branch = await QueueBranch.of(wt, intoBranch);
    let tip = await branch.tip();
    let checkoutProblem: string | null = null;
    try {
      for (const item of this.landStore.items(landing.id)) {
        this.throwIfStopped();
        if (item.state === 'merging' || item.state === 'checking') {
          const head = await git(wt, ['log', '-1', '--format=%B']);
          if (!madeBy(head, landing.id, item.taskId)) this.mark(landing, item.taskId, 'queued');
          else {
            tip = await this.afterMerge(landing, wt, branch, item, tasks.get(item.taskId), `${tip}^1`, tip);
            continue;
          }
        } else if (item.state !== 'queued') continue;
        // Merged onto a commit the queue did not make, a later undo could only reset it away.
        await branch.expectAt(tip, 'land again to go on from there.');
        const task = tasks.get(item.taskId);
        const msg = `Land ${task?.name ?? item.taskId} (${item.taskId}) from ${landing.runId}\n\n${trailer(item.taskId)}`;
        this.mark(landing, item.taskId, 'merging');
        const args = landing.mode === 'squash' ? ['merge', '--squash', '-q', item.branch] : ['merge', '--no-ff', '--no-edit', '-q', '-m', msg, item.branch];
        const merged = await gitRun(wt, args, identity);
        if (merged.code !== 0) {
          await this.takeOutConflict(landing, wt, branch, item, tip, merged.stdout + merged.stderr);
          continue;
        }
        if (landing.mode === 'squash') {
          if ((await gitRun(wt, ['diff', '--cached', '--quiet'])).code === 0) {
            this.mark(landing, item.taskId, 'empty', { reason: `nothing to merge: ${intoBranch} already has everything on ${item.branch}` });
            continue;
          }
          await git(wt, ['commit', '-q', '--no-verify', '-m', msg], identity);
        }
        const next = await branch.tip();
        if (next === tip) {
          this.mark(landing, item.taskId, 'empty', { reason: `nothing to merge: ${intoBranch} already has everything on ${item.branch}` });
          continue;
        }
        tip = await this.afterMerge(landing, wt, branch, item, task, tip, next);
      }
    } finally {
      // From the landing's base (the clean checkout matched it when the landing began, and a
      // crash since then left it there) to the tip.
      // Stopped, the checkout stays where a kill would leave it, for the resume to bring along.
      if (holder && !this.stopper.signal.aborted) checkoutProblem = await this.syncCheckout(holder, landing.baseCommit, landing);
      await gitRetrying(repo, ['worktree', 'remove', '--force', wt]).catch(() => '');
      fs.rmSync(wt, { recursive: true, force: true });
    }
    return checkoutProblem;
  }

  /** The merge is in; it stays if the checks pass on the combined tree, else it is undone. Returns the new tip. */
  private async afterMerge(landing: LandingRow, wt: string, branch: QueueBranch, item: LandingItemRow, task: RunTask | undefined, prev: string, next: string): Promise<string> {
    this.mark(landing, item.taskId, 'checking');
    const failure = (task ? await rescore(task.spec, wt) : null) ?? (landing.checkCommand ? await runCheck(landing.checkCommand, wt, this.env, this.stopper.signal) : null);
    // A check killed because Shoal is stopping says nothing about the merge: it stays `checking`,
    // and the resume checks it again.
    this.throwIfStopped();
    if (!failure) {
      this.mark(landing, item.taskId, 'landed', { commit: next, tip: next });
      return next;
    }
    const files = (await git(wt, ['diff', '--name-only', prev, next])).split('\n').filter(Boolean);
    const back = (await git(wt, ['rev-parse', prev])).trim();
    try {
      await branch.moveBack(next, back, `the merge of ${item.taskId}, which failed its check (${failure}), is still on ${landing.intoBranch} under that commit: `
        + `\`git revert -m 1 ${next.slice(0, 12)}\` there takes it out.`);
    } catch (e) {
      this.mark(landing, item.taskId, 'check_failed', { files, reason: `${failure}; its merge is still on ${landing.intoBranch}: the branch moved meanwhile` });
      throw e;
    }
    this.mark(landing, item.taskId, 'check_failed', { files, reason: failure, tip: back });
    return back;
  }

  private async takeOutConflict(landing: LandingRow, wt: string, branch: QueueBranch, item: LandingItemRow, tip: string, output: string): Promise<void> {
    const files = (await gitRun(wt, ['diff', '--name-only', '--diff-filter=U'])).stdout.split('\n').filter(Boolean);
    // A squash merge leaves no MERGE_HEAD to abort; a hard reset to the tip undoes either kind
    // (a failed merge moved no branch: the branch stays where it is, only the worktree is cleaned).
    await branch.moveBack(tip, tip, 'land again to go on from there.');
    const reason = files.length > 0
      ? `merge conflict in ${files.length} file${files.length === 1 ? '' : 's'}: ${files.join(', ')}`
      : `git merge failed: ${output.trim().split('\n').slice(-2).join(' ')}`;
    this.mark(landing, item.taskId, 'conflict', { files, reason });
  }

  /** Mode "branches" (and --pr): nothing is merged; each branch is checked against the target with
   *  `git merge-tree` so a conflict is known before anyone merges. */
  private async checkOnly(landing: LandingRow): Promise<void> {
    for (const item of this.landStore.items(landing.id)) {
      this.throwIfStopped();
      if (item.state !== 'queued' && item.state !== 'merging') continue;
      const r = await gitRun(landing.repo, ['merge-tree', '--write-tree', '--name-only', '--no-messages', `refs/heads/${landing.intoBranch}`, item.branch]);
      if (r.code === 0) this.mark(landing, item.taskId, 'kept', { reason: `left as branch ${item.branch}` });
      else if (r.code === 1) {
        const files = r.stdout.split('\n').slice(1).filter(Boolean);
        this.mark(landing, item.taskId, 'conflict', { files, reason: `would conflict with ${landing.intoBranch} in ${files.join(', ')}` });
      } else throw new Error(`git merge-tree failed: ${r.stderr.trim()}`);
    }
  }

  /** Whether `dir` is a worktree of `repo` that git will find from inside it. */
  private async isWorktreeOf(repo: string, dir: string): Promise<boolean> {
    if (!fs.existsSync(path.join(dir, '.git'))) return false;
    const real = fs.realpathSync(dir);
    return (await worktrees(repo)).some((w) => fs.existsSync(w.path) && fs.realpathSync(w.path) === real);
  }

  private async userCheckout(repo: string, branch: string): Promise<string | null> {
    const root = path.resolve(this.root);
    const out = await git(repo, ['worktree', 'list', '--porcelain']);
    let current: string | null = null;
    for (const line of out.split('\n')) {
      if (line.startsWith('worktree ')) current = line.slice('worktree '.length);
      else if (line === `branch refs/heads/${branch}` && current && !path.resolve(current).startsWith(root + path.sep)) return current;
    }
    return null;
  }

  /** The user's checkout had the target branch checked out, clean (preflight made sure): its index
   *  and files follow the branch from where it was to the new tip, as a fast-forward would. The
   *  results stay landed when this fails (an untracked file there is in the way): what is wrong is
   *  returned, not thrown, so the landing is not called failed, and an error of the queue is not hidden. */
  private async syncCheckout(checkout: string, before: string, landing: LandingRow): Promise<string | null> {
    const after = (await gitRun(landing.repo, ['rev-parse', `refs/heads/${landing.intoBranch}`])).stdout.trim();
    if (!after || after === before) return null;
    const r = await gitRun(checkout, ['read-tree', '-m', '-u', before, after]);
    if (r.code === 0) return null;
    const why = r.stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    // read-tree changed nothing: the files there are still those of the old tip. `git reset --hard`
    // alone would overwrite a file in the way (untracked, or edited since a resumed landing began).
    return `landed on ${landing.intoBranch}, but the checkout at ${checkout} was left at the old tip ${before.slice(0, 12)}: ${why} — save or move the files it names, then run \`git reset --hard\` there`;
  }

  /** Why the landed branch did not reach the remote, saying first that the merge itself is in here
   *  (the landing is done: nothing is undone for a failed push, the next push sends it). */
  private async push(landing: LandingRow, remote: string): Promise<string | null> {
    const why = await pushRef(landing.repo, remote, `refs/heads/${landing.intoBranch}`, this.deps.pushTimeoutMs, this.stopper.signal);
    if (!why) return null;
    // Left as branches, nothing was merged: only the push is to say.
    if (landing.mode === 'branches') return `${landing.intoBranch} was not pushed to ${remote}: ${why}`;
    return `landed on ${landing.intoBranch} here, but not on ${remote}: ${why}`;
  }

  private async openPrs(landing: LandingRow, remote: string): Promise<string | null> {
    const { openPullRequests } = await import('./pull-requests');
    const items = this.landStore.items(landing.id);
    return openPullRequests({
      landing, items, remote, env: this.env, store: this.deps.store, timeoutMs: this.deps.ghTimeoutMs, pushTimeoutMs: this.deps.pushTimeoutMs, stop: this.stopper.signal,
      opened: (taskId, url) => {
        const item = items.find((i) => i.taskId === taskId)!;
        this.mark(landing, taskId, 'kept', { files: item.files, reason: `left as branch ${item.branch}; pull request ${url}` });
      },
    });
  }
}

/** The queue stopped between steps because Shoal is stopping; not a failure of the landing. */
class LandingStopped extends Error {}

function busy(l: LandingRow): LandInputError {
  return new LandInputError('runId', `run "${l.runId}" is being landed right now (${l.id}${l.ownerPid ? `, pid ${l.ownerPid}` : ''})`);
}

/** What follows the queue: pull requests (which imply the push of each branch), or the push of the target. */
function afterQueue(opts: LandOptions): { push?: boolean; pr?: boolean; remote?: string } {
  const remote = opts.remote ?? 'origin';
  return opts.pr ? { pr: true, remote } : opts.push ? { push: true, remote } : {};
}

/** Whether a commit message is the queue's own commit for this task of this landing: its trailers
 *  compared line by line, since as text "Shoal-Task: a" is also the start of "Shoal-Task: ab" (the
 *  tip being the landed merge of task "ab" must not count as task "a" merged). */
function madeBy(message: string, landingId: string, taskId: string): boolean {
  const lines = new Set(message.split('\n').map((l) => l.trim()));
  return lines.has(`Shoal-Landing: ${landingId}`) && lines.has(`Shoal-Task: ${taskId}`);
}

export { LandInputError };
