// The engine's reads and writes of its workers' rows (the `workers` table the Workers view shows),
// prepared once. What each write moves is deliberate: a heartbeat is a sign of life (and may change
// the status), a mark is a change of state that is not one, and a worker a person took out of
// service keeps that status whatever either says (worker-status-sql.ts).
import type { FleetWorkerSpec, FleetWorkerStatus } from '../../../src-shared/protocol/fleet';
import type { HostUsage } from '../hosts/host-driver';
import type { Store } from '../store/open';
import { nowIso } from './ids';
import { KEEP_OUT_OF_SERVICE } from './worker-status-sql';

export class WorkerRows {
  private readonly upsertWorker;
  private readonly heartbeatStmt;
  private readonly aliveStmt;
  private readonly markStmt;
  private readonly statusReasonStmt;
  private readonly setStatusStmt;
  private readonly lastHeartbeatStmt;
  private readonly outOfServiceStmt;
  private readonly leasedByStmt;
  private readonly statusStmt;

  constructor(db: Store['db']) {
    this.upsertWorker = db.prepare<[string, string, string, string, string, number | null, string, string, string]>(
      `INSERT INTO workers (id, name, host, labels, capabilities, max_concurrent, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, host = excluded.host, labels = excluded.labels, capabilities = excluded.capabilities,
         max_concurrent = excluded.max_concurrent, status = ${KEEP_OUT_OF_SERVICE('excluded.status')}, updated_at = excluded.updated_at`);
    this.lastHeartbeatStmt = db.prepare<[string], { last_heartbeat_at: string | null }>('SELECT last_heartbeat_at FROM workers WHERE id = ?');
    this.heartbeatStmt = db.prepare<[string, number | null, number | null, string, string, string]>(
      `UPDATE workers SET last_heartbeat_at = ?, cpu_percent = ?, memory_mb = ?, status = ${KEEP_OUT_OF_SERVICE('?')}, updated_at = ? WHERE id = ?`);
    // An idle worker's sign of life: not a change of state, so neither its status nor its
    // updated_at (the Workers view's "since") moves.
    // A worker this engine holds idle and up is online: another Shoal on the same store that
    // stopped (a `shoal run` that ended) marked it offline, and only this sign of life corrects that.
    // Any other status (busy, unhealthy, draining, retired) is someone's statement and stays.
    this.aliveStmt = db.prepare<[string, number | null, number | null, string, string]>(
      `UPDATE workers SET last_heartbeat_at = ?, cpu_percent = ?, memory_mb = ?,
         updated_at = CASE status WHEN 'offline' THEN ? ELSE updated_at END,
         status = CASE status WHEN 'offline' THEN 'online' ELSE status END WHERE id = ?`);
    this.outOfServiceStmt = db.prepare<[], { id: string }>(`SELECT id FROM workers WHERE status IN ('draining', 'retired')`);
    this.setStatusStmt = db.prepare<[string, string, string]>('UPDATE workers SET status = ?, updated_at = ? WHERE id = ?');
    this.statusReasonStmt = db.prepare<[string | null, string]>('UPDATE workers SET status_reason = ? WHERE id = ?');
    // A state change that is not a sign of life: the last heartbeat stays what it was.
    this.markStmt = db.prepare<[string, string | null, string, string]>(`UPDATE workers SET status = ${KEEP_OUT_OF_SERVICE('?')}, status_reason = ?, updated_at = ? WHERE id = ?`);
    this.statusStmt = db.prepare<[string], { status: FleetWorkerStatus }>('SELECT status FROM workers WHERE id = ?');
    this.leasedByStmt = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM tasks WHERE worker_id = ? AND lease_token IS NOT NULL');
  }

  /** A worker joining the engine: its row made, or updated to what its spec says now. */
  register(spec: FleetWorkerSpec, max: number, status: FleetWorkerStatus): void {
    const now = nowIso();
    this.upsertWorker.run(spec.id, spec.name, JSON.stringify(spec.host), JSON.stringify(spec.labels ?? {}), JSON.stringify(spec.capabilities), max, status, now, now);
  }

  /** A sign of life that also says its status (busy, online). */
  heartbeat(id: string, status: 'online' | 'busy', usage: HostUsage | null): void {
    const now = nowIso();
    this.heartbeatStmt.run(now, usage?.cpuPercent ?? null, usage?.memoryMb ?? null, status, now, id);
  }

  /** Idle workers' signs of life, one write per row (one left "offline" by another Shoal is online again). */
  alive(ids: Iterable<string>, usage: HostUsage | null): void {
    const now = nowIso();
    for (const id of ids) this.aliveStmt.run(now, usage?.cpuPercent ?? null, usage?.memoryMb ?? null, now, id);
  }

  /** A change of state with its reason (null: none). */
  mark(id: string, status: FleetWorkerStatus, reason: string | null): void {
    this.markStmt.run(status, reason, nowIso(), id);
  }

  setReason(id: string, reason: string | null): void {
    this.statusReasonStmt.run(reason, id);
  }

  /** A person's change of its service status (drain, resume, retire): not kept out of service. */
  setStatus(id: string, status: FleetWorkerStatus): void {
    this.setStatusStmt.run(status, nowIso(), id);
  }

  status(id: string): FleetWorkerStatus | undefined {
    return this.statusStmt.get(id)?.status;
  }

  lastHeartbeat(id: string): string | undefined {
    return this.lastHeartbeatStmt.get(id)?.last_heartbeat_at ?? undefined;
  }

  /** The workers a person took out of service (draining, retired): they lease nothing. */
  outOfService(): Set<string> {
    return new Set(this.outOfServiceStmt.all().map((r) => r.id));
  }

  /** Tasks leased to that worker id now, by any process on this store. */
  leasedBy(id: string): number {
    return this.leasedByStmt.get(id)?.n ?? 0;
  }
}
