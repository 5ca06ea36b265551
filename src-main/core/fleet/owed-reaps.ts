// The reaps Shoal owes: work a host started for an attempt (a process group over SSH, a container,
// a local process) that was never seen to end, and whose lease is gone — its Shoal crashed and the
// host did not answer before the task was reclaimed, or the connection dropped mid-run. The store
// keeps the obligation (attempts.reap_pending), so it outlives this process: every start of the
// engine retries each owed reap in the background, with backoff, until the host confirms the work
// ended or is gone, and only then clears the marker. Scheduling never waits for it: the task itself
// was reclaimed at its lease's end like any silent host's. A reap is idempotent (a process group or a
// container already gone is 'gone'), so one asked twice does no harm.
import type { HostDriver } from '../hosts/host-driver';
import { describeHostRef } from '../hosts/host-ref';
import { endNow, reapThrough, ReapLoops, type ReapLoop } from '../hosts/reap-orphan';
import type { AttemptKey, FleetStore, OwedReap } from './fleet-store';

export interface OwedReapsDeps {
  fleet: FleetStore;
  /** The drivers to try in turn for what an attempt left, each asked for only when the one before
   *  could not end it, and held (kept open) until `release`, called once its loop has ended. */
  candidates: (owed: OwedReap) => { drivers: ReadonlyArray<() => HostDriver | null>; release(): void };
  /** Whether the store may still be written (not during or after shutdown). */
  storeOpen: () => boolean;
  log: (message: string) => void;
  /** What the Workers view shows of owed reaps changed (a try failed, one was ended). */
  changed?: () => void;
}

/** What "retry now" did: woke the attempt's loop, started one, or (a host whose engine runs no
 *  loops, the CLI) tried once and ended it or failed with the cause. */
export type RetryOutcome = { kind: 'woken' } | { kind: 'started' } | { kind: 'ended' } | { kind: 'failed'; error: string };

export interface EnsureOptions {
  /** Runs once the work is ended instead of clearing the marker (recovery puts the task back,
   *  which clears it in the same transaction). */
  ended?: () => Promise<void> | void;
  /** Said on the first failed try instead of the default line. */
  firstFailure?: (error: Error) => string;
}

/** An attempt's loop here; `state.failed` once any try for it failed (its end is then logged). */
interface Running { stillWanted: () => boolean; done: Promise<void>; loop: ReapLoop; state: { failed: boolean } }

/** How long shutdown waits for reaps already under way. */
const CLOSE_GRACE_MS = 2_000;

function keyOf(o: AttemptKey): string {
  return `${o.runId}\u0000${o.taskId}\u0000${o.attempt}`;
}

export class OwedReaps {
  private readonly loops = new ReapLoops();
  /** One loop per attempt, however often it is asked for (recovery, a sweep, a revoked lease). */
  private readonly running = new Map<string, Running>();
  private closed = false;

  constructor(private readonly deps: OwedReapsDeps) {}

  /** Keeps trying to end what `owed` names until it is ended (or this closes). */
  ensure(owed: OwedReap, opts: EnsureOptions = {}): void {
    const key = keyOf(owed);
    if (this.closed || this.running.has(key) || owed.hostRef.kind === 'agent') return;
    const where = `${describeHostRef(owed.hostRef)} of ${owed.runId}/${owed.taskId} (attempt ${owed.attempt})`;
    // Only a marker seen set and then cleared stops the loop: an orphan of an attempt recorded
    // before markers existed (known by its pid alone) never had one, and is still ended.
    const marked = this.deps.fleet.reapPending(owed);
    const stillWanted = () => this.deps.storeOpen() && (!marked || this.deps.fleet.reapPending(owed));
    const state = { failed: false };
    const candidates = this.deps.candidates(owed);
    const loop = this.loops.start(candidates.drivers, owed.hostRef, {
      onFailure: (e, tries) => {
        this.tryFailed(owed, e.message);
        if (tries === 1) this.deps.log(opts.firstFailure?.(e) ?? `[shoal] could not end ${where}: ${e.message}; Shoal keeps trying, also after a restart (Workers → Still to stop on hosts, \`shoal workers owed\`: retry it now, or forget it)`);
      },
      // A person may have taken it over meanwhile (Forget, here or from `shoal workers forget`).
      stillWanted,
    });
    const done = loop.ended.then(async (ended) => {
      if (!ended || !this.deps.storeOpen()) return;
      if (opts.ended) await opts.ended();
      else this.deps.fleet.workEnded(owed);
      if (state.failed) {
        this.deps.log(`[shoal] ended ${where}`);
        this.deps.changed?.();
      }
    }).catch((e: unknown) => this.deps.log(`[shoal] after ending ${where}: ${(e as Error).message}`))
      .finally(() => {
        this.running.delete(key);
        candidates.release();
      });
    this.running.set(key, { stillWanted, done, loop, state });
  }

