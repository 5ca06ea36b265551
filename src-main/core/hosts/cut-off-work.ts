// Work a driver lost sight of while it ran: the connection to its host dropped, or the host stopped
// answering, and the agent (an SSH process group, a container) may still be running there. Its
// attempt's record is closed (its lease lapses and the task is reclaimed), so nothing else would end
// it: the driver keeps trying in the background, with backoff, for as long as it runs. That loop may
// be in a long pause (up to 30 s) when the host comes back, while the worker's re-probe comes
// within a second: a probe that finds the host answering therefore ends this work itself before it
// calls the host usable again, or a worker back in service would run the reclaimed task there beside
// its first attempt, left running.
import type { HostDriver } from './host-driver';
import { serializeHostRef, type HostRef } from './host-ref';
import { endNow, reapUntilEnded, type ReapLoop } from './reap-orphan';

export class CutOffWork {
  /** Not yet seen ended, by the ref's stored form (one entry per attempt), with its background loop. */
  private readonly work = new Map<string, { ref: HostRef; loop: ReapLoop }>();
  /** Loops not settled yet (one whose work a probe ended is cancelled, and leaves once it stopped). */
  private readonly loops = new Set<ReapLoop>();

  /** `driver`: the one that ran the work, and reaches its host. */
  constructor(private readonly driver: HostDriver) {}

  /** Starts ending it in the background (its host may be away for long). */
  add(ref: HostRef): void {
    const key = serializeHostRef(ref);
    if (this.work.has(key)) return;
    const loop = reapUntilEnded([() => this.driver], ref, { firstDelayMs: 500 });
    this.work.set(key, { ref, loop });
    this.loops.add(loop);
    void loop.ended.then((ended) => {
      this.loops.delete(loop);
      if (ended && this.work.get(key)?.loop === loop) this.work.delete(key);
    });
  }

  /** Ends each one now, for a probe that found the host answering: null once none is left, else why
   *  the host is not usable yet (what could not be ended, and the cause). A reap is idempotent, so
   *  one the background loop is making at the same moment does no harm; a loop whose work ended
   *  here stops. */
  async endAll(): Promise<string | null> {
    for (const [key, { ref, loop }] of [...this.work]) {
      const notYet = await endNow(this.driver, ref, 'left from an attempt cut off from Shoal');
      if (notYet) return notYet;
      this.work.delete(key);
      loop.cancel();
    }
    return null;
  }

  /** Resolves once no background loop is left (at once when none runs): its driver's pool closes an
   *  unused driver only then. */
  async idle(): Promise<void> {
    while (this.loops.size > 0) await Promise.allSettled([...this.loops].map((l) => l.ended));
  }

  /** The driver closes: the loops stop (what is left is not this process's to end any more). */
  cancelAll(): void {
    for (const loop of this.loops) loop.cancel();
  }
}
