// Starts the configured MCP servers with Shoal and keeps them: each reports starting, then ready,
// failed (with the error) or cancelled, as mcp_startup_update frames, and a summary (ready, failed,
// cancelled) follows as mcp_startup_complete. A ready server's tools are
// offered to threads and agents through the tool gateway, named `<server>__<tool>` and judged by
// the exec policy like any other tool. A server that dies later is reported failed and its tools
// are withdrawn.
import type { McpStartupSummary } from '../../../src-shared/contract/frames';
import type { EventBus } from '../bus';
import type { ToolProvider } from '../tools/tool-gateway';
import type { McpConfigStore, McpLaunch, McpServerConfig, McpServerInput } from './mcp-config';
import { checkSecretsFollow, mergeSecrets, validateMcpInput } from './mcp-config';
import { McpConnection } from './mcp-connection';

export type McpServerStatus = 'starting' | 'ready' | 'failed' | 'cancelled' | 'stopped' | 'disabled';

export interface McpServerView {
  config: McpServerConfig;
  status: McpServerStatus;
  error: string | null;
  tools: Array<{ name: string; description: string }>;
  pid: number | null;
}

interface State {
  status: McpServerStatus;
  error: string | null;
  connection: McpConnection | null;
  unregister: (() => void) | null;
  controller: AbortController | null;
  /** Bumped on every start/stop so a slow start that lost the race does not overwrite newer state. */
  generation: number;
}

export interface McpManagerOptions {
  config: McpConfigStore;
  bus: EventBus | null;
  /** The tool gateway's registerProvider, when the gateway exists. */
  register: (provider: ToolProvider) => () => void;
  version: string;
  log: (message: string) => void;
  startupTimeoutMs?: number;
}

export class McpManager {
  private readonly states = new Map<string, State>();
  private lastSummary: McpStartupSummary | null = null;
  private stopped = false;

  constructor(private readonly opts: McpManagerOptions) {}

  list(): McpServerView[] {
    return this.opts.config.list().map((config) => {
      const s = this.states.get(config.name);
      return {
        config,
        status: s?.status ?? (config.enabled ? 'stopped' : 'disabled'),
        error: s?.error ?? null,
        tools: s?.connection && s.status === 'ready' ? s.connection.tools.map((t) => ({ name: t.name, description: t.description })) : [],
        pid: s?.status === 'ready' ? (s.connection?.pid ?? null) : null,
      };
    });
  }

  summary(): McpStartupSummary | null {
    return this.lastSummary;
  }

  /** Starts every enabled server at once and reports the summary when all have settled. */
  async startAll(): Promise<McpStartupSummary> {
    this.stopped = false;
    const servers = this.opts.config.list().filter((s) => s.enabled);
    await Promise.all(servers.map((s) => this.start(s.name)));
    const summary: McpStartupSummary = { ready: [], failed: [], cancelled: [] };
    for (const s of servers) {
      const st = this.states.get(s.name);
      if (st?.status === 'ready') summary.ready.push(s.name);
      else if (st?.status === 'failed') summary.failed.push({ server_name: s.name, error: st.error ?? 'failed' });
      else if (st?.status === 'cancelled') summary.cancelled.push(s.name);
    }
    this.lastSummary = summary;
    this.opts.bus?.frame({ type: 'frame', frame: { event: 'mcp_startup_complete', summary } });
    this.opts.bus?.invalidate('mcp');
    return summary;
  }

  /** (Re)starts one server; resolves when it is ready, failed or cancelled. */
  async start(name: string): Promise<McpServerView | null> {
    const config = this.opts.config.get(name);
    if (!config) return null;
    await this.stop(name, 'stopped');
    if (!config.enabled) {
      this.setState(name, { status: 'disabled', error: null });
      return this.view(name);
    }
    const state = this.state(name);
    const generation = ++state.generation;
    const controller = new AbortController();
    state.controller = controller;
    this.setState(name, { status: 'starting', error: null });
    try {
      const connection = await McpConnection.open(this.opts.config.launch(config), {
        version: this.opts.version, timeoutMs: this.opts.startupTimeoutMs ?? 30_000, signal: controller.signal,
        onToolsChanged: () => this.opts.bus?.invalidate('mcp'),
      });
      if (state.generation !== generation || controller.signal.aborted) {
        await connection.close();
        return this.view(name);
      }
      state.connection = connection;
      state.controller = null;
      connection.onClose((error) => {
        if (state.generation !== generation) return;
        state.unregister?.();
        state.unregister = null;
        state.connection = null;
        this.opts.log(`[shoal] MCP server ${name} stopped: ${error}`);
        this.setState(name, { status: 'failed', error });
      });
      state.unregister = this.opts.register(this.provider(name));
      this.setState(name, { status: 'ready', error: null });
    } catch (error) {
      if (state.generation !== generation) return this.view(name);
      state.controller = null;
      if (controller.signal.aborted) this.setState(name, { status: 'cancelled', error: null });
      else this.setState(name, { status: 'failed', error: (error as Error).message });
    }
    return this.view(name);
  }

