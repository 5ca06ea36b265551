// Read model for the Workers view.
import type { RemoteAgentState, WorkerRow } from '../../../src-shared/contract';
import type { Store } from '../store/open';

interface WorkerRecord {
  id: string; name: string; host: string; status: string; status_reason: string | null; capabilities: string; max_concurrent: number | null;
  last_heartbeat_at: string | null; cpu_percent: number | null; memory_mb: number | null; running: number;
  agent_id: string | null; agent_address: string | null; agent_version: string | null; agent_hostname: string | null; agent_revoked_at: string | null;
}

const DEFAULT_AGENT_HEARTBEAT_MS = 5_000;

export class WorkersView {
  private readonly listStmt;
  /** The heartbeat interval agents keep: two missed and an agent is stale, even if the control plane
   *  that would have marked it (another process, or one that crashed) is not there to say so. */
  constructor(store: Store, private readonly agentHeartbeatMs: () => number = () => DEFAULT_AGENT_HEARTBEAT_MS) {
    this.listStmt = store.db.prepare<[], WorkerRecord>(
      `SELECT w.*, (SELECT COUNT(*) FROM inbox i WHERE i.worker_id = w.id AND i.lease_token IS NOT NULL) AS running,
         ra.id AS agent_id, ra.address AS agent_address, ra.version AS agent_version, ra.hostname AS agent_hostname, ra.revoked_at AS agent_revoked_at
       FROM workers w LEFT JOIN remote_agents ra ON ra.id = w.id
       WHERE w.status != 'retired' OR w.updated_at > datetime('now', '-1 day') ORDER BY w.name`);
  }

  list(nowMs = Date.now()): WorkerRow[] {
    const staleAfterMs = 2 * this.agentHeartbeatMs();
    return this.listStmt.all().map((w) => ({
      id: w.id, name: w.name, hostKind: (JSON.parse(w.host) as { kind: string }).kind, status: w.status,
      // A reason outlives its state in the row (a heartbeat only flips the status): shown while
      // unhealthy, or offline (only a kept worker the person removed goes offline with one).
      statusReason: w.status === 'unhealthy' || w.status === 'offline' ? w.status_reason : null,
      capabilities: JSON.parse(w.capabilities) as string[], maxConcurrent: w.max_concurrent, running: w.running,
      lastHeartbeatAt: w.last_heartbeat_at, cpuPercent: w.cpu_percent, memoryMb: w.memory_mb,
      agent: w.agent_id === null ? null : {
        state: agentState(w, nowMs, staleAfterMs), address: w.agent_address, version: w.agent_version, hostname: w.agent_hostname, revokedAt: w.agent_revoked_at,
      },
    }));
  }
}

function agentState(w: WorkerRecord, nowMs: number, staleAfterMs: number): RemoteAgentState {
  if (w.agent_revoked_at) return 'revoked';
  if (w.status === 'offline') return 'offline';
  const beat = w.last_heartbeat_at ? Date.parse(w.last_heartbeat_at) : NaN;
  if (w.status === 'unhealthy' || !(nowMs - beat <= staleAfterMs)) return 'stale';
  return 'online';
}
