// Work a driver lost sight of while it ran: the connection to its host dropped, or the host stopped
// answering, and the agent (an SSH process group, a container) may still be running there. Its
// attempt's record is closed (its lease lapses and the task is reclaimed), so nothing else would end
// it: the driver keeps trying in the background, with backoff, for as long as it runs. That loop may
// be in a long pause (up to 30 s) when the host comes back, while the worker's re-probe comes
// within a second: a probe that finds the host answering therefore ends this work itself before it
// calls the host usable again, or a worker back in service would run the reclaimed task there beside
// its first attempt, left running.
import type { HostDriver } from './host-driver';
import { describeHostRef, serializeHostRef, type HostRef } from './host-ref';
import { ReapLoops } from './reap-orphan';

export class CutOffWork {
  private readonly loops = new ReapLoops();
  /** Not yet seen ended, by the ref's stored form (one entry per attempt). */
  private readonly refs = new Map<string, HostRef>();

  /** `driver`: the one that ran the work, and reaches its host. */
  constructor(private readonly driver: HostDriver) {}

  /** Starts ending it in the background (its host may be away for long). */
  add(ref: HostRef): void {
    const key = serializeHostRef(ref);
    if (this.refs.has(key)) return;
    this.refs.set(key, ref);
    void this.loops.start([() => this.driver], ref, { firstDelayMs: 500 }).then((ended) => {
      if (ended) this.refs.delete(key);
    });
  }

  /** How many are not yet seen ended. */
  get size(): number {
    return this.refs.size;
  }

  /** Ends each one now, for a probe that found the host answering: null once none is left, else why
   *  the host is not usable yet (what could not be ended, and the cause). A reap is idempotent, so
   *  one the background loop is making at the same moment does no harm; that loop finds the work
   *  gone on its next try. */
  async endAll(): Promise<string | null> {
    for (const [key, ref] of [...this.refs]) {
      try {
        await this.driver.reap(ref);
        this.refs.delete(key);
      } catch (e) {
        const cause = (e as Error).message.replace(`${this.driver.label}: `, '');
        return `${this.driver.label}: could not yet end ${describeHostRef(ref)}, left from an attempt cut off from Shoal: ${cause}`;
      }
    }
    return null;
  }

  /** The driver closes: the loops stop (what is left is not this process's to end any more). */
  cancelAll(): void {
    this.loops.cancelAll();
  }
}
