// The composition root of the core: one store, one bus, the read models and the engine, shared by
// whichever transport hosts it (Electron main, the headless server, the CLI).
import path from 'node:path';
import { AlertService, type AlertServiceOptions } from './alerts/alert-service';
import { dispatch, type CallContext, type Handlers, type Logger } from './api/dispatch';
import { createHandlers } from './api/handlers';
import { ApprovalStore } from './approvals/approval-store';
import { AuditLog } from './approvals/audit-log';
import { PolicySettings } from './approvals/policy-settings';
import { EventBus } from './bus';
import { ShoalToolGateway } from './gateway/gateway';
import { FleetEngine, type EngineOptions } from './fleet/engine';
import { loadSpec, type LoadResult } from './fleet/spec/load-spec';
import { SettingsStore } from './settings';
import { KeyFileCipher, type SecretCipher } from './providers/secret-store';
import { Runtime, type RuntimeOptions } from './runtime/runtime';
import { openStore, type OpenStoreOptions, type Store } from './store/open';
import { RunsView } from './views/runs-view';
import { WorkersView } from './views/workers-view';
import { methods, type Envelope } from '../../src-shared/contract';

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

export class ShoalCore {
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
  /** Threads, jobs, model providers and MCP servers (seed 001's Runtime). */
  readonly runtime: Runtime;
  /** Alert rules, the durable outbox and its delivery worker. */
  readonly alerts: AlertService;
  private started = false;
  private readonly handlers: Handlers;
  private readonly log: Logger;

  constructor(options: ShoalCoreOptions) {
    // Checkpoints run off the committing thread unless a caller (a test of the inline path) says not.
    this.store = openStore(options.dbPath, { backgroundCheckpoints: true, onStoreError: (m) => (options.log ?? console.error)(m), ...options });
    this.dataDir = options.dataDir ?? path.dirname(path.resolve(options.dbPath));
    this.transport = options.transport;
    this.version = options.version ?? '0.1.0';
    this.log = options.log ?? ((m) => console.error(m));
    this.settings = new SettingsStore(this.store);
    this.runsView = new RunsView(this.store);
    this.workersView = new WorkersView(this.store);
    this.audit = new AuditLog(this.store);
    this.approvals = new ApprovalStore(this.store, this.audit);
    this.policy = new PolicySettings(this.store, this.audit);
    this.tools = new ShoalToolGateway({
      store: this.store, bus: this.bus, approvals: this.approvals, policy: this.policy, env: options.env ?? process.env, version: this.version,
      killGraceMs: options.engine?.killGraceMs, cancelTask: (runId, taskId, by) => this.engine.cancelTask(runId, taskId, by),
    });
    this.engine = new FleetEngine({
      store: this.store, bus: this.bus, dataDir: this.dataDir, env: options.env ?? process.env, gateway: this.tools, ...options.engine,
      prepareRun: (run) => this.alerts.sealRun(run),
    });
    const secretCipher = options.secretCipher ?? new KeyFileCipher(this.dataDir);
    this.runtime = new Runtime({
      store: this.store, bus: this.bus, dataDir: this.dataDir, version: this.version, log: this.log, tools: () => this.tools,
      secretCipher, ...options.runtime,
    });
    this.alerts = new AlertService({
      store: this.store, fleet: this.engine.fleet, dataDir: this.dataDir, kv: this.runtime.kv, cipher: secretCipher, env: options.env ?? process.env, log: this.log,
      changed: () => this.bus.invalidate('alerts'), ...options.alerts,
      decideApproval: (id, decision, by) => {
        if (this.approvals.decide(id, decision, by).changed) this.bus.invalidate('approvals');
      },
    });
    this.audit.onAppend((e) => {
      if (e.action === 'approval.requested' || e.action === 'approval.decided') {
        this.alerts.hooks.emit(e.action, { approval_id: e.subject, actor: e.actor, ...(e.detail as Record<string, unknown> | null) });
      }
    });
    this.handlers = createHandlers(this);
  }

  /** Hosts that run work (the app, `shoal serve`, `shoal run`) start the engine; read-only
   *  commands never do. Starting recovers whatever a crash left behind. */
  start(): { recovered: number } {
    if (this.started) return { recovered: 0 };
    this.started = true;
    const started = this.engine.start();
    // After the engine has put orphaned attempts back: their waiting requests expire, visibly.
    this.tools.start();
    this.runtime.start();
    this.alerts.start();
    return started;
  }

  /** Validates a spec without writing anything. */
  validateSpec(text: string, filename?: string, workspace?: string | null): LoadResult {
    return loadSpec(text, { filename, workspace: workspace ?? null, defaultCapabilities: this.engine.defaultCapabilities });
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
    this.runtime.close();
    this.bus.close();
    if (this.store.db.open) this.store.close();
  }
}
