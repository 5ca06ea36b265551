// The fleet engine: places leased tasks on workers and keeps the fleet honest. It is event-driven
// (a lease is attempted whenever a slot frees or work arrives) with timers only for retry backoff
// and for the reaper that revokes expired leases. All state lives in the store: the engine can be
// killed at any moment and the next `start()` puts everything back (left-work.ts).
import os from 'node:os';
import type { FleetWorkerSpec } from '../../../src-shared/protocol/fleet';
import { ACTIVE_RUN_STATUSES } from '../../../src-shared/protocol/event-states';
import type { EventBus } from '../bus';
import type { Store } from '../store/open';
import { FleetStore, type AttemptOutcome, type NewRun, type OwedReap, type AttemptKey } from './fleet-store';
import { taskKey } from './ids';
import type { Lease } from './lease';
import { detectCapabilities } from './capabilities';
import { MIN_LEASE_SECONDS } from './spec/remote-work-fields';
import { startAttempt, type AttemptDeps, type AttemptHandle, type StopReason } from './run-attempt';
import { DriverPool } from '../hosts/driver-pool';
import type { HostRef } from '../hosts/host-ref';
import type { OnHostKeyPinned } from '../hosts/ssh/host-keys';
import type { RetryOutcome } from './owed-reaps';
import type { KeptForEngine } from '../hosts/worker-registry';
import type { HostReach, ReprobeBackoff } from '../hosts/host-watch';
import type { IdleHeartbeats } from './idle-heartbeats';
import type { LoadedSpec } from './spec/load-spec';
import { WorkerRows } from './worker-rows';
import { takesWork, workerKey, type Worker } from './engine-worker';
import { WorkerHosts } from './worker-hosts';
import { LeftWork } from './left-work';
import { WorkerRoster } from './worker-roster';
import { ServiceStatus } from './service-status';
import { REMOVED_FROM_KEPT as REMOVED } from './worker-reasons';
import { storeIdentity } from '../store/store-identity';

export interface EngineOptions {
  store: Store;
  bus: EventBus | null;
  dataDir: string;
  /** Concurrent tasks on the default local worker (default: number of cores). */
  maxWorkers?: number;
  leaseMs?: number;
  heartbeatMs?: number;
  killGraceMs?: number;
  env?: NodeJS.ProcessEnv;
  worktreeCleanup?: 'always' | 'on_success' | 'never';
  /** Extra capabilities for the default local worker. */
  capabilities?: string[];
  /** Runs one leased attempt; the default runs the task's agent on this computer. A benchmark
   *  plugs in a no-op executor to measure the scheduler alone. */
  executor?: (lease: Lease, deps: AttemptDeps) => AttemptHandle;
  /** The tool gateway every agent's tool calls go through (exec policy and approvals). */
  gateway?: AttemptDeps['gateway'];
  /** Where workers' drivers come from (SSH and Docker kinds are registered on it); default: local only. */
  drivers?: DriverPool;
  /** Pin SSH host keys seen for the first time instead of refusing them (shoal run --accept-new-host-keys). */
  acceptNewHostKeys?: boolean;
  /** Told of each key so accepted and pinned (the audit log keeps it). */
  onHostKeyPinned?: OnHostKeyPinned;
  /** Pauses between probes of a worker whose host cannot be reached (default 1 s doubling to 30 s). */
  reprobe?: ReprobeBackoff;
  /** How often each idle worker gets its sign-of-life heartbeat (this computer's, or its host's
   *  cheap check: idle-heartbeats.ts); default 10 s. */
  idleHeartbeatMs?: number;
  /** Rewrites a run just before it is stored (alerts seal their channels' secrets). */
  prepareRun?: (run: NewRun) => NewRun;
  /** After a crash: the kept worker that reaches what a ref names (its key is sealed in the
   *  registry, so a driver built from the ref alone could not log in to end that work). */
  keptWorkerFor?: (ref: HostRef, workerId: string) => KeptForEngine | null;
}

