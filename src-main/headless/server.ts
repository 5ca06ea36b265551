// `shoal serve`: the same contract as the Electron app, over a WebSocket on 127.0.0.1 only, guarded
// by a random token, serving the built renderer. The renderer cannot tell the two transports apart.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ShoalCore } from '../core/shoal';
import { cookieToken, loopbackHost, newToken, sameOrigin, TOKEN_COOKIE, tokensEqual } from './auth';
import { serveStatic } from './static-files';

export interface HeadlessServerOptions {
  core: ShoalCore;
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface HeadlessServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Pushed events a socket may leave unread before it is dropped. A page that stopped reading (a
 *  suspended machine, a stuck tab) would otherwise hold every event of every run in this process's
 *  memory. Dropped, it reconnects once it reads again and refetches everything from the store, so
 *  nothing it shows is lost. */
export const MAX_UNREAD_BYTES = 8 * 1024 * 1024;

export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const token = options.token ?? newToken();
  const { core } = options;
  let port = options.port ?? 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!loopbackHost(req, port)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Shoal answers only to 127.0.0.1 or localhost.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    const queryToken = url.searchParams.get('token');
    if (!tokensEqual(queryToken, token) && !tokensEqual(cookieToken(req), token)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Shoal needs its access token: open the exact URL that `shoal serve` printed (it ends in ?token=…).');
      return;
    }
    // The page keeps the token in a same-site cookie so its assets and socket need no query string.
    const extra: Record<string, string> = queryToken ? { 'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/` } : {};
    serveStatic(options.rendererDir, url.pathname, res, extra);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ok = url.pathname === '/ws' && loopbackHost(req, port) && sameOrigin(req, port)
      && (tokensEqual(url.searchParams.get('token'), token) || tokensEqual(cookieToken(req), token));
    if (!ok) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const unsubscribe = core.bus.subscribe((event) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_UNREAD_BYTES) {
        unsubscribe();
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify({ event }));
    });
    ws.on('close', unsubscribe);
    ws.on('error', unsubscribe);
    ws.on('message', async (data) => {
      let msg: { id?: unknown; method?: unknown; input?: unknown };
      try {
        msg = JSON.parse(data.toString()) as typeof msg;
      } catch {
        ws.send(JSON.stringify({ id: null, envelope: { ok: false, error: { code: 'invalid_input', message: 'Message is not JSON.' } } }));
        return;
      }
      const envelope = await core.call(msg.method, msg.input, { transport: 'headless' });
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id ?? null, envelope }));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
