// The control plane's door for remote agents: its own HTTP(S) server and WebSocket endpoint, apart
// from the UI's token. Loopback unless TLS is configured or the person explicitly accepts an
// unencrypted listener. Besides the socket it serves one thing: the base-commit bundle of a run, to
// agents that present their credential.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { MAX_WORKER_FRAME_BYTES, WORKER_PROTOCOL_PATH } from '../../../src-shared/protocol/worker-protocol';
import type { FleetEngine } from '../fleet/engine';
import type { Store } from '../store/open';
import { AgentCredentials } from './agent-credentials';
import { AgentSession } from './agent-session';
import { isLoopback, splitListenAddress } from './listener-config';
import { RemoteJudges, type RemoteJudgeGateway } from './remote-judges';
import { RunBundles } from './run-bundles';

export interface AgentListenerOptions {
  store: Store;
  engine: FleetEngine;
  /** The control plane's tool gateway: agents' tool calls are judged by its policy and approvals. */
  gateway: RemoteJudgeGateway;
  dataDir: string;
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string } | null;
  /** A non-loopback address without TLS is refused unless this is set. */
  insecure?: boolean;
  /** How long a silent agent keeps a lease (Settings → Workers or `--lease-seconds`); a task's own
   *  `metadata.lease_seconds` wins over it. */
  leaseMs: number;
  heartbeatMs: number;
  log: (message: string) => void;
  /** Told whenever an agent joins, reports, goes stale or leaves, so open views refresh. */
  changed?: () => void;
}

export interface AgentListener {
  /** What `shoal agent --join` takes: ws://HOST:PORT or wss://HOST:PORT. */
  url: string;
  port: number;
  /** Closes a connected agent's session with a refusal (its credential was revoked); false when it
   *  is not connected here. */
  disconnect(agentId: string, message: string): boolean;
  close(): Promise<void>;
}

export { isLoopback };

/** HOST:PORT, [v6]:PORT or just PORT (loopback). */
export function parseListenAddress(text: string): { host: string; port: number } {
  const addr = splitListenAddress(text);
  if (!addr) throw new Error(`--agents-listen: "${text}" is not HOST:PORT (for example 127.0.0.1:7071)`);
  if (addr.port > 65535) throw new Error(`--agents-listen: port ${addr.port} is out of range`);
  return addr;
}

export async function startAgentListener(opts: AgentListenerOptions): Promise<AgentListener> {
  if (!isLoopback(opts.host) && !opts.tls && !opts.insecure) {
    throw new Error(`--agents-listen ${opts.host}: agents would send credentials and code unencrypted over the network; give --tls-cert FILE --tls-key FILE, or --insecure-agents to accept that`);
  }
  const credentials = new AgentCredentials(opts.store);
  const bundles = new RunBundles(opts.store, opts.dataDir);
  const sessions = new Map<string, AgentSession>();
  const judges = new RemoteJudges(opts.gateway, opts.engine, opts.store);
  // Cancelled attempts whose agent has not yet reported them, by lease token: a stop is pushed at
  // once when the agent is connected, and again with each renewal until its outcome arrives.
  const cancelled = new Map<string, string>();
  const leaseOfTask = opts.store.db.prepare<[string, string], { seq: number; attempts: number; lease_token: string | null; worker_id: string | null }>(
    'SELECT rowid AS seq, attempts, lease_token, worker_id FROM tasks WHERE run_id = ? AND task_id = ?');
  const isAgent = opts.store.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM remote_agents WHERE id = ?');
  const tokenLive = opts.store.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM tasks WHERE lease_token = ?');
  const stopRemote = opts.engine.onRemoteCancel((runId, taskId, by) => {
    const row = leaseOfTask.get(runId, taskId);
    if (!row?.lease_token || !row.worker_id || !isAgent.get(row.worker_id)) return false;
    const ref = { run_id: runId, task_id: taskId, attempt: row.attempts, token: row.lease_token, inbox_seq: row.seq };
    cancelled.set(ref.token, by);
    sessions.get(row.worker_id)?.stopAttempt(ref, by);
    opts.log(`[agents] ${runId}/${taskId}#${ref.attempt} cancelled by ${by}: stopping it on agent ${row.worker_id}`);
    return true;
  });
  const handler: http.RequestListener = (req, res) => {
    void serveBundle(req, res, credentials, bundles);
  };
  const server = opts.tls
    ? https.createServer({ cert: fs.readFileSync(opts.tls.certFile), key: fs.readFileSync(opts.tls.keyFile) }, handler)
    : http.createServer(handler);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WORKER_FRAME_BYTES });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== WORKER_PROTOCOL_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      new AgentSession(ws, {
        store: opts.store, engine: opts.engine, credentials, bundles, dataDir: opts.dataDir, judges, cancelledBy: (token) => cancelled.get(token), leaseMs: opts.leaseMs, heartbeatMs: opts.heartbeatMs, log: opts.log, changed: opts.changed,
        claim: (id, s) => {
          const old = sessions.get(id);
          sessions.set(id, s);
          if (old && old !== s) old.close(4001, 'replaced by a newer connection of the same agent');
        },
        release: (id, s) => {
          if (sessions.get(id) === s) sessions.delete(id);
        },
      }, address);
    });
  });
  const staleTimer = setInterval(() => {
    if (!opts.store.db.open) return;
    for (const s of sessions.values()) s.checkStale(Date.now());
    judges.sweep();
    for (const [token] of cancelled) if (!tokenLive.get(token)) cancelled.delete(token);
  }, opts.heartbeatMs);
  staleTimer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host;
  const url = `${opts.tls ? 'wss' : 'ws'}://${hostInUrl}:${port}`;
  return {
    url,
    port,
    disconnect: (agentId, message) => {
      const s = sessions.get(agentId);
      if (!s) return false;
      s.fail('revoked', message);
      return true;
    },
    close: () => new Promise<void>((resolve) => {
      clearInterval(staleTimer);
      stopRemote();
      judges.closeAll();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** GET /agents/v1/runs/RUN/base.bundle with `Authorization: Bearer AGENT_ID:CREDENTIAL`. */
async function serveBundle(req: http.IncomingMessage, res: http.ServerResponse, credentials: AgentCredentials, bundles: RunBundles): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const m = new RegExp(`^${WORKER_PROTOCOL_PATH}/runs/([^/]+)/base\\.bundle$`).exec(url.pathname);
  if (req.method !== 'GET' || !m) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Shoal agent listener: not found\n');
    return;
  }
  const auth = /^Bearer ([^:]+):(.+)$/.exec(req.headers.authorization ?? '');
  const ok = auth ? credentials.authenticate(auth[1]!, auth[2]!) : null;
  if (!ok?.ok) {
    res.writeHead(401, { 'content-type': 'text/plain' }).end(`${ok && !ok.ok ? ok.refusal.message : 'an agent credential is required'}\n`);
    return;
  }
  try {
    const file = await bundles.fileFor(decodeURIComponent(m[1]!));
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('this run has no git workspace\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`);
  }
}
