// Runs Shoal's background jobs on top of the JobManager: every transition is persisted at once, a
// failure is retried after the job manager's exponential backoff while attempts remain, and a restart re-queues whatever was queued or running (resume_pending) and
// re-arms pending retries. Jobs of different kinds run side by side; one kind never runs twice at
// once. A periodic check enqueues a maintenance job only when it has something to do, so an idle
// Shoal shows no noise in the Jobs view.
import type { EventBus } from '../bus';
import type { Store } from '../store/open';
import { JobManager, type JobRecord } from './job-manager';
import { JobStore } from './job-store';

export interface JobContext {
  signal: AbortSignal;
  /** Reports progress (0..100) with a line saying what is happening; cheap to call often. */
  progress(percent: number, detail: string): void;
}

export interface JobKind {
  /** Stored as the job's name. */
  name: string;
  label: string;
  description: string;
  /** Cheap check: is there work for this job right now? */
  due(): boolean;
  /** Does the work; resolves to a summary shown as the finished job's detail. Must be safe to re-run. */
  run(ctx: JobContext): Promise<string>;
}

export interface JobRunnerOptions {
  store: Store;
  bus: EventBus | null;
  kinds: JobKind[];
  log?: (message: string) => void;
  /** How often the maintenance check runs; 0 disables automatic scheduling. */
  checkIntervalMs?: number;
}

type StopIntent = 'pause' | 'cancel' | 'shutdown';
interface Active { controller: AbortController; intent: StopIntent | null; done: Promise<void> }

const PROGRESS_MIN_INTERVAL_MS = 250;

