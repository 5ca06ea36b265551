// Read model for the Workers view.
import type { RemoteAgentState, WorkerRow, WorkerState } from '../../../src-shared/contract';
import { ACTIVE_RUN_STATUSES_SQL } from '../../../src-shared/protocol/event-states';
import { LOCAL_WORKER_ID } from '../fleet/engine';
import type { Store } from '../store/open';
import { workerState } from './worker-state';
import { describeHost } from '../hosts/worker-registry';
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import type { AgentHost } from '../agents-remote/agent-host';

interface WorkerRecord {
  id: string; name: string; host: string; status: string; status_reason: string | null; capabilities: string; max_concurrent: number | null;
  last_heartbeat_at: string | null; cpu_percent: number | null; memory_mb: number | null; running: number; updated_at: string | null;
  agent_id: string | null; agent_address: string | null; agent_version: string | null; agent_hostname: string | null; agent_revoked_at: string | null;
  standing: number; in_active_run: number;
}

const DEFAULT_AGENT_HEARTBEAT_MS = 5_000;

/** Whether a run that has not ended declares the worker. Asked only of a run's worker a person took
 *  out of service (rare): an `offline` one is out of every active run, since a started host keeps an
 *  active run's workers in its engine (it adopts them at start), and an online/busy/unhealthy one is
 *  in one. Scanning the runs for every row would cost a pass over the runs table per row. */
const IN_ACTIVE_RUN = `CASE
  WHEN w.status IN ('draining', 'retired') THEN EXISTS (SELECT 1 FROM runs r, json_each(r.worker_specs) j
    WHERE r.status IN (${ACTIVE_RUN_STATUSES_SQL}) AND json_extract(j.value, '$.id') = w.id)
  WHEN w.status = 'offline' THEN 0
  ELSE 1 END`;

const SELECT_WORKERS = `SELECT w.*, (SELECT COUNT(*) FROM tasks i WHERE i.worker_id = w.id AND i.lease_token IS NOT NULL) AS running,
    ra.id AS agent_id, ra.address AS agent_address, ra.version AS agent_version, ra.hostname AS agent_hostname, ra.revoked_at AS agent_revoked_at,
    (w.id = '${LOCAL_WORKER_ID}' OR kr.name IS NOT NULL OR ra.id IS NOT NULL) AS standing,
    ${IN_ACTIVE_RUN} AS in_active_run
  FROM workers w LEFT JOIN remote_agents ra ON ra.id = w.id LEFT JOIN worker_registry kr ON kr.name = w.id`;

export class WorkersView {
  private readonly listStmt;
  private readonly oneStmt;
  /** The heartbeat interval agents keep: two missed and an agent is stale, even if the control plane
   *  that would have marked it (another process, or one that crashed) is not there to say so. */
  constructor(store: Store, private readonly agentHeartbeatMs: () => number = () => DEFAULT_AGENT_HEARTBEAT_MS) {
    // In service first, then the ones out of it, then the gone (removed, run ended): what can take
    // work is what a person looks for.
    this.listStmt = store.db.prepare<[], WorkerRecord>(
      `SELECT * FROM (${SELECT_WORKERS} WHERE w.status != 'retired' OR w.updated_at > datetime('now', '-1 day'))
       ORDER BY (NOT standing AND NOT in_active_run), status = 'offline', name`);
    this.oneStmt = store.db.prepare<[string], WorkerRecord>(`${SELECT_WORKERS} WHERE w.id = ?`);
  }

  list(nowMs = Date.now()): WorkerRow[] {
    const staleAfterMs = 2 * this.agentHeartbeatMs();
    return this.listStmt.all().map((w) => toRow(w, nowMs, staleAfterMs));
  }

  /** One worker's name and state (for the drain/retire guards); undefined when there is no such worker. */
  stateOf(id: string): { name: string; state: WorkerState } | undefined {
    const w = this.oneStmt.get(id);
    return w && { name: w.name, state: stateOfRecord(w) };
  }
}

function stateOfRecord(w: WorkerRecord): WorkerState {
  return workerState({ status: w.status, statusReason: w.status_reason, standing: w.standing === 1, inActiveRun: w.in_active_run === 1 });
}

function toRow(w: WorkerRecord, nowMs: number, staleAfterMs: number): WorkerRow {
  const host = JSON.parse(w.host) as FleetHostSpec | AgentHost;
  return {
    id: w.id, name: w.name, hostKind: host.kind, where: host.kind === 'ssh' || host.kind === 'docker' ? describeHost(host) : null, status: w.status,
    // A reason outlives its state in the row (a heartbeat only flips the status): shown while
    // unhealthy, or offline (only a kept worker the person removed goes offline with one).
    statusReason: w.status === 'unhealthy' || w.status === 'offline' ? w.status_reason : null,
    capabilities: JSON.parse(w.capabilities) as string[], maxConcurrent: w.max_concurrent, running: w.running,
    lastHeartbeatAt: w.last_heartbeat_at, cpuPercent: w.cpu_percent, memoryMb: w.memory_mb,
    agent: w.agent_id === null ? null : {
      state: agentState(w, nowMs, staleAfterMs), address: w.agent_address, version: w.agent_version, hostname: w.agent_hostname, revokedAt: w.agent_revoked_at,
      facts: host.kind === 'agent' ? host.facts ?? null : null,
    },
    state: stateOfRecord(w),
    stateSince: w.updated_at,
  };
}

function agentState(w: WorkerRecord, nowMs: number, staleAfterMs: number): RemoteAgentState {
  if (w.agent_revoked_at) return 'revoked';
  if (w.status === 'offline') return 'offline';
  const beat = w.last_heartbeat_at ? Date.parse(w.last_heartbeat_at) : NaN;
  if (w.status === 'unhealthy' || !(nowMs - beat <= staleAfterMs)) return 'stale';
  return 'online';
}
