// The target branch as the merge queue moves it. The branch is the user's too: a commit made to it
// while a landing works (in their checkout, by another tool) must never be reset away. So the queue
// moves it back only from where it left it (git's compare-and-set, `update-ref NEW OLD`), and stops
// before a merge when it finds the branch elsewhere, saying where and what to do.
import fs from 'node:fs';
import path from 'node:path';
import { git, gitRun } from './git';

/** The branch is not where the queue left it: someone else moved it meanwhile. */
export class BranchMoved extends Error {}

export class QueueBranch {
  private constructor(private readonly wt: string, readonly name: string, private readonly refFile: string) {}

  /** The branch checked out in the queue's worktree `wt`. */
  static async of(wt: string, name: string): Promise<QueueBranch> {
    const commonDir = path.resolve(wt, (await git(wt, ['rev-parse', '--git-common-dir'])).trim());
    return new QueueBranch(wt, name, path.join(commonDir, 'refs', 'heads', ...name.split('/')));
  }

  /** Its commit, read from the branch's loose ref file (git writes one on every update), which saves
   *  a `git rev-parse` process per item; anything unexpected falls back to git. */
  async tip(): Promise<string> {
    try {
      const v = fs.readFileSync(this.refFile, 'utf8').trim();
      if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(v)) return v;
    } catch { /* packed or missing: ask git */ }
    return (await git(this.wt, ['rev-parse', 'HEAD'])).trim();
  }

  /** Throws BranchMoved unless the branch is still at `expected`. */
  async expectAt(expected: string, then: string): Promise<void> {
    const now = await this.tip();
    if (now !== expected) throw this.moved(expected, now, then);
  }

  /** Moves the branch from `from` back to `to`, and the worktree with it; throws BranchMoved (and
   *  moves nothing) when the branch is no longer at `from`. `then` says what that leaves behind. */
  async moveBack(from: string, to: string, then: string): Promise<void> {
    const r = await gitRun(this.wt, ['update-ref', '-m', 'shoal land: undo', `refs/heads/${this.name}`, to, from]);
    if (r.code !== 0) throw this.moved(from, await this.tip(), then);
    await git(this.wt, ['reset', '--hard', '-q']);
  }

  private moved(expected: string, now: string, then: string): BranchMoved {
    return new BranchMoved(`${this.name} moved while the landing worked on it: it is at ${now.slice(0, 12)}, not at ${expected.slice(0, 12)} where the landing left it `
      + `(a commit made to it meanwhile?). The landing stopped there and reset nothing away; ${then}`);
  }
}