/** Run statuses under which a run's own workers stay in the engine. */
const ACTIVE_RUN: ReadonlySet<string> = new Set(ACTIVE_RUN_STATUSES);

export const LOCAL_WORKER_ID = 'local';

/** Stops a task's attempt on a remote agent; false when it runs on none this listener knows. */
export type RemoteCancel = (runId: string, taskId: string, by: string) => boolean;

export class FleetEngine {
  readonly fleet: FleetStore;
  readonly drivers: DriverPool;
  readonly spawnLatencies: number[] = [];
  private readonly remoteCancels = new Set<RemoteCancel>();
  private readonly workspaces = new Map<string, string | null>();
  private readonly opts: Required<Omit<EngineOptions, 'bus' | 'capabilities' | 'maxWorkers' | 'executor' | 'gateway' | 'drivers' | 'acceptNewHostKeys' | 'onHostKeyPinned' | 'prepareRun' | 'reprobe' | 'keptWorkerFor' | 'idleHeartbeatMs'>> & { maxWorkers: number };
  private tickScheduled = false;
  private readonly pendingFinishes: Array<{ lease: Lease; outcome: AttemptOutcome; resolve: () => void; reject: (e: unknown) => void }> = [];
  private readyTimer: NodeJS.Timeout | null = null;
  private reaper: NodeJS.Timeout | null = null;
  private readonly idleBeats: IdleHeartbeats<Worker>;
  private stopped = false;
  /** Work is placed only by a started engine; a read-only host (the CLI's `runs`) never runs agents. */
  private started = false;
  private readonly waiters = new Set<() => void>();
  private readonly rows: WorkerRows;
  private readonly hosts: WorkerHosts;
  private readonly roster: WorkerRoster;
  /** Drained, retired and resumed workers (service-status.ts). */
  private readonly service: ServiceStatus;
  /** Work attempts left behind (a crash's orphans, owed reaps, reclaimed partial work). */
  private readonly left: LeftWork;
  private readonly pendingTaskStmt;
  /** A run's own workers, workspace and status: read when it is adopted, and by a reap of what one of
   *  its workers left after the run ended. */
  private readonly runWorkersStmt;

  constructor(private readonly options: EngineOptions) {
    this.fleet = new FleetStore(options.store, options.bus);
    this.drivers = options.drivers ?? new DriverPool(options.dataDir, { acceptNewHostKeys: options.acceptNewHostKeys, ...(options.onHostKeyPinned ? { onHostKeyPinned: options.onHostKeyPinned } : {}) });
    this.opts = {
      store: options.store, dataDir: options.dataDir, maxWorkers: options.maxWorkers ?? Math.max(1, os.cpus().length),
      leaseMs: options.leaseMs ?? 30_000, heartbeatMs: options.heartbeatMs ?? 2_000, killGraceMs: options.killGraceMs ?? 5_000,
      env: options.env ?? process.env, worktreeCleanup: options.worktreeCleanup ?? 'on_success',
    };
    const db = options.store.db;
    this.left = new LeftWork({
      store: options.store, fleet: this.fleet, bus: options.bus, killGraceMs: this.opts.killGraceMs,
      sources: {
        drivers: this.drivers,
        engineWorker: (runId, workerId) => this.workers.get(workerKey(runId, workerId))?.driver,
        storedWorkerSpec: (runId, workerId) => {
          const row = this.runWorkersStmt.get(runId);
          return row ? ((JSON.parse(row.worker_specs) as FleetWorkerSpec[]).find((w) => w.id === workerId) ?? null) : null;
        },
        keptWorkerFor: options.keptWorkerFor,
      },
      runsHere: (runId, taskId, attempt) => this.roster.runsHere(runId, taskId, attempt), storeId: () => this.storeId,
      stopped: () => this.stopped, kick: () => this.kick(),
    });
    this.rows = new WorkerRows(db);
    this.hosts = new WorkerHosts({
      drivers: this.drivers, rows: this.rows, bus: options.bus, reprobe: options.reprobe,
      started: () => this.started, live: () => !this.stopped && this.options.store.db.open,
      beforeUp: (driver) => this.left.clearHost(driver), reached: (w, reach) => this.reachChanged(w, reach),
    });
    this.roster = new WorkerRoster({
      hosts: this.hosts, rows: this.rows, bus: options.bus, maxWorkers: this.opts.maxWorkers,
      stopped: () => this.stopped, storeOpen: () => this.options.store.db.open,
    });
    // Asked on every waiter wake-up (each group commit): prepared once, and EXISTS-shaped.
    this.pendingTaskStmt = db.prepare<[string], { one: number }>(
      `SELECT 1 AS one FROM tasks t WHERE t.run_id = ? AND t.state NOT IN ('passed','failed','timeout','cancelled','skipped','review') AND t.unplaceable IS NULL LIMIT 1`);
    this.runWorkersStmt = db.prepare<[string], { workspace: string | null; worker_specs: string; status: string }>('SELECT workspace, worker_specs, status FROM runs WHERE id = ?');
    // A run's own workers (and their hosts' connections) last as long as the run: they leave when it
    // ends and come back when it is reopened (a task retried).
    this.fleet.onRunStatus((c) => {
      if (c.finished) {
        this.workspaces.delete(c.runId);
        this.roster.leavePool(c.runId);
      } else if (ACTIVE_RUN.has(c.status) && !ACTIVE_RUN.has(c.previous)) this.adoptRun(c.runId);
    });
    this.idleBeats = this.roster.idleHeartbeats(options.idleHeartbeatMs ?? 10_000);
    this.service = new ServiceStatus({ rows: this.rows, bus: options.bus, workers: () => this.workers });
    this.roster.add({ id: LOCAL_WORKER_ID, name: `${os.hostname()} (this computer)`, host: { kind: 'local' }, labels: {}, capabilities: detectCapabilities(options.capabilities), max_concurrent_tasks: this.opts.maxWorkers }, null);
  }

