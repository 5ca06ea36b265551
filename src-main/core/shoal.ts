// The composition root of the core: one store, one bus, the read models and the engine, shared by
// whichever transport hosts it (Electron main, the headless server, the CLI).
import path from 'node:path';
import { AgentListenerService } from './agents-remote/listener-service';
import { AlertService, type AlertServiceOptions } from './alerts/alert-service';
import { dispatch, type CallContext, type Handlers, type Logger } from './api/dispatch';
import { createHandlers } from './api/handlers';
import type { CoreServices } from './api/services';
import { ApprovalStore } from './approvals/approval-store';
import { AuditLog } from './approvals/audit-log';
import { PolicySettings } from './approvals/policy-settings';
import { EventBus } from './bus';
import { ShoalToolGateway } from './gateway/gateway';
import { FleetEngine, type EngineOptions } from './fleet/engine';
import { KeptWorkerSync } from './fleet/kept-worker-sync';
import { OwedReapActions } from './fleet/owed-reap-actions';
import { winnersOf } from './landing/candidates';
import { LandingService } from './landing/merge-queue';
import { loadSpec, type LoadResult } from './fleet/spec/load-spec';
import { SettingsStore } from './settings';
import { WorkerRegistry } from './hosts/worker-registry';
import { SettingsTable } from './store/settings-table';
import { KeyFileCipher, type SecretCipher } from './providers/secret-store';
import { Runtime, type RuntimeOptions } from './runtime/runtime';
import { overlayEnv, withAgentSecrets } from './fleet/agents/agent-secrets';
import { AGENT_BIN_VARS, AgentBinaries } from './fleet/agents/agent-binaries';
import { OwedReapsView } from './views/owed-reaps-view';
import { watchExternalWrites, type ExternalWriteWatch } from './store/external-writes';
import { openStore, type OpenStoreOptions, type Store } from './store/open';
import { RunsView } from './views/runs-view';
import { WorkersView } from './views/workers-view';
import { methods, QUERY_FAMILIES, type Envelope } from '../../src-shared/contract';

export interface ShoalCoreOptions extends OpenStoreOptions {
  dbPath: string;
  /** Where artifacts and worktrees live; defaults to the database's folder. */
  dataDir?: string;
  transport: 'electron' | 'headless';
  version?: string;
  log?: Logger;
  env?: NodeJS.ProcessEnv;
  engine?: Partial<Pick<EngineOptions, 'maxWorkers' | 'leaseMs' | 'heartbeatMs' | 'killGraceMs' | 'worktreeCleanup' | 'capabilities'>>;
  /** Seals secrets (API keys); Electron injects safeStorage, else a 0600 key file in the data dir. */
  secretCipher?: SecretCipher;
  runtime?: Partial<Pick<RuntimeOptions, 'jobCheckIntervalMs' | 'mcpStartupTimeoutMs'>>;
  alerts?: Partial<Pick<AlertServiceOptions, 'minuteMs' | 'scanMs' | 'delivery'>>;
}

export class ShoalCore implements CoreServices {
  readonly store: Store;
  readonly bus = new EventBus();
  readonly settings: SettingsStore;
  readonly runsView: RunsView;
  readonly workersView: WorkersView;
  readonly dataDir: string;
  readonly transport: 'electron' | 'headless';
  readonly version: string;
  readonly engine: FleetEngine;
  /** The tool gateway: every tool call of a task's agent or a thread goes through it. */
  readonly tools: ShoalToolGateway;
  readonly approvals: ApprovalStore;
  readonly policy: PolicySettings;
  readonly audit: AuditLog;
  /** Threads, jobs, model providers and MCP servers. */
  readonly runtime: Runtime;
  /** Workers a person keeps (shoal workers add, the Workers view). */
  readonly workerRegistry: WorkerRegistry;
  /** `shoal land`: the merge queue that lands a run's results. */
  readonly landing: LandingService;
  /** Alert rules, the durable outbox and its delivery worker. */
  readonly alerts: AlertService;
  /** Where remote agents join; the hosts that run work (the app, `shoal serve`) start it. */
  readonly agentListener: AgentListenerService;
  /** Where the claude and codex CLIs are (Settings → Agents, or the PATH). */
  readonly agentBinaries: AgentBinaries;
  /** The reaps Shoal owes, and what a person can do about one (retry now, forget). */
  readonly owedReaps: OwedReapActions;
  private started = false;
  private readonly handlers: Handlers;
  private readonly log: Logger;
  private readonly externalWrites: ExternalWriteWatch;
  /** The engine's kept workers follow the registry, whichever process changes it. */
  private readonly keptWorkers: KeptWorkerSync;

