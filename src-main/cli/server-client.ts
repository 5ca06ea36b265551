// A client of a running host's contract socket (`shoal serve` or the app's headless transport): the
// same methods the UI calls, validated on the host, for `shoal run --server`.
import WebSocket from 'ws';
import { RemoteError, type ErrorBody } from '../../src-shared/contract/envelope';
import { UsageError } from './io';

/** How long a host has to accept the UI socket. */
const CONNECT_TIMEOUT_MS = 15_000;

export class ServerClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; envelope?: { ok: boolean; value?: unknown; error?: ErrorBody } };
      if (typeof msg.id !== 'number' || !msg.envelope) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.envelope.ok) p.resolve(msg.envelope.value);
      // Its code and issues with it: a refused spec is told apart from a host that failed.
      else p.reject(new RemoteError(msg.envelope.error ?? { code: 'internal', message: 'the host refused the call' }));
    });
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('the host closed the connection'));
      this.pending.clear();
    });
  }

  /** URL: the address `shoal serve` prints (`http://127.0.0.1:PORT/?token=…`), or one without the
   *  token and the token given apart. */
  static async connect(url: string, token?: string): Promise<ServerClient> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new UsageError(`--server: "${url}" is not a URL (give the address \`shoal serve\` printed)`);
    }
    const t = token ?? u.searchParams.get('token');
    if (!t) throw new UsageError('--server: the URL has no ?token=…; give --token TOKEN');
    // A host that takes the connection and never answers (hung, or not a Shoal host) is given up on
    // after the handshake deadline rather than waited for forever.
    const ws = new WebSocket(`ws://${u.host}/ws?token=${encodeURIComponent(t)}`, { handshakeTimeout: CONNECT_TIMEOUT_MS });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      // The host only, never the URL: it carries the token.
      ws.once('unexpected-response', (_req, res) => reject(new Error(`${u.host}: HTTP ${res.statusCode}${res.statusCode === 401 ? ' (wrong token)' : ''}`)));
      ws.once('error', (e) => reject(new Error(`cannot reach ${u.host}: ${/handshake has timed out/.test(e.message) ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s (is it a running \`shoal serve\` or app?)` : e.message}`)));
    });
    return new ServerClient(ws);
  }

  call<T>(method: string, input: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, input }));
    });
  }

  close(): void {
    this.ws.close();
  }
}
