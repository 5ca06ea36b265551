// What the API handlers may use of the core. Handlers depend on this interface, not on the
// composition root (ShoalCore) that implements it, so the root can import the handlers without
// the two forming an import cycle.
import type { AlertService } from '../alerts/alert-service';
import type { ApprovalStore } from '../approvals/approval-store';
import type { AuditLog } from '../approvals/audit-log';
import type { PolicySettings } from '../approvals/policy-settings';
import type { EventBus } from '../bus';
import type { FleetEngine } from '../fleet/engine';
import type { LoadResult } from '../fleet/spec/load-spec';
import type { ShoalToolGateway } from '../gateway/gateway';
import type { LandingService } from '../landing/merge-queue';
import type { Runtime } from '../runtime/runtime';
import type { SettingsStore } from '../settings';
import type { Store } from '../store/open';
import type { RunsView } from '../views/runs-view';
import type { WorkersView } from '../views/workers-view';
import type { WorkerRegistry } from '../hosts/worker-registry';
import type { AgentListenerService } from '../agents-remote/listener-service';
import type { AgentBinaries } from '../fleet/agents/agent-binaries';
import type { OwedReapActions } from '../fleet/owed-reap-actions';

export interface CoreServices {
  readonly store: Store;
  readonly bus: EventBus;
  readonly settings: SettingsStore;
  readonly runsView: RunsView;
  readonly workersView: WorkersView;
  readonly dataDir: string;
  readonly transport: 'electron' | 'headless';
  readonly version: string;
  readonly engine: FleetEngine;
  readonly tools: ShoalToolGateway;
  readonly approvals: ApprovalStore;
  readonly policy: PolicySettings;
  readonly audit: AuditLog;
  readonly runtime: Runtime;
  /** Workers a person added (SSH hosts, containers), kept across runs. */
  readonly workerRegistry: WorkerRegistry;
  /** The merge queue that lands a run's results. */
  readonly landing: LandingService;
  /** Alert rules, the durable outbox and its delivery worker; hooks. */
  readonly alerts: AlertService;
  /** Where remote agents (`shoal agent`) join this host; started and stopped while it runs. */
  readonly agentListener: AgentListenerService;
  /** Where the claude and codex CLIs are on this computer (Settings → Agents, or the PATH). */
  readonly agentBinaries: AgentBinaries;
  /** The reaps Shoal owes (work left on hosts), and Retry now / Forget. */
  readonly owedReaps: OwedReapActions;
  validateSpec(text: string, filename?: string, workspace?: string | null): LoadResult;
}