  constructor(options: ShoalCoreOptions) {
    // Checkpoints run off the committing thread unless a caller (a test of the inline path) says not.
    this.store = openStore(options.dbPath, { backgroundCheckpoints: true, onStoreError: (m) => (options.log ?? console.error)(m), ...options });
    this.dataDir = options.dataDir ?? path.dirname(path.resolve(options.dbPath));
    this.transport = options.transport;
    this.version = options.version ?? '0.1.0';
    this.log = options.log ?? ((m) => console.error(m));
    const settingsTable = new SettingsTable(this.store);
    this.settings = new SettingsStore(settingsTable);
    this.runsView = new RunsView(this.store);
    this.workersView = new WorkersView(this.store, () => this.agentListener.heartbeatMs());
    this.audit = new AuditLog(this.store);
    this.approvals = new ApprovalStore(this.store, this.audit);
    this.policy = new PolicySettings(this.store, settingsTable, this.audit);
    this.tools = new ShoalToolGateway({
      store: this.store, bus: this.bus, approvals: this.approvals, policy: this.policy, env: options.env ?? process.env, version: this.version,
      killGraceMs: options.engine?.killGraceMs, cancelTask: (runId, taskId, by) => this.engine.cancelTask(runId, taskId, by),
    });
    // Agents see their API keys from the vault (runtime is built below; read at each launch).
    // (Tests hand the engine its env through options.engine, next to its timers.)
    const engineEnv = (options.engine as { env?: NodeJS.ProcessEnv } | undefined)?.env;
    this.agentBinaries = new AgentBinaries(settingsTable, engineEnv ?? options.env ?? process.env);
    // …and the CLI paths kept in Settings → Agents.
    const agentEnv = overlayEnv(withAgentSecrets(engineEnv ?? options.env ?? process.env, () => this.runtime?.vault), Object.values(AGENT_BIN_VARS),
      (name) => this.agentBinaries.envVars()[name] ?? null);
    this.engine = new FleetEngine({
      store: this.store, bus: this.bus, dataDir: this.dataDir, gateway: this.tools, ...options.engine, env: agentEnv,
      prepareRun: (run) => this.alerts.sealRun(run),
      // Recovery ends a crashed attempt's remote work with the sealed key of the kept worker that
      // reaches it, even when that worker is not (or no longer, or not yet) one of the engine's.
      keptWorkerFor: (ref, workerId) => this.workerRegistry.forRef(ref, workerId),
    });
    this.agentListener = new AgentListenerService({
      store: this.store, engine: this.engine, gateway: this.tools, dataDir: this.dataDir, log: this.log, changed: () => this.store.db.open && this.bus.invalidate('workers'),
    });
    const secretCipher = options.secretCipher ?? new KeyFileCipher(this.dataDir);
    this.workerRegistry = new WorkerRegistry(this.store, secretCipher);
    this.owedReaps = new OwedReapActions({
      view: new OwedReapsView(this.store), kept: this.workerRegistry, fleet: this.engine.fleet, audit: this.audit, engine: this.engine, log: this.log,
      changed: () => this.store.db.open && this.bus.invalidate('workers'),
    });
    this.keptWorkers = new KeptWorkerSync(this.workerRegistry, this.engine, this.log);
    this.runtime = new Runtime({
      store: this.store, bus: this.bus, dataDir: this.dataDir, version: this.version, log: this.log, tools: () => this.tools,
      secretCipher, onFrame: (threadId, frame) => this.alerts.threadFrame(threadId, frame), ...options.runtime,
    });
    this.landing = new LandingService({
      store: this.store, dataDir: this.dataDir, env: options.env ?? process.env,
      winners: (runId) => winnersOf(this.store, runId), onChange: () => this.store.db.open && this.bus.invalidate('runs', 'receipts'),
    });
    this.alerts = new AlertService({
      store: this.store, fleet: this.engine.fleet, dataDir: this.dataDir, settings: this.runtime.settings, cipher: secretCipher, env: options.env ?? process.env, log: this.log,
      changed: () => this.bus.invalidate('alerts'), ...options.alerts,
    });
    this.audit.onAppend((e) => {
      if (e.action === 'approval.requested' || e.action === 'approval.decided') {
        this.alerts.hooks.emit(e.action, { approval_id: e.subject, actor: e.actor, ...(e.detail as Record<string, unknown> | null) });
      }
    });
    this.handlers = createHandlers(this);
    // Another process wrote (the CLI, another host): we cannot tell which tables, so every family
    // refetches; this is rare and coalesced by the bus, and only costs anything while a window listens.
    // A running engine also looks whether the kept workers changed (`shoal workers add|remove`).
    this.externalWrites = watchExternalWrites(this.store.db, () => {
      this.keptWorkers.check();
      // A `shoal workers forget` in a terminal: the loop it took over stops now.
      this.engine.recheckOwedReaps();
      if (this.bus.size > 0) this.bus.invalidate(...QUERY_FAMILIES);
    });
  }

