// What each worker is doing now (its leased tasks) and how busy it has been: CPU and memory from the
// heartbeat events of its recent attempts, summed per time bucket across the tasks it ran at once.
import type { WorkerActivity } from '../../../src-shared/contract';
import type { Store } from '../store/open';

interface CurrentRow { worker_id: string; run_id: string; run_name: string; task_id: string; task_name: string; attempts: number; started_at: string | null; enqueued_at: string }
interface AttemptRow { run_id: string; task_id: string; attempt: number; worker_id: string }

export const ACTIVITY_WINDOW_MS = 10 * 60_000;
export const ACTIVITY_BUCKET_MS = 5_000;

export class WorkerActivityView {
  private readonly currentStmt;
  private readonly recentAttempts;
  private readonly heartbeats;

  constructor(store: Store) {
    const db = store.db;
    this.currentStmt = db.prepare<[], CurrentRow>(
      `SELECT t.worker_id, t.run_id, r.name AS run_name, t.task_id, t.name AS task_name, t.attempts, a.started_at, t.enqueued_at
       FROM tasks t JOIN runs r ON r.id = t.run_id
       LEFT JOIN attempts a ON a.run_id = t.run_id AND a.task_id = t.task_id AND a.attempt = t.attempts
       WHERE t.lease_token IS NOT NULL ORDER BY a.started_at`);
    this.recentAttempts = db.prepare<[string, string], AttemptRow>(
      'SELECT run_id, task_id, attempt, worker_id FROM attempts WHERE started_at >= ? OR ended_at IS NULL OR ended_at >= ?');
    this.heartbeats = db.prepare<[string, string, number, string], { timestamp: string; body: string }>(
      `SELECT timestamp, body FROM worker_events WHERE run_id = ? AND task_id = ? AND state = 'heartbeat' AND attempt = ? AND timestamp >= ? ORDER BY seq`);
  }

  list(now = Date.now()): WorkerActivity[] {
    const byWorker = new Map<string, WorkerActivity>();
    const entry = (id: string): WorkerActivity => {
      let w = byWorker.get(id);
      if (!w) byWorker.set(id, (w = { workerId: id, current: [], samples: [] }));
      return w;
    };
    for (const c of this.currentStmt.all()) {
      entry(c.worker_id).current.push({ runId: c.run_id, runName: c.run_name, taskId: c.task_id, taskName: c.task_name, attempt: c.attempts, since: c.started_at ?? c.enqueued_at });
    }
    const since = new Date(now - ACTIVITY_WINDOW_MS).toISOString();
    // bucket start → task attempt → its last sample in that bucket
    const buckets = new Map<string, Map<number, Map<string, { cpu: number; mem: number }>>>();
    for (const a of this.recentAttempts.all(since, since)) {
      let perWorker = buckets.get(a.worker_id);
      if (!perWorker) buckets.set(a.worker_id, (perWorker = new Map()));
      const attemptKey = `${a.run_id}\u0000${a.task_id}\u0000${a.attempt}`;
      for (const hb of this.heartbeats.all(a.run_id, a.task_id, a.attempt, since)) {
        const body = JSON.parse(hb.body) as { cpu_percent?: number; memory_mb?: number };
        if (typeof body.cpu_percent !== 'number' && typeof body.memory_mb !== 'number') continue;
        const bucket = Math.floor(Date.parse(hb.timestamp) / ACTIVITY_BUCKET_MS) * ACTIVITY_BUCKET_MS;
        let samples = perWorker.get(bucket);
        if (!samples) perWorker.set(bucket, (samples = new Map()));
        samples.set(attemptKey, { cpu: body.cpu_percent ?? 0, mem: body.memory_mb ?? 0 });
      }
    }
    for (const [workerId, perWorker] of buckets) {
      const w = entry(workerId);
      w.samples = [...perWorker.entries()].sort((a, b) => a[0] - b[0]).map(([t, samples]) => {
        let cpu = 0;
        let mem = 0;
        for (const s of samples.values()) {
          cpu += s.cpu;
          mem += s.mem;
        }
        return { t, cpu: Math.round(cpu * 10) / 10, mem: Math.round(mem) };
      });
    }
    return [...byWorker.values()];
  }
}
