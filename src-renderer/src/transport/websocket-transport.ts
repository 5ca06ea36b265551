// The headless transport: the contract over one WebSocket to `shoal serve`, with request ids,
// reconnection with backoff, and calls queued while (re)connecting.
import { QUERY_FAMILIES } from '../../../src-shared/contract/define';
import type { Envelope, ServerEvent } from '../../../src-shared/contract';
import type { ConnectionStatus, Transport } from './transport';

interface Pending {
  resolve: (e: Envelope<unknown>) => void;
}

export function websocketTransport(url: string): Transport {
  let socket: WebSocket | null = null;
  let nextId = 1;
  let retry = 0;
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  const listeners = new Set<(event: ServerEvent) => void>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  let status: ConnectionStatus = 'connecting';

  function setStatus(s: ConnectionStatus): void {
    status = s;
    for (const l of statusListeners) l(s);
  }

  function connect(): void {
    setStatus('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retry = 0;
      setStatus('open');
      for (const msg of queue.splice(0)) ws.send(msg);
      // Anything may have changed while we were away.
      for (const l of listeners) l({ type: 'invalidate', families: [...QUERY_FAMILIES] });
    };
    ws.onmessage = (msg) => {
      const data = JSON.parse(String(msg.data)) as { id?: number; envelope?: Envelope<unknown>; event?: ServerEvent };
      if (data.event) {
        for (const l of listeners) l(data.event);
      } else if (typeof data.id === 'number' && data.envelope) {
        pending.get(data.id)?.resolve(data.envelope);
        pending.delete(data.id);
      }
    };
    ws.onclose = () => {
      setStatus('closed');
      for (const [id, p] of pending) {
        p.resolve({ ok: false, error: { code: 'unavailable', message: 'Lost the connection to Shoal; retrying.' } });
        pending.delete(id);
      }
      const delay = Math.min(5000, 250 * 2 ** retry++);
      setTimeout(connect, delay);
    };
  }
  connect();

  return {
    kind: 'headless',
    call(method, input) {
      const id = nextId++;
      const msg = JSON.stringify({ id, method, input });
      return new Promise((resolve) => {
        pending.set(id, { resolve });
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(msg);
        else queue.push(msg);
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
  };
}

/** Under the headless host the page is opened as /?token=T. Keep the token for reconnects, then
 *  take it out of the address bar so it is not shared by a screenshot or a copied link. */
export function headlessSocketUrl(location: Location, storage: Storage): string {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem('shoal.token', fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
  }
  const token = fromUrl ?? storage.getItem('shoal.token') ?? '';
  return `ws://${location.host}/ws?token=${encodeURIComponent(token)}`;
}