  /** Stops one server: a start in progress is cancelled, a running one closed. */
  async stop(name: string, as: 'stopped' | 'cancelled' = 'stopped'): Promise<void> {
    const state = this.states.get(name);
    if (!state) return;
    state.generation++;
    const wasStarting = state.status === 'starting';
    state.controller?.abort();
    state.controller = null;
    state.unregister?.();
    state.unregister = null;
    const conn = state.connection;
    state.connection = null;
    await conn?.close();
    if (wasStarting) this.setState(name, { status: 'cancelled', error: null });
    else if (state.status !== 'stopped') this.setState(name, { status: as, error: null });
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.states.keys()].map((name) => this.stop(name)));
  }

  /** Saves a server's settings and restarts it with them (unless Shoal is shutting down). */
  async save(input: McpServerInput, previousName?: string): Promise<McpServerView> {
    const config = this.opts.config.save(input, previousName);
    if (previousName && previousName !== config.name) {
      await this.stop(previousName);
      this.states.delete(previousName);
    }
    this.opts.bus?.invalidate('mcp');
    if (!this.stopped) await this.start(config.name);
    return this.view(config.name)!;
  }

  async remove(name: string): Promise<boolean> {
    await this.stop(name);
    this.states.delete(name);
    const ok = this.opts.config.delete(name);
    this.opts.bus?.invalidate('mcp');
    return ok;
  }

  /** Connects once with these settings, lists the tools, disconnects: "Check connection". */
  async check(input: McpServerInput, previousName?: string): Promise<{ ok: boolean; message: string; tools: string[] }> {
    validateMcpInput(input);
    const stored = this.opts.config.get(previousName ?? input.name);
    checkSecretsFollow(input, stored);
    const storedLaunch = stored ? this.opts.config.launch(stored) : null;
    const launch: McpLaunch = input.transport === 'stdio'
      ? { name: input.name, transport: 'stdio', command: input.command, args: input.args ?? [], cwd: input.cwd ?? null, enabled: true, envKeys: [], env: mergeSecrets(input.env, storedLaunch?.env ?? {}), headers: {} }
      : { name: input.name, transport: 'http', url: input.url, enabled: true, headerKeys: [], env: {}, headers: mergeSecrets(input.headers, storedLaunch?.headers ?? {}) };
    try {
      const conn = await McpConnection.open(launch, { version: this.opts.version, timeoutMs: this.opts.startupTimeoutMs ?? 30_000 });
      const tools = conn.tools.map((t) => t.name);
      await conn.close();
      return { ok: true, message: `Connected: ${tools.length} ${tools.length === 1 ? 'tool' : 'tools'}${tools.length ? ` (${tools.slice(0, 6).join(', ')}${tools.length > 6 ? ', …' : ''})` : ''}.`, tools };
    } catch (error) {
      return { ok: false, message: `Could not connect: ${(error as Error).message}`, tools: [] };
    }
  }

  private view(name: string): McpServerView | null {
    return this.list().find((v) => v.config.name === name) ?? null;
  }

  private state(name: string): State {
    let s = this.states.get(name);
    if (!s) {
      s = { status: 'stopped', error: null, connection: null, unregister: null, controller: null, generation: 0 };
      this.states.set(name, s);
    }
    return s;
  }

  private setState(name: string, next: { status: McpServerStatus; error: string | null }): void {
    const s = this.state(name);
    s.status = next.status;
    s.error = next.error;
    if (next.status === 'starting' || next.status === 'ready' || next.status === 'failed' || next.status === 'cancelled') {
      this.opts.bus?.frame({ type: 'frame', frame: { event: 'mcp_startup_update', update: { server_name: name, status: next.status, ...(next.error ? { error: next.error } : {}) } } });
    }
    this.opts.bus?.invalidate('mcp');
  }

  private provider(name: string): ToolProvider {
    const state = () => this.states.get(name);
    return {
      id: `mcp:${name}`,
      listTools: () => {
        const s = state();
        return s?.status === 'ready' && s.connection ? s.connection.descriptors(name) : [];
      },
      call: async (tool, args, signal) => {
        const s = state();
        if (s?.status !== 'ready' || !s.connection) return { output: `The MCP server ${name} is not running (${s?.error ?? s?.status ?? 'stopped'}).`, isError: true };
        const bare = tool.startsWith(`${name}__`) ? tool.slice(name.length + 2) : tool;
        return s.connection.call(bare, args, signal);
      },
    };
  }
}