  /** Hosts that run work (the app, `shoal serve`, `shoal run`) start the engine; read-only
   *  commands never do. Starting recovers whatever a crash left behind. */
  start(): { recovered: number } {
    if (this.started) return { recovered: 0 };
    this.started = true;
    // Kept workers join before the engine starts: recovery reaches their hosts through their own
    // drivers, and their slots are counted from the first placement.
    this.keptWorkers.start();
    const started = this.engine.start();
    // After the engine has put orphaned attempts back: their waiting requests expire, visibly.
    this.tools.start();
    this.runtime.start();
    this.alerts.start();
    return started;
  }

  /** Validates a spec without writing anything. */
  validateSpec(text: string, filename?: string, workspace?: string | null): LoadResult {
    const sharedWorkers = this.workerRegistry.list().map((w) => ({ id: w.name, capabilities: w.capabilities }));
    // Remote agents connected now take tasks of runs without worker_specs too: a task only they can
    // take is not "cannot be placed" (an agent that left may never come back, so only these count).
    for (const w of this.workersView.list()) {
      if (w.agent?.state === 'online' && w.status !== 'draining' && w.status !== 'retired') sharedWorkers.push({ id: w.name, capabilities: w.capabilities });
    }
    return loadSpec(text, { filename, workspace: workspace ?? null, defaultCapabilities: this.engine.defaultCapabilities, sharedWorkers, userPolicy: this.policy.options() });
  }

  call(method: unknown, input: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    return dispatch(this.handlers, method, input, ctx, this.log, (m) => {
      // Every window refreshes what a successful call changed, whichever window made it.
      const families = methods[m].invalidates;
      if (families.length > 0) this.bus.invalidate(...families);
    });
  }

  /** Stops running agents (recorded as interrupted, put back in the queue) and closes the store.
   *  Idempotent: the app's quit path and a host's signal handler may both ask. */
  async shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      // A landing being worked stops between steps (its check killed) and is left to resume.
      await this.landing.stop();
      await this.agentListener.close();
      if (this.started) await this.engine.shutdown();
      await this.alerts.stop();
      if (this.started) await this.runtime.shutdown();
      await this.tools.close();
      this.close();
      await this.store.whenClosed();
    })();
    return this.shuttingDown;
  }

  private shuttingDown: Promise<void> | null = null;

  close(): void {
    if (!this.store.db.open) return;
    this.externalWrites.stop();
    this.keptWorkers.stop();
    this.runtime.close();
    this.bus.close();
    if (this.store.db.open) this.store.close();
  }
}