  /** The workers in the engine now (worker-roster.ts), by workerKey(pool, id). */
  private get workers(): ReadonlyMap<string, Worker> {
    return this.roster.all;
  }

  get defaultCapabilities(): string[] {
    return [...(this.workers.get(LOCAL_WORKER_ID)?.capabilities ?? [])];
  }

  /** Adds a shared worker (a kept one from the registry): it takes tasks of runs without their own
   *  worker_specs, like the local default worker. */
  addSharedWorker(spec: FleetWorkerSpec, ctx: { dockerHost?: string | null; hostKey?: string | null; privateKey?: string | null } = {}): void {
    if (this.stopped) return; // shutting down: its drivers are being closed
    this.roster.add(spec, null, ctx);
    this.kick();
  }

  /** A kept worker the person removed: from now on it takes no new task; the attempts it runs
   *  finish (cut off, they would only run again elsewhere), then it leaves the engine and its row
   *  goes offline, kept for the history that names it. Not `retired`: that status outlives the
   *  engine, and would bar a worker added again under the name (or a run's own worker of that id). */
  removeSharedWorker(id: string): void {
    this.roster.removeShared(id);
  }

  /** From now on this engine places only the tasks of the run it launches next (`shoal run SPEC`),
   *  and nothing until then: the store's other open runs wait for `shoal resume` or the app. Taking
   *  them too would stop them again when this run ends, each stopped attempt costing its task an
   *  attempt. Recovery is still for every run. */
  placeOnlyItsOwnRun(): void {
    this.scope = { runId: null };
  }

  /** null: every run's tasks; else only `runId`'s (none while it is not launched yet). */
  private scope: { runId: string | null } | null = null;