  /** Every failed try to end `owed` — its loop's, Retry now's where no loop runs, and the one made
   *  when its host is seen back (endOn) — is recorded here: its error and one more try on the row a
   *  person sees, and its loop then says when the work finally ended. */
  private tryFailed(owed: AttemptKey, error: string): void {
    const running = this.running.get(keyOf(owed));
    if (running) running.state.failed = true;
    if (!this.deps.storeOpen()) return;
    this.deps.fleet.reapFailed(owed, error);
    this.deps.changed?.();
  }

  /** A person asked to try `owed` now: its loop tries at once instead of at the end of its pause
   *  (one is started if none runs). A host that runs no loops (`shoal workers retry-reap` in a
   *  terminal, whatever else runs on the store) tries once, here, and says how it went. */
  async retry(owed: OwedReap, { loops }: { loops: boolean }): Promise<RetryOutcome> {
    const running = this.running.get(keyOf(owed));
    if (running) {
      running.loop.poke();
      return { kind: 'woken' };
    }
    if (loops && !this.closed) {
      this.ensure(owed);
      return { kind: 'started' };
    }
    const candidates = this.deps.candidates(owed);
    try {
      await reapThrough(candidates.drivers, owed.hostRef);
      if (this.deps.storeOpen()) this.deps.fleet.workEnded(owed);
      this.deps.changed?.();
      return { kind: 'ended' };
    } catch (e) {
      const error = (e as Error).message;
      this.tryFailed(owed, error);
      return { kind: 'failed', error };
    } finally {
      candidates.release();
    }
  }

  /** Whether a loop is trying to end `a`'s work here now. */
  looping(a: AttemptKey): boolean {
    return this.running.has(keyOf(a));
  }

  /** The person took `a` over (its marker is cleared): its loop, if any, stops now. */
  stop(a: AttemptKey): void {
    this.running.get(keyOf(a))?.loop.cancel();
  }

  /** Another process may have cleared markers (`shoal workers forget`, or its own reap that ended
   *  the work): the loops of those stop now rather than at their next try. */
  recheck(): void {
    if (this.running.size === 0 || !this.deps.storeOpen()) return;
    for (const { stillWanted, loop } of this.running.values()) {
      if (!stillWanted()) loop.cancel();
    }
  }

  /** Before a worker's host is called usable again: ends now, through that worker's driver, the owed
   *  work on that host (the stored refs its driver reaches), so a task the worker takes next never
   *  runs beside it. Its loop would get there too, but perhaps only after a pause (up to 30 s) while
   *  the worker's re-probe comes within one. Null once none is left there, else what could not be
   *  ended yet, and why. The markers are cleared by their loops, woken here to find the work gone. */
  async endOn(driver: HostDriver): Promise<string | null> {
    if (this.closed || !this.deps.storeOpen() || !driver.reaches) return null;
    const here = this.deps.fleet.owedReaps().filter((o) => driver.reaches!(o.hostRef));
    for (const o of here) {
      const notYet = await endNow(driver, o.hostRef, `left by ${o.runId}/${o.taskId} (attempt ${o.attempt})`, (e) => this.tryFailed(o, e.message));
      if (notYet) return notYet;
      this.ensure(o); // one only now owed (not swept yet) gets its loop, which clears its marker
    }
    if (here.length > 0) this.retryNow();
    return null;
  }

  /** Starts a loop for every owed reap the store holds that has none here yet; how many it holds. */
  sweep(): number {
    if (this.closed || !this.deps.storeOpen()) return 0;
    const owed = this.deps.fleet.owedReaps();
    for (const o of owed) this.ensure(o);
    return owed.length;
  }

  /** A host answered again: every loop tries now instead of at the end of its pause (a reap of
   *  another host's work fails again at once, and its pause goes on growing). */
  retryNow(): void {
    this.loops.pokeAll();
  }

  /** Stops retrying; settles once the tries in flight ended (one that succeeds still clears its
   *  marker) or after `graceMs`, whichever comes first: a try against a host that swallows packets
   *  can take a login timeout or two, and quitting must not wait for it. What is left stays owed,
   *  for the next start (a try ending after the store closed writes nothing). */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.closed = true;
    this.loops.cancelAll();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.all([...this.running.values()].map((r) => r.done)), grace]);
    clearTimeout(timer);
  }
}
