// A worker's host as the engine holds it: a use of its pooled driver (or why there is none), and for
// a remote host the watch that probes it (hosts/host-watch.ts), with the worker's row following the
// host as it comes back or goes away. The engine decides what follows from that (tasks told why they
// wait, owed reaps retried, work placed) through `reached`.
import type { FleetWorkerSpec } from '../../../src-shared/protocol/fleet';
import type { EventBus } from '../bus';
import type { DriverPool, DriverUse } from '../hosts/driver-pool';
import type { HostDriver } from '../hosts/host-driver';
import { HostWatch, type HostReach, type ReprobeBackoff } from '../hosts/host-watch';
import { withWorker } from '../../../src-shared/protocol/worker-reason';
import type { Worker } from './engine-worker';
import type { WorkerRows } from './worker-rows';

/** How a kept worker logs in to its host (its sealed key, its pinned host key), beyond its spec. */
export type HostLogin = { dockerHost?: string | null; hostKey?: string | null; privateKey?: string | null };

export interface WorkerHostsDeps {
  drivers: DriverPool;
  rows: WorkerRows;
  bus: EventBus | null;
  reprobe?: ReprobeBackoff;
  /** Whether the engine has started: a watch made before then is first asked by its start(). */
  started(): boolean;
  /** Whether the engine still runs and its store is open: what a watch says after that is dropped. */
  live(): boolean;
  /** Before a remote host is called usable: null once nothing stands in the way, else why not. */
  beforeUp(driver: HostDriver): Promise<string | null>;
  /** A remote worker's host came back or went away, and its row says so now. */
  reached(worker: Worker, reach: HostReach): void;
}

export class WorkerHosts {
  constructor(private readonly deps: WorkerHostsDeps) {}

  /** The worker `spec` names in `pool`, with its host's driver (or why it has none) and, when that
   *  host is remote, its watch. `existing`, the worker it replaces under its key, lets go of its own. */
  join(spec: FleetWorkerSpec, pool: string | null, max: number, existing: Worker | undefined, login: HostLogin): Worker {
    let driverUse: DriverUse | null = null;
    let unusable: string | null = null;
    try {
      driverUse = this.deps.drivers.acquire(spec.host, { workerName: spec.name || spec.id, ...login });
    } catch (e) {
      // Said on the worker's row and, while its run's tasks wait on it, on each of them: named.
      unusable = withWorker(spec.name || spec.id, (e as Error).message);
    }
    const driver = driverUse?.driver ?? null;
    // Taken over: its running attempts hold their own uses of its driver until they end.
    if (existing) this.leave(existing);
    const worker: Worker = { id: spec.id, name: spec.name, capabilities: new Set(spec.capabilities), pool, max, running: existing?.running ?? new Map(), spec, driver, driverUse, unusable, watch: null };
    if (driver && driver.kind !== 'local') {
      // Work attempts left on that host, cut off from Shoal (this one or an earlier one), is ended
      // before the worker takes anything there again.
      const hostDriver = driver;
      worker.watch = new HostWatch(driver, spec.name || spec.id, (reach) => this.reachChanged(worker, reach), this.deps.reprobe, () => this.deps.beforeUp(hostDriver));
      // A started engine asks at once; otherwise start() does (a read-only host never probes).
      if (this.deps.started()) worker.watch.check();
    }
    return worker;
  }

  /** A worker leaving the engine (or replaced) stops watching its host and lets go of its driver
   *  (closed once no attempt or other worker uses it). */
  leave(w: Worker): void {
    w.watch?.close();
    w.driverUse?.release();
  }

  /** A remote worker's host came back or went away. */
  private reachChanged(worker: Worker, reach: HostReach): void {
    if (!this.deps.live()) return;
    worker.status = undefined; // the store says now; leasing re-marks busy
    if (reach.state === 'up') {
      this.deps.rows.heartbeat(worker.id, worker.running.size > 0 ? 'busy' : 'online', null);
      this.deps.rows.setReason(worker.id, null);
    } else this.deps.rows.mark(worker.id, reach.state === 'down' ? 'unhealthy' : 'unknown', reach.state === 'down' ? reach.reason : null);
    if (reach.state === 'down') console.error(`[shoal] ${reach.reason}; probing it again with backoff`);
    this.deps.bus?.invalidate('workers');
    this.deps.reached(worker, reach);
  }
}