export class JobRunner {
  readonly manager = new JobManager();
  private readonly jobStore: JobStore;
  private readonly kinds = new Map<string, JobKind>();
  private readonly active = new Map<string, Active>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private checkTimer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.jobStore = new JobStore(options.store);
    for (const kind of options.kinds) this.kinds.set(kind.name, kind);
    try {
      this.manager.loadRows(this.jobStore.listJobs(500));
    } catch (error) {
      options.log?.(`[shoal] could not load the job store, starting with an empty job list: ${(error as Error).message}`);
    }
  }

  kindList(): JobKind[] {
    return [...this.kinds.values()];
  }

  /** Re-queues interrupted jobs, re-arms retries, runs what is queued and starts the periodic check. */
  start(): JobRecord[] {
    if (this.started) return [];
    this.started = true;
    const resumed = this.manager.resumePending();
    for (const job of resumed) this.persist(job.id);
    const nowMs = Date.now();
    for (const job of this.manager.list()) {
      if (job.status === 'failed' && job.retry.next_retry_at !== null) this.armRetry(job.id, Math.max(0, job.retry.next_retry_at * 1000 - nowMs));
    }
    this.pump();
    const every = this.options.checkIntervalMs ?? 60_000;
    if (every > 0) {
      this.checkDue();
      this.checkTimer = setInterval(() => this.checkDue(), every);
      this.checkTimer.unref();
    }
    return resumed;
  }

  list(): JobRecord[] {
    return this.manager.list();
  }

  get(id: string): JobRecord | null {
    return this.manager.get(id);
  }

  /** Starts a job of this kind now, or returns the one already queued, running, paused or waiting to retry. */
  runNow(name: string): JobRecord {
    const existing = this.pendingOf(name);
    if (existing) return existing;
    return this.enqueue(name);
  }

  enqueue(name: string): JobRecord {
    if (!this.kinds.has(name)) throw new Error(`unknown job kind "${name}"`);
    const job = this.manager.enqueue(name);
    this.persist(job.id);
    this.pump();
    return this.manager.get(job.id) ?? job;
  }

  cancel(id: string): boolean {
    const job = this.manager.get(id);
    if (!job || job.status === 'completed' || job.status === 'cancelled') return false;
    this.clearRetry(id);
    const active = this.active.get(id);
    if (active) {
      active.intent = 'cancel';
      active.controller.abort();
    }
    this.manager.cancel(id);
    this.persist(id);
    return true;
  }

  pause(id: string): boolean {
    const job = this.manager.get(id);
    if (!job || !(job.status === 'queued' || job.status === 'running' || (job.status === 'failed' && job.retry.next_retry_at !== null))) return false;
    this.clearRetry(id);
    const active = this.active.get(id);
    if (active) {
      // Recorded when the work has actually stopped (see execute), so "paused" never lies.
      active.intent = 'pause';
      active.controller.abort();
      return true;
    }
    this.manager.pause(id, job.status === 'failed' ? `${job.detail ?? 'failed'} (retry paused)` : null);
    this.persist(id);
    return true;
  }

  /** Resumes a paused job, or a failed one (as a manual retry): it runs again from the start. */
  resume(id: string): boolean {
    const job = this.manager.get(id);
    if (!job || !(job.status === 'paused' || job.status === 'failed') || this.active.has(id) || this.runningOf(job.name)) return false;
    this.clearRetry(id);
    this.manager.resume(id, null);
    this.persist(id);
    this.execute(id);
    return true;
  }

  /** Stops running work (it is re-queued on the next start) and the timers. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.checkTimer) clearInterval(this.checkTimer);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    const running = [...this.active.values()];
    for (const a of running) {
      a.intent = 'shutdown';
      a.controller.abort();
    }
    await Promise.all(running.map((a) => a.done));
  }

  /** Forgets finished jobs last updated before `cutoffSec` (retention). Returns how many. */
  pruneFinished(cutoffSec: number): number {
    let n = 0;
    for (const job of this.manager.list()) {
      const finished = job.status === 'completed' || job.status === 'cancelled' || (job.status === 'failed' && job.retry.next_retry_at === null);
      if (finished && job.updated_at < cutoffSec && !this.active.has(job.id)) {
        this.manager.remove(job.id);
        this.jobStore.deleteJob(job.id);
        n++;
      }
    }
    // Older rows than the ones loaded at the start are in no list: without this they stayed for good,
    // and retention, finding them old, started again at every check.
    n += this.jobStore.deleteDoneBefore(cutoffSec);
    if (n > 0) this.options.bus?.invalidate('jobs');
    return n;
  }

  /** Enqueues each maintenance job that has work and is not already pending. */
  checkDue(): void {
    if (this.stopped) return;
    for (const kind of this.kinds.values()) {
      if (this.pendingOf(kind.name)) continue;
      let due = false;
      try {
        due = kind.due();
      } catch (error) {
        this.options.log?.(`[shoal] job ${kind.name}: could not check for work: ${(error as Error).message}`);
      }
      if (due) this.enqueue(kind.name);
    }
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  private pendingOf(name: string): JobRecord | null {
    return this.manager.list().find((j) => j.name === name && (j.status === 'queued' || j.status === 'running' || j.status === 'paused'
      || (j.status === 'failed' && j.retry.next_retry_at !== null))) ?? null;
  }

  private runningOf(name: string): boolean {
    for (const id of this.active.keys()) if (this.manager.get(id)?.name === name) return true;
    return false;
  }

  /** Starts every queued job whose kind is not already running, oldest first. */
  private pump(): void {
    if (!this.started || this.stopped) return;
    const queued = this.manager.list().filter((j) => j.status === 'queued').sort((a, b) => a.created_at - b.created_at);
    for (const job of queued) {
      if (this.active.has(job.id) || this.runningOf(job.name)) continue;
      this.execute(job.id);
    }
  }

  private execute(id: string): void {
    const job = this.manager.get(id);
    if (!job || this.stopped) return;
    const kind = this.kinds.get(job.name);
    if (!kind) {
      // Written by another version of Shoal: say so instead of retrying something we cannot run.
      this.manager.updateProgress(id, job.progress ?? 0, `This version of Shoal has no job called "${job.name}".`);
      this.manager.cancel(id);
      this.persist(id);
      return;
    }
    if (job.status !== 'running') this.manager.setRunning(id);
    this.persist(id);
    const controller = new AbortController();
    let lastReport = 0;
    let lastPercent = -1;
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (percent, detail) => {
        const now = Date.now();
        const whole = Math.floor(percent);
        if (whole === lastPercent && now - lastReport < PROGRESS_MIN_INTERVAL_MS) return;
        lastPercent = whole;
        lastReport = now;
        if (active.intent !== null) return;
        this.manager.updateProgress(id, whole, detail);
        this.persist(id);
      },
    };
    const active: Active = { controller, intent: null, done: Promise.resolve() };
    this.active.set(id, active);
    active.done = Promise.resolve()
      .then(() => kind.run(ctx))
      .then((summary) => {
        if (active.intent === 'cancel' || active.intent === 'shutdown') return;
        if (active.intent === 'pause') {
          this.manager.pause(id, 'Paused; resume runs it again.');
          return;
        }
        this.manager.updateProgress(id, 100, summary);
        this.manager.complete(id);
      }, (error: unknown) => {
        if (active.intent === 'cancel' || active.intent === 'shutdown') return;
        if (active.intent === 'pause') {
          this.manager.pause(id, 'Paused; resume runs it again.');
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        this.options.log?.(`[shoal] job ${kind.name} failed: ${message}`);
        this.manager.fail(id, message);
        const failed = this.manager.get(id);
        if (failed?.retry.next_retry_at !== null && failed) this.armRetry(id, failed.retry.next_backoff_ms);
      })
      .finally(() => {
        this.active.delete(id);
        // A shutdown leaves the row as running: resume_pending puts it back in the queue next start.
        if (active.intent !== 'shutdown' && this.options.store.db.open) this.persist(id);
        this.pump();
      });
  }

  private armRetry(id: string, delayMs: number): void {
    this.clearRetry(id);
    const timer = setTimeout(() => {
      this.retryTimers.delete(id);
      const job = this.manager.get(id);
      if (!job || job.status !== 'failed' || this.stopped) return;
      if (this.runningOf(job.name)) this.armRetry(id, 1000);
      else this.execute(id);
    }, delayMs);
    timer.unref();
    this.retryTimers.set(id, timer);
  }

  private clearRetry(id: string): void {
    const t = this.retryTimers.get(id);
    if (t) clearTimeout(t);
    this.retryTimers.delete(id);
  }

  private persist(id: string): void {
    const row = this.manager.toRow(id);
    if (!row || !this.options.store.db.open) return;
    this.jobStore.upsertJob(row);
    this.options.bus?.invalidate('jobs');
  }
}
