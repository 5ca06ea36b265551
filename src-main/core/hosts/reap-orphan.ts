// After a crash, the work a ref names is ended through the first of several drivers that can reach
// it: the worker's own, a kept worker's (its sealed key: the ref alone carries none), then one built
// from the ref (the user's ssh-agent or ~/.ssh). A driver that cannot log in must not be the end of
// it while another one could: the work would be left running and the task run beside it.
import type { HostDriver } from './host-driver';
import { describeHostRef, type HostRef } from './host-ref';

/** Tries each driver in turn, asking for the next (which may unseal a key) only when needed.
 *  Rejects only when every one failed, with each cause (they name hosts, never keys). */
export async function reapThrough(candidates: ReadonlyArray<() => HostDriver | null>, ref: HostRef, stopped: () => boolean = () => false): Promise<'ended' | 'gone'> {
  const tried = new Set<HostDriver>();
  const causes: string[] = [];
  for (const next of candidates) {
    if (stopped()) break; // shutting down: the next driver's login may take its whole deadline
    const d = next();
    if (!d || d.kind !== ref.kind || tried.has(d) || (d.reaches && !d.reaches(ref))) continue;
    tried.add(d);
    try {
      return await d.reap(ref);
    } catch (e) {
      const cause = (e as Error).message;
      if (!causes.includes(cause)) causes.push(cause);
    }
  }
  throw new Error(causes.length > 0 ? causes.join('; ') : `no driver here can reach ${ref.kind} hosts`);
}

export interface ReapLoop {
  /** Settles true once the work is ended (or found gone), false when cancelled first. */
  readonly ended: Promise<boolean>;
  cancel(): void;
  /** Tries again now rather than at the end of the current pause (its host was seen back). */
  poke(): void;
}

export interface ReapLoopOptions {
  onFailure?: (error: Error, tries: number) => void;
  /** Asked before each try: false ends the loop as if cancelled (a person took the reap over, from
   *  this process or another one that wrote the store). */
  stillWanted?: () => boolean;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/** The reap loops one owner (the engine's recovery, a driver's cut-off attempts) keeps going, all
 *  cancelled when it shuts down. */
export class ReapLoops {
  private readonly loops = new Set<ReapLoop>();

  /** Starts a loop; its `ended` settles once it has left the set. */
  start(candidates: ReadonlyArray<() => HostDriver | null>, ref: HostRef, opts: ReapLoopOptions = {}): ReapLoop {
    const loop = reapUntilEnded(candidates, ref, opts);
    this.loops.add(loop);
    return { ...loop, ended: loop.ended.finally(() => this.loops.delete(loop)) };
  }

  cancelAll(): void {
    for (const loop of this.loops) loop.cancel();
  }

  /** Resolves once no loop is left (at once when none runs). */
  async idle(): Promise<void> {
    while (this.loops.size > 0) await Promise.allSettled([...this.loops].map((l) => l.ended));
  }

  /** Every loop tries again now (a host was seen back). */
  pokeAll(): void {
    for (const loop of this.loops) loop.poke();
  }
}

/** Keeps trying to end what a ref names until it is ended or the loop is cancelled. After a crash
 *  the host may be down or refuse Shoal for a while: the task must not be put back beside work that
 *  may still be running there (its lease runs out and the reaper reclaims it meanwhile, as for any
 *  host that went silent), and the orphan must still be ended once the host answers again.
 *  `onFailure` hears each failed try (its number from 1), to say so once rather than every time. */
export function reapUntilEnded(
  candidates: ReadonlyArray<() => HostDriver | null>, ref: HostRef,
  opts: ReapLoopOptions = {},
): ReapLoop {
  let cancelled = false;
  let wake: (() => void) | null = null;
  const ended = (async () => {
    let delay = opts.firstDelayMs ?? 1_000;
    for (let tries = 1; !cancelled; tries++) {
      if (opts.stillWanted && !opts.stillWanted()) break;
      try {
        await reapThrough(candidates, ref, () => cancelled);
        return true;
      } catch (e) {
        if (cancelled) break;
        opts.onFailure?.(e as Error, tries);
      }
      let pause: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        pause = setTimeout(resolve, delay);
        pause.unref();
      });
      clearTimeout(pause); // woken early (a poke, a cancel): the pause's timer goes with it
      wake = null;
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 30_000);
    }
    return false;
  })();
  return { ended, cancel: () => { cancelled = true; wake?.(); }, poke: () => wake?.() };
}

/** Ends what `ref` names now, through the driver of its host, for a probe that found the host
 *  answering: null once ended (or gone), else why the host is not usable yet — the work, who left it
 *  (`leftBy`), and the cause. `failed` hears the failed try's own error first (an owed reap records
 *  it as it records its loop's tries). */
export async function endNow(driver: HostDriver, ref: HostRef, leftBy: string, failed?: (error: Error) => void): Promise<string | null> {
  try {
    await driver.reap(ref);
    return null;
  } catch (e) {
    failed?.(e as Error);
    const cause = (e as Error).message.replace(`${driver.label}: `, '');
    return `${driver.label}: could not yet end ${describeHostRef(ref)}, ${leftBy}: ${cause}`;
  }
}
