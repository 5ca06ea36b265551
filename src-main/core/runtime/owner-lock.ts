// One Shoal process at a time owns the runtime's background duties on a data dir: running jobs
// (resume_pending would otherwise make two processes run the same job) and recovering threads a
// crash left mid-reply (which must not touch a thread another live process is answering). A CLI
// `shoal run` next to the open app finds the app's claim alive and leaves both alone. The claim is
// (pid, process start time), so a reused pid does not pass for the owner. The check and the write
// happen in one IMMEDIATE transaction of the store: two processes started at once cannot both see
// "no live owner" and both claim; the loser learns who holds it.
import { isAlive, isSameProcess, processStartTime } from '../fleet/process-tree';
import { z } from 'zod';
import { setting, type SettingsTable } from '../store/settings-table';

export interface OwnerClaim { pid: number; start: string | null; since: string }
type Claim = OwnerClaim;

export const OWNER_CLAIM = setting<Claim | null>('runtime.owner', z.object({ pid: z.number().int(), start: z.string().nullable(), since: z.string() }).nullable(), null);

export class OwnerLock {
  private held = false;
  private holderClaim: OwnerClaim | null = null;

  constructor(private readonly settings: SettingsTable, private readonly pid = process.pid) {}

  /** Takes the duties unless another live process holds them (then `holder` says which). A claim
   *  left by a process that is gone (or whose pid now belongs to another process) is taken over. */
  claim(): boolean {
    const start = processStartTime(this.pid);
    const result = this.settings.exclusive(() => {
      const current = this.settings.get(OWNER_CLAIM);
      if (current && current.pid !== this.pid && isAlive(current.pid) && isSameProcess(current.pid, current.start)) return current;
      this.settings.set(OWNER_CLAIM, { pid: this.pid, start, since: new Date().toISOString() } satisfies Claim);
      return null;
    });
    this.holderClaim = result;
    this.held = result === null;
    return this.held;
  }

  /** The live process that holds the duties, when the last claim() lost to it. */
  get holder(): OwnerClaim | null {
    return this.holderClaim;
  }

  get isHeld(): boolean {
    return this.held;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.settings.get(OWNER_CLAIM)?.pid === this.pid) this.settings.delete(OWNER_CLAIM);
  }
}
