// One Shoal process at a time owns the runtime's background duties on a data dir: running jobs
// (resume_pending would otherwise make two processes run the same job) and recovering threads a
// crash left mid-reply (which must not touch a thread another live process is answering). A CLI
// `shoal run` next to the open app finds the app's claim alive and leaves both alone. The claim is
// (pid, process start time), so a reused pid does not pass for the owner.
import { isAlive, isSameProcess, processStartTime } from '../fleet/process-tree';
import type { KvSettings } from './kv-settings';

const KEY = 'runtime.owner';

interface Claim { pid: number; start: string | null; since: string }

export class OwnerLock {
  private held = false;

  constructor(private readonly kv: KvSettings, private readonly pid = process.pid) {}

  /** Takes the duties unless another live process holds them. */
  claim(): boolean {
    const current = this.kv.get<Claim | null>(KEY, null);
    if (current && current.pid !== this.pid && isAlive(current.pid) && isSameProcess(current.pid, current.start)) return false;
    this.kv.set(KEY, { pid: this.pid, start: processStartTime(this.pid), since: new Date().toISOString() } satisfies Claim);
    this.held = true;
    return true;
  }

  get isHeld(): boolean {
    return this.held;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.kv.get<Claim | null>(KEY, null)?.pid === this.pid) this.kv.delete(KEY);
  }
}
