// Heartbeats of workers that run nothing. A worker's last heartbeat is otherwise written only by its
// running attempts and when its host comes back, so an idle but perfectly reachable host's heartbeat
// age kept growing (read as stale), and this computer had none until its first task. Every interval
// each idle worker gets a sign of life: this computer at once (it is alive while Shoal is), a remote
// host through its driver's cheap check (HostDriver.alive: the SSH load sample over the host's
// connection, the Docker daemon's ping) — one check per host however many workers share it, none
// while the previous one is out, and one row write per worker. A host that does not answer gets no
// heartbeat (its age then says how long it has been silent); the caller hands it to its watch.
import type { HostDriver, HostUsage } from '../hosts/host-driver';

export interface IdleHeartbeatsDeps<W> {
  everyMs: number;
  /** The workers to check now (idle, their host up), each with its host's driver; null for this
   *  computer, which needs no asking. */
  idle(): Array<{ worker: W; driver: HostDriver | null }>;
  /** When an answer comes: whether the worker is still idle, up, and in the engine. */
  stillIdle(worker: W): boolean;
  /** Signs of life: `usage` is the host's load when its check sampled one. */
  alive(workers: W[], usage: HostUsage | null): void;
  /** The host did not answer (`cause` names it and why). */
  silent(workers: W[], cause: string): void;
}

export class IdleHeartbeats<W> {
  private timer: NodeJS.Timeout | null = null;
  /** Drivers whose check is out: a slow host is not asked again before it answered. */
  private readonly checking = new Set<HostDriver>();
  private closed = false;

  constructor(private readonly deps: IdleHeartbeatsDeps<W>) {}

  /** Beats once now (this computer's heartbeat is written before this returns), then every interval. */
  start(): void {
    if (this.timer || this.closed) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.deps.everyMs);
    this.timer.unref();
  }

  /** No more checks; answers still out are dropped. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private beat(): void {
    const here: W[] = [];
    const byDriver = new Map<HostDriver, W[]>();
    for (const { worker, driver } of this.deps.idle()) {
      if (!driver) here.push(worker);
      else if (driver.alive && !this.checking.has(driver)) {
        const same = byDriver.get(driver);
        if (same) same.push(worker);
        else byDriver.set(driver, [worker]);
      }
    }
    if (here.length > 0) this.deps.alive(here, null);
    for (const [driver, workers] of byDriver) this.check(driver, workers);
  }

  private check(driver: HostDriver, workers: W[]): void {
    this.checking.add(driver);
    void driver.alive!()
      .catch((e: unknown) => ({ kind: 'silent' as const, cause: `${driver.label}: ${(e as Error).message}` }))
      .then((check) => {
        this.checking.delete(driver);
        if (this.closed || check.kind === 'skipped') return;
        const still = workers.filter((w) => this.deps.stillIdle(w));
        if (still.length === 0) return;
        if (check.kind === 'alive') this.deps.alive(still, check.usage);
        else this.deps.silent(still, check.cause);
      });
  }
}
