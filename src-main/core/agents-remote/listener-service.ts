// The host's agent listener as a service it can start and stop while it runs (Settings → Workers,
// `shoal serve --agents-listen`). A started configuration is remembered, so the app starts the same
// listener on its next start; a listener that cannot start then is reported in Settings, not fatal.
import type { FleetEngine } from '../fleet/engine';
import type { Store } from '../store/open';
import { SettingsTable } from '../store/settings-table';
import { startAgentListener, type AgentListener } from './agent-listener';
import type { RemoteJudgeGateway } from './remote-judges';
import {
  checkListenerConfig, DEFAULT_HEARTBEAT_SECONDS, type CheckedListener, isLoopback, LISTENER_CONFIG, ListenerConfigError, type ListenerConfig, type ListenerField,
} from './listener-config';
import { clearListener, readListener, recordListener } from './listener-record';

export interface ListenerStatus {
  running: boolean;
  /** What `shoal agent --join` takes, while running. */
  url: string | null;
  tls: boolean;
  /** Unencrypted on a non-loopback address (the person accepted it). */
  insecure: boolean;
  /** The configuration running now, else the last one started (for the form). */
  config: ListenerConfig | null;
  /** Started again when the host starts. */
  enabled: boolean;
  /** Why the last start failed, until one succeeds. */
  error: string | null;
  /** A listener another process (e.g. `shoal serve`) runs on this store. */
  elsewhere: { url: string; pid: number } | null;
}

export interface ListenerServiceDeps {
  store: Store;
  engine: FleetEngine;
  /** Judges agents' tool calls with this host's policy. */
  gateway: RemoteJudgeGateway;
  dataDir: string;
  log: (message: string) => void;
  changed: () => void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class AgentListenerService {
  private current: { listener: AgentListener; config: ListenerConfig; checked: CheckedListener } | null = null;
  private lastError: string | null = null;
  /** Starts and stops one at a time: a double click must not open two sockets. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Made once: status() and heartbeatMs() run on every workers query. */
  private readonly settings: SettingsTable;

  constructor(private readonly deps: ListenerServiceDeps) {
    this.settings = new SettingsTable(deps.store);
  }

  status(): ListenerStatus {
    const saved = this.settings.get(LISTENER_CONFIG);
    const config = this.current?.config ?? saved?.config ?? null;
    const rec = readListener(this.deps.store);
    const elsewhere = !this.current && rec && rec.pid !== process.pid && alive(rec.pid) ? { url: rec.url, pid: rec.pid } : null;
    const checked = this.current?.checked;
    return {
      running: checked !== undefined, url: this.current?.listener.url ?? null, tls: Boolean(checked?.tls),
      insecure: checked !== undefined && !checked.tls && !isLoopback(checked.host),
      config, enabled: saved?.enabled ?? false, error: this.lastError, elsewhere,
    };
  }

  /** The heartbeat interval agents are told to keep (for telling stale ones apart). */
  heartbeatMs(): number {
    const config = this.current?.config ?? this.settings.get(LISTENER_CONFIG)?.config;
    return (config?.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
  }

  /** The URL a join token should name: this host's listener, else a live one of another process. */
  joinUrl(): string | null {
    const s = this.status();
    return s.url ?? s.elsewhere?.url ?? null;
  }

  /** Starts (or restarts with a new configuration); throws ListenerConfigError naming the field. */
  start(config: ListenerConfig, opts: { persist: boolean; names?: (f: ListenerField) => string }): Promise<ListenerStatus> {
    return this.serially(async () => {
      const checked = checkListenerConfig(config, opts.names);
      const previous = this.current;
      await this.closeCurrent();
      let listener: AgentListener;
      try {
        listener = await this.open(checked);
      } catch (e) {
        // A change that cannot start must not cost the listener that ran: it is opened again as it
        // was (its agents reconnect), and the error says why the change was not made.
        // On the port it had (one asked for as :0 got its own): the address its agents were given.
        if (previous) await this.reopen(previous.config, { ...previous.checked, port: Number(new URL(previous.listener.url).port) });
        const code = (e as NodeJS.ErrnoException).code;
        const name = (opts.names ?? ((f) => f))('listen');
        const message = code === 'EADDRINUSE' ? `${name}: ${config.listen} is already in use by another program`
          : code === 'EADDRNOTAVAIL' ? `${name}: ${checked.host} is not an address of this computer`
            : `${name}: cannot listen on ${config.listen} (${(e as Error).message})`;
        this.lastError = message;
        this.deps.changed();
        throw new ListenerConfigError('listen', message);
      }
      this.current = { listener, config, checked };
      this.lastError = null;
      recordListener(this.deps.store, { url: listener.url, pid: process.pid, tls: checked.tls !== null });
      if (opts.persist) this.settings.set(LISTENER_CONFIG, { enabled: true, config });
      this.deps.changed();
      return this.status();
    });
  }

  private open(checked: CheckedListener): Promise<AgentListener> {
    return startAgentListener({
      store: this.deps.store, engine: this.deps.engine, gateway: this.deps.gateway, dataDir: this.deps.dataDir, log: this.deps.log, changed: this.deps.changed, ...checked,
    });
  }

  private async reopen(config: ListenerConfig, checked: CheckedListener): Promise<void> {
    try {
      const listener = await this.open(checked);
      this.current = { listener, config, checked };
      recordListener(this.deps.store, { url: listener.url, pid: process.pid, tls: checked.tls !== null });
    } catch (e) {
      this.deps.log(`[agents] the listener on ${config.listen} could not be opened again after a refused change: ${(e as Error).message}`);
    }
  }

  /** Stops it and remembers that it is off (the form keeps the configuration). */
  stop(): Promise<ListenerStatus> {
    return this.serially(async () => {
      await this.closeCurrent();
      const saved = this.settings.get(LISTENER_CONFIG);
      if (saved) this.settings.set(LISTENER_CONFIG, { ...saved, enabled: false });
      this.deps.changed();
      return this.status();
    });
  }

  /** Starts the remembered listener if it was on; a failure is logged and shown in Settings. */
  async startRemembered(): Promise<ListenerStatus> {
    const saved = this.settings.get(LISTENER_CONFIG);
    if (!saved?.enabled) return this.status();
    try {
      return await this.start(saved.config, { persist: false });
    } catch (e) {
      this.lastError = (e as Error).message;
      this.deps.log(`[agents] the agent listener was not started again: ${this.lastError}`);
      return this.status();
    }
  }

  /** Closes a revoked agent's connection, if it is connected here. */
  disconnect(agentId: string, message: string): boolean {
    return this.current?.listener.disconnect(agentId, message) ?? false;
  }

  /** Host shutdown: closes the socket, keeps the remembered state. */
  close(): Promise<void> {
    return this.serially(() => this.closeCurrent());
  }

  private async closeCurrent(): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.current = null;
    await c.listener.close();
    if (this.deps.store.db.open) clearListener(this.deps.store, process.pid);
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
