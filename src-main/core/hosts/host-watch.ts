// Whether a worker's host can be reached right now. A remote worker takes leases only once a probe
// said yes; when a probe fails, an attempt there cannot start, or its connection drops, it is down
// (with the cause) and is probed again with growing pauses until it answers. Its tasks wait for it
// meanwhile instead of burning their retries against a host that is not there. A probe that finds
// the host answering calls it up only once `beforeUp` (the engine's: work left there by attempts cut
// off from Shoal, known from their stored host refs, is ended first, then this store's marked work
// that no stored ref names and no running attempt owns) says nothing stands in the way.
import { withoutWorker, withWorker } from '../../../src-shared/protocol/worker-reason';
import type { HostDriver } from './host-driver';


export type HostReach =
  | { state: 'probing' }
  | { state: 'up' }
  | { state: 'down'; reason: string };

export interface ReprobeBackoff {
  /** The first pause after the host went down. */
  minMs: number;
  /** Pauses double up to this. */
  maxMs: number;
}

const DEFAULT_REPROBE: ReprobeBackoff = { minMs: 1_000, maxMs: 30_000 };

export class HostWatch {
  private reach: HostReach = { state: 'probing' };
  private pauseMs: number;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  private closed = false;
  /** What took the host down (an attempt's failed step, or a probe), kept while it stays down. */
  private wentDown: string | null = null;

  constructor(
    private readonly driver: HostDriver,
    /** For the reason: "worker gpu-box: ssh root@10.0.0.5:22: connection refused". */
    private readonly workerName: string,
    private readonly onChange: (reach: HostReach) => void,
    private readonly backoff: ReprobeBackoff = DEFAULT_REPROBE,
    /** After a probe said yes: null to call the host up, else why it is not usable yet. */
    private readonly beforeUp: () => Promise<string | null> = () => Promise.resolve(null),
  ) {
    this.pauseMs = backoff.minMs;
  }

  get state(): HostReach {
    return this.reach;
  }

  get up(): boolean {
    return this.reach.state === 'up';
  }

  /** Probes now (unless a probe is under way). */
  check(): void {
    if (this.probing || this.closed) return;
    this.probing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.driver.probe().then(
      (p) => (p.ok ? this.beforeUp() : (p.error ?? `${this.driver.label}: not usable`)),
    ).catch((e: unknown) => (e as Error).message).then((failure) => {
      this.probing = false;
      if (this.closed) return;
      if (failure === null) this.set({ state: 'up' });
      else this.down(failure);
    });
  }

  /** The host failed (a probe, a start, a dropped connection): down now, probed again later. The
   *  reason is the latest failure and, when that differs, what took the host down: a probe that
   *  finds a hung daemon still silent must not hide which step of an attempt it stopped answering in. */
  down(cause: string): void {
    if (this.closed) return;
    const bare = withoutWorker(this.workerName, cause);
    if (this.reach.state !== 'down' || this.wentDown === null) this.wentDown = bare;
    const reason = withWorker(this.workerName, `${bare}${bare === this.wentDown ? '' : `; down since: ${this.wentDown}`}`);
    this.set({ state: 'down', reason });
    if (this.timer || this.probing) return;
    // The pause doubles while the host keeps failing; an answer resets it (see set()).
    const pause = this.pauseMs;
    this.pauseMs = Math.min(this.pauseMs * 2, this.backoff.maxMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.check();
    }, pause);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private set(next: HostReach): void {
    const prev = this.reach;
    this.reach = next;
    if (next.state === 'up') {
      this.pauseMs = this.backoff.minMs;
      this.wentDown = null;
    }
    if (prev.state !== next.state || (prev.state === 'down' && next.state === 'down' && prev.reason !== next.reason)) this.onChange(next);
  }
}
