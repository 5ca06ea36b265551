// A create the daemon got but had not finished when Shoal gave up on its answer and looked (a very
// slow daemon, one busy with other work): the lookup by labels finds nothing yet, and the container
// appears a moment later — created, never started, Shoal holding no id for it. So after a lookup
// that found nothing, the attempt's labels are looked up again in the background a few times, with
// growing pauses, and what appears is removed. Stops at the first container found, or when the
// driver closes (the sweep of unrecorded containers at the next start covers the rest).
import type Docker from 'dockerode';
import type { AttemptLabelled } from './docker-labels';
import { removeLostCreate } from './lost-create';

/** Pauses before each later lookup, in units of the driver's call deadline: the daemon was given one
 *  deadline already and did not answer, so it is looked at over about fifteen more. */
const LOOK_AGAIN_AFTER = [1, 2, 4, 8] as const;

/** How long the later lookups go on, for the attempt's log. */
export function lateLookupMs(callMs: number): number {
  return LOOK_AGAIN_AFTER.reduce((sum, n) => sum + n * callMs, 0);
}

export class LateCreates {
  /** Pauses under way: closing ends each at once (with false). */
  private readonly pauses = new Map<NodeJS.Timeout, (go: boolean) => void>();
  private readonly looking = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly docker: Docker, private readonly callMs: number) {}

  /** Looks for `a`'s container again later; resolves (for tests) once it was removed or the
   *  lookups are over. */
  watch(a: AttemptLabelled): Promise<string[]> {
    const done = this.lookAgain(a, 0);
    const settled = done.then(() => undefined);
    this.looking.add(settled);
    void settled.then(() => this.looking.delete(settled));
    return done;
  }

  private async lookAgain(a: AttemptLabelled, round: number): Promise<string[]> {
    for (let i = round; i < LOOK_AGAIN_AFTER.length; i++) {
      if (!(await this.pause(LOOK_AGAIN_AFTER[i]! * this.callMs))) return [];
      // A daemon that cannot be asked now may answer at the next look.
      const ids = await removeLostCreate(this.docker, a, this.callMs).catch(() => []);
      if (ids.length > 0) return ids;
    }
    return [];
  }

  /** False when the driver closed meanwhile. */
  private pause(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pauses.delete(t);
        resolve(!this.closed);
      }, ms);
      t.unref();
      this.pauses.set(t, resolve);
    });
  }

  /** Resolves once no lookup is under way. */
  async idle(): Promise<void> {
    while (this.looking.size > 0) await Promise.allSettled([...this.looking]);
  }

  close(): void {
    this.closed = true;
    for (const [t, resolve] of this.pauses) {
      clearTimeout(t);
      resolve(false);
    }
    this.pauses.clear();
  }
}