  /** Recovers from a crash, then starts placing work. */
  start(): { recovered: number } {
    this.started = true;
    // Made now, outside any transaction an attempt's start may later be called from.
    void this.storeId;
    // The runs' own workers first: recovery asks their drivers to end what they left running.
    for (const runId of this.fleet.activeRunIds()) this.adoptRun(runId);
    const recovered = this.left.recover();
    // What earlier runs of Shoal could not end (their hosts did not answer): tried again in the
    // background, with backoff, while this one schedules.
    this.left.owed.sweep();
    // "Waiting for a worker that can be reached" was an earlier Shoal's view of its hosts. This one
    // has not probed them yet: until its probe says a host is down, its tasks count as placeable, so
    // `shoal resume` waits for that answer instead of taking the stale note for "nothing to run".
    for (const pool of new Set([...this.workers.values()].map((w) => w.pool))) this.noteWaiting(pool);
    for (const w of this.workers.values()) w.watch?.check();
    // This computer's heartbeat from now on (remote hosts' once their probe said yes).
    this.idleBeats.start();
    // Often enough for the shortest lease a task's spec may ask for, not only the host's default.
    this.reaper = setInterval(() => this.reap(), Math.max(250, Math.floor(Math.min(this.opts.leaseMs, MIN_LEASE_SECONDS * 1000) / 3)));
    this.reaper.unref();
    this.kick();
    return { recovered };
  }

  /** Creates the run from a validated spec and starts placing its tasks. */
  launch(spec: LoadedSpec): string {
    return this.launchRun(spec.run);
  }

  /** Creates an already-validated run (a spec's, or one built in code) and starts placing it. */
  launchRun(run: NewRun): string {
    this.fleet.createRun(this.options.prepareRun ? this.options.prepareRun(run) : run);
    if (this.scope && this.scope.runId === null) this.scope.runId = run.id;
    this.options.bus?.invalidate('runs', 'tasks', 'workers');
    this.adoptRun(run.id);
    // Its tasks may wait on a host that is down (or a kept worker may take what the spec check thought nobody could).
    const pool = run.workerSpecs.length > 0 ? run.id : null;
    if (run.tasks.some((t) => t.unplaceable !== null) || [...this.workers.values()].some((w) => w.pool === pool && (w.unusable !== null || (w.watch && !w.watch.up)))) this.noteWaiting(pool);
    this.kick();
    return run.id;
  }

  /** Attempts that run on a remote agent have no handle here; whoever holds the agent's connection
   *  stops them (true: it knew the attempt). */
  onRemoteCancel(stop: RemoteCancel): () => void {
    this.remoteCancels.add(stop);
    return () => this.remoteCancels.delete(stop);
  }

  private stopElsewhere(runId: string, taskId: string, by: string): boolean {
    for (const stop of this.remoteCancels) if (stop(runId, taskId, by)) return true;
    return false;
  }

  cancelRun(runId: string, by = 'user'): boolean {
    const running = this.fleet.cancelRun(runId, by);
    for (const l of running) {
      const h = this.roster.findHandle(l.runId, l.taskId);
      if (h) h.stop({ kind: 'cancel', by });
      else this.stopElsewhere(l.runId, l.taskId, by);
    }
    this.options.bus?.invalidate('runs', 'tasks');
    this.notifyWaiters();
    return running.length > 0 || this.fleet.runStatus(runId) === 'cancelled';
  }

  /** Cancels a task: its running attempt is stopped (its end records the cancel), or a task that
   *  waits ends cancelled at once. False when it has ended already. */
  cancelTask(runId: string, taskId: string, by = 'user'): boolean {
    const h = this.roster.findHandle(runId, taskId);
    if (h) {
      h.stop({ kind: 'cancel', by });
      return true;
    }
    if (this.stopElsewhere(runId, taskId, by)) return true;
    if (!this.fleet.cancelWaitingTask(runId, taskId, by)) return false;
    this.options.bus?.invalidate('runs', 'tasks');
    this.notifyWaiters();
    return true;
  }

  pauseRun(runId: string): boolean {
    const ok = this.fleet.pauseRun(runId);
    this.options.bus?.invalidate('runs');
    return ok;
  }

  resumeRun(runId: string): boolean {
    const ok = this.fleet.resumeRun(runId);
    this.options.bus?.invalidate('runs');
    this.kick();
    return ok;
  }

  retryTask(runId: string, taskId: string): boolean {
    const ok = this.fleet.retryTask(runId, taskId);
    this.options.bus?.invalidate('runs', 'tasks');
    this.kick();
    return ok;
  }

