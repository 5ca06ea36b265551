// Read model for the Workers view.
import type { WorkerRow } from '../../../src-shared/contract';
import type { Store } from '../store/open';

interface WorkerRecord {
  id: string; name: string; host: string; status: string; capabilities: string; max_concurrent: number | null;
  last_heartbeat_at: string | null; cpu_percent: number | null; memory_mb: number | null; running: number;
}

export class WorkersView {
  private readonly listStmt;
  constructor(store: Store) {
    this.listStmt = store.db.prepare<[], WorkerRecord>(
      `SELECT w.*, (SELECT COUNT(*) FROM inbox i WHERE i.worker_id = w.id AND i.lease_token IS NOT NULL) AS running
       FROM workers w WHERE w.status != 'retired' OR w.updated_at > datetime('now', '-1 day') ORDER BY w.name`);
  }

  list(): WorkerRow[] {
    return this.listStmt.all().map((w) => ({
      id: w.id, name: w.name, hostKind: (JSON.parse(w.host) as { kind: string }).kind, status: w.status,
      capabilities: JSON.parse(w.capabilities) as string[], maxConcurrent: w.max_concurrent, running: w.running,
      lastHeartbeatAt: w.last_heartbeat_at, cpuPercent: w.cpu_percent, memoryMb: w.memory_mb,
    }));
  }
}