  decideReview(runId: string, taskId: string, pass: boolean, notes?: string, by = 'user'): boolean {
    const ok = this.fleet.decideReview(runId, taskId, pass, notes, by);
    this.options.bus?.invalidate('runs', 'tasks', 'receipts');
    this.notifyWaiters();
    return ok;
  }

  /** A draining worker takes no new leases; the tasks it runs finish. */
  drainWorker(workerId: string): boolean {
    return this.service.drain(workerId);
  }

  /** Back in service after a drain or a retirement. */
  resumeWorker(workerId: string): boolean {
    const ok = this.service.resume(workerId);
    this.kick();
    return ok;
  }

  /** Out of service for good (until resumed); only an idle worker can retire. */
  retireWorker(workerId: string): boolean | 'busy' {
    return this.service.retire(workerId);
  }

  /** Resolves when the run reaches completed/failed/cancelled, or only tasks no worker can take
   *  (or tasks waiting for a person) remain and nothing runs. */
  async waitForRun(runId: string, opts: { untilIdle?: boolean } = {}): Promise<string> {
    for (;;) {
      const status = this.fleet.runStatus(runId);
      if (status === null) throw new Error(`no run ${runId}`);
      if (status === 'completed' || status === 'failed' || status === 'cancelled') return status;
      if (opts.untilIdle && this.isIdle(runId)) return status;
      // A stopped engine places nothing more: what is left waits for the next start (shoal resume).
      if (this.stopped && this.runningCount() === 0) return status;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(done, 500);
        this.waiters.add(done);
      });
    }
  }

  /** Nothing of this run is running and nothing can become runnable without a person. */
  isIdle(runId: string): boolean {
    if ([...this.workers.values()].some((w) => [...w.running.values()].some((h) => h.lease.runId === runId))) return false;
    return this.pendingTaskStmt.get(runId) === undefined;
  }

  /** Stops every running agent (they are recorded as interrupted and put back) and the timers. */
  async shutdown(signal = 'SIGTERM'): Promise<void> {
    this.stopped = true;
    if (this.reaper) clearInterval(this.reaper);
    this.idleBeats.close();
    if (this.readyTimer) clearTimeout(this.readyTimer);
    const all = [...this.workers.values()].flatMap((w) => [...w.running.values()]);
    for (const h of all) h.stop({ kind: 'interrupt', signal });
    await Promise.all(all.map((h) => h.done));
    await this.left.close(); // what is not ended yet stays owed, for the next start
    for (const w of this.workers.values()) w.watch?.close();
    for (const w of this.workers.values()) {
      // Offline because this Shoal stopped: a cause from before (a host that was down) is stale now,
      // except that a removed worker stays removed. Not a sign of life: its last heartbeat stays.
      this.rows.mark(w.id, 'offline', w.leaving === 'removed' ? REMOVED : null);
    }
    await this.drivers.close();
    this.notifyWaiters();
  }

  /** Someone outside the engine changed the queue (a remote agent finished an attempt through the
   *  agent listener): place work again and wake whoever waits for a run. */
  nudge(): void {
    this.kick();
    this.notifyWaiters();
  }

  runningCount(): number {
    return this.roster.runningCount();
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  /** Registers a run's own workers (its worker_specs, of every host kind) and remembers its workspace. */
  private adoptRun(runId: string): void {
    const row = this.runWorkersStmt.get(runId);
    // A run that is already over (one with no tasks) needs no workers.
    if (!row || !ACTIVE_RUN.has(row.status)) return;
    this.workspaces.set(runId, row.workspace);
    for (const spec of JSON.parse(row.worker_specs) as FleetWorkerSpec[]) {
      // One still finishing the run's last attempts is taken back into service.
      const w = this.workers.get(workerKey(runId, spec.id));
      if (!w || w.leaving) this.roster.add(spec, runId);
    }
  }

  private kick(): void {
    if (this.tickScheduled || this.stopped || !this.started) return;
    this.tickScheduled = true;
    setImmediate(() => {
      this.tickScheduled = false;
      this.tick();
    });
  }

  private tick(): void {
    if (this.stopped || !this.options.store.db.open) return;
    if (this.hasFreeSlot()) {
      this.startAll(this.fleet.tx(() => this.leaseFreeSlots(new Map())));
      // Only idle capacity cares when the next backed-off task becomes ready.
      if (this.hasFreeSlot()) this.armReadyTimer();
    }
    this.notifyWaiters();
  }

  private hasFreeSlot(): boolean {
    for (const w of this.workers.values()) if (takesWork(w) && w.running.size < w.max) return true;
    return false;
  }

  /** Leases work for every free slot of the usable workers; `freeing` counts slots whose attempts
   *  are being recorded as finished in the same transaction. Call inside a transaction: every slot
   *  is filled by one commit, not one per task. The caller starts the leases once it has committed. */
  private leaseFreeSlots(freeing: ReadonlyMap<string, number>): Array<{ worker: Worker; lease: Lease }> {
    const now = Date.now();
    const resting = this.rows.outOfService();
    const granted: Array<{ worker: Worker; lease: Lease }> = [];
    const onlyRun = this.scope ? this.scope.runId : null;
    if (this.scope && onlyRun === null) return granted;
    for (const [key, w] of this.workers) {
      if (!takesWork(w) || resting.has(w.id)) continue;
      // Another run's own workers take only that run's tasks: nothing for an engine of one run.
      if (onlyRun !== null && w.pool !== null && w.pool !== onlyRun) continue;
      const free = w.max - w.running.size + (freeing.get(key) ?? 0);
      if (free <= 0) continue;
      for (const lease of this.fleet.leaseMany(w, now, this.opts.leaseMs, free, onlyRun)) granted.push({ worker: w, lease });
    }
    return granted;
  }

  private startAll(granted: ReadonlyArray<{ worker: Worker; lease: Lease }>): void {
    for (const { worker, lease } of granted) {
      this.setWorkerStatus(worker, 'busy');
      this.run(worker, lease);
    }
  }

  private run(worker: Worker, lease: Lease): void {
    const execute = this.options.executor ?? startAttempt;
    // The attempt holds its driver open until it has ended, even if its worker leaves meanwhile.
    const use = worker.driver ? this.drivers.share(worker.driver) : null;
    const handle = execute(lease, {
      fleet: this.fleet, dataDir: this.opts.dataDir, workspace: this.workspaces.get(lease.runId) ?? null, workerName: worker.name || worker.id,
      // Every attempt's outcome goes through the group commit (the path `npm run bench` measures).
      complete: (l, outcome) => this.completeAttempt(l, outcome), driver: worker.driver ?? this.drivers.local,
      leaseMs: this.opts.leaseMs, heartbeatMs: this.opts.heartbeatMs, killGraceMs: this.opts.killGraceMs, env: this.opts.env,
      worktreeCleanup: this.opts.worktreeCleanup, gateway: this.options.gateway, storeId: this.storeId,
      onSpawned: (_l, ms) => {
        if (this.spawnLatencies.length < 100_000) this.spawnLatencies.push(ms);
      },
      onHostDown: (_l, reason) => worker.watch?.down(reason),
      // Its host could not confirm the work ended: its reap is owed (and tried from here on).
      onWorkLeft: () => {
        if (!this.stopped && this.options.store.db.open) this.left.owed.sweep();
      },
      onHeartbeat: (_l, usage) => {
        this.rows.heartbeat(worker.id, 'busy', usage);
        this.options.bus?.invalidate('workers');
      },
    });
    const key = taskKey(lease.runId, lease.taskId);
    worker.running.set(key, handle);
    this.options.bus?.invalidate('runs', 'tasks', 'workers');
    void handle.done.finally(() => {
      // A retried task may already run again under the same key (its slot was refilled in the commit
      // that recorded this attempt): only this attempt's own entry leaves.
      if (worker.running.get(key) === handle) worker.running.delete(key);
      use?.release();
      // The worker now under that key (it may have been replaced by a re-add that took over its attempts).
      const current = this.workers.get(workerKey(worker.pool, worker.id));
      if (current?.running === worker.running) this.roster.forgetIfLeft(current);
      // Back to online only if still idle a moment later: a worker between two tasks stays busy.
      if (worker.running.size === 0 && !this.stopped) {
        setTimeout(() => {
          if (worker.running.size === 0 && !this.stopped && this.options.store.db.open && takesWork(worker)) this.setWorkerStatus(worker, 'online');
        }, 250).unref();
      }
      // Its task came back to wait for a host that is down: say so on the task.
      if (worker.watch && !worker.watch.up && !this.stopped) this.noteWaiting(worker.pool);
      this.options.bus?.invalidate('runs', 'tasks', 'receipts', 'workers');
      this.kick();
    });
  }

  /** Writes a worker's status only when it changes: a busy worker is not re-marked per task. */
  private setWorkerStatus(worker: Worker, status: 'online' | 'busy'): void {
    if (worker.status === status) return;
    worker.status = status;
    this.rows.heartbeat(worker.id, status, null);
    this.options.bus?.invalidate('workers'); // the Workers view shows the change without a refresh
  }

  /** Group commit for executors that finish many attempts quickly (and, later, remote workers
   *  reporting over the network): completions arriving in the same turn of the event loop are
   *  recorded in one transaction. The promise settles after the commit — nothing is acknowledged
   *  before it is durable — and rejects with LeaseLostError for a lease that was lost. */
  completeAttempt(lease: Lease, outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingFinishes.push({ lease, outcome, resolve, reject });
      if (this.pendingFinishes.length === 1) setImmediate(() => this.flushFinishes());
    });
  }

  private flushFinishes(): void {
    const items = this.pendingFinishes.splice(0);
    // The slots these attempts free are refilled in the same commit that records them.
    const freeing = new Map<string, number>();
    for (const { lease } of items) {
      const key = workerKey(lease.pool, lease.workerId);
      if (this.workers.get(key)?.running.has(taskKey(lease.runId, lease.taskId))) freeing.set(key, (freeing.get(key) ?? 0) + 1);
    }
    const refill = !this.stopped && this.started && this.options.store.db.open;
    let outcome: { errors: Array<Error | null>; granted: Array<{ worker: Worker; lease: Lease }> };
    try {
      outcome = this.fleet.tx(() => ({ errors: this.fleet.finishMany(items), granted: refill ? this.leaseFreeSlots(freeing) : [] }));
    } catch (error) {
      for (const it of items) it.reject(error);
      return;
    }
    items.forEach((it, i) => (outcome.errors[i] ? it.reject(outcome.errors[i]!) : it.resolve()));
    this.startAll(outcome.granted);
    this.notifyWaiters();
  }

  /** Wakes the scheduler when the earliest retry backoff ends. */
  private armReadyTimer(): void {
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.readyTimer = null;
    const next = this.fleet.nextReadyAt();
    if (next === null) return;
    const delay = Math.max(0, next - Date.now());
    if (delay === 0) return; // ready now but no free slot: a finishing attempt will kick
    this.readyTimer = setTimeout(() => this.kick(), Math.min(delay + 5, 2 ** 31 - 1));
    this.readyTimer.unref();
  }

  /** Revokes leases whose worker stopped renewing them (another process died, a worker hung). */
  private reap(): void {
    const revoked = this.fleet.reapExpired(Date.now(), (id) => this.rows.lastHeartbeat(id));
    if (revoked.length === 0) return;
    for (const r of revoked) {
      // Our own attempt whose lease expired (the event loop was starved): stop its agent too.
      const own = this.roster.findHandle(r.runId, r.taskId);
      own?.stop({ kind: 'interrupt', signal: 'lease-expired' });
      // Another worker's attempt (a remote agent gone silent): what it had sent is kept and shown.
      if (!own) this.left.keepReclaimed(r);
      // An attempt on one of our remote hosts, cut off from it (a dropped connection, a silent
      // daemon), whose lease was left to lapse on purpose: the worker's state is its host's (down
      // with that cause, or back), which a "stopped renewing" here would only hide.
      if (this.workers.get(workerKey(this.roster.poolOfRun(r.runId), r.workerId))?.watch) continue;
      if (!this.workers.has(r.workerId) || r.workerId !== LOCAL_WORKER_ID) {
        this.rows.mark(r.workerId, 'unhealthy', `stopped renewing its lease on task ${r.taskId} (run ${r.runId}); the task was reclaimed`);
      }
    }
    for (const pool of new Set(revoked.map((r) => this.roster.poolOfRun(r.runId)))) this.noteWaiting(pool);
    // A reclaimed attempt whose work was not seen to end (its host cut off, another Shoal gone) is
    // owed a reap: the task is not held for it, but the work is still ended once the host answers.
    this.left.owed.sweep();
    this.options.bus?.invalidate('runs', 'tasks', 'workers');
    this.kick();
  }

  /** A person asked to try ending an owed reap now: a started engine wakes (or starts) its loop; one
   *  that runs no work (the CLI's) tries once here and says how it went. */
  async retryOwedReap(owed: OwedReap): Promise<RetryOutcome> {
    return this.left.owed.retry(owed, { loops: this.started && !this.stopped });
  }

  /** A person took an owed reap over (its marker is cleared): its loop stops. */
  stopOwedReap(a: AttemptKey): void {
    this.left.owed.stop(a);
  }

  /** Whether a loop here is trying to end the work of `a` (the Workers view's tests, diagnostics). */
  owedReapLooping(a: AttemptKey): boolean {
    return this.left.owed.looping(a);
  }

  /** Another process wrote the store: loops whose marker it cleared stop now. */
  recheckOwedReaps(): void {
    this.left.owed.recheck();
  }

  private storeIdMade: string | null = null;
  /** This store's identity (store-identity.ts), marked on the work remote hosts start. Made by
   *  start(), or by a host sweep before it: an engine that is never started (a CLI that only reads)
   *  writes nothing. */
  private get storeId(): string {
    return (this.storeIdMade ??= storeIdentity(this.options.store));
  }

  /** A remote worker's host came back or went away, and its row says so (worker-hosts.ts). */
  private reachChanged(worker: Worker, reach: HostReach): void {
    this.noteWaiting(worker.pool);
    if (reach.state === 'up') {
      this.left.owed.retryNow(); // what a host left may be reachable now: no need to wait out a pause
      this.kick();
    }
  }

  /** Tells the waiting tasks of a pool why they cannot be placed while every worker able to take
   *  them is down (and clears it once one answers). Tasks no worker could ever take keep the note
   *  the spec check gave them. A worker whose host cannot be used at all (no driver: a Docker host
   *  URL it cannot read, say) counts as down for good, with its reason: otherwise its tasks would
   *  wait, unnoted, for a worker that never comes, and `shoal run` with them. */
  private noteWaiting(pool: string | null): void {
    if (!this.options.store.db.open) return;
    const members = [...this.workers.values()].filter((w) => w.pool === pool && (w.driver || w.unusable !== null));
    const downReason = (w: Worker): string | null => {
      if (w.unusable !== null) return w.unusable;
      const reach = w.watch?.state;
      return reach?.state === 'down' ? reach.reason : null;
    };
    const touched = this.fleet.noteWaiting(pool, (requires) => {
      const able = members.filter((w) => requires.every((r) => w.capabilities.has(r)));
      if (able.length === 0) return undefined;
      const down = able.map(downReason).filter((r): r is string => r !== null);
      return down.length === able.length ? `waiting for a worker that can be reached: ${down.join('; ')}` : null;
    });
    if (touched.length > 0) {
      this.options.bus?.invalidate('runs', 'tasks');
      this.notifyWaiters();
    }
  }

  private notifyWaiters(): void {
    for (const w of [...this.waiters]) w();
  }
}

export type { StopReason };
