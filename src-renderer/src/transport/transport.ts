// The renderer talks to main through one of two transports with the same shape. Which one is a
// detail of how Shoal was started; nothing above this folder knows.
import type { Envelope, ServerEvent } from '../../../src-shared/contract';

export interface Transport {
  readonly kind: 'electron' | 'headless';
  call(method: string, input: unknown): Promise<Envelope<unknown>>;
  onEvent(listener: (event: ServerEvent) => void): () => void;
  /** 'open' | 'connecting' | 'closed' — the UI shows a banner when the host goes away. */
  onStatus?(listener: (status: ConnectionStatus) => void): () => void;
}

export type ConnectionStatus = 'open' | 'connecting' | 'closed';

interface PreloadApi {
  transport: 'electron';
  methods: Record<string, (input: unknown) => Promise<Envelope<unknown>>>;
  onEvent(listener: (event: unknown) => void): () => void;
}

declare global {
  interface Window {
    shoal?: PreloadApi;
  }
}

export function electronTransport(api: PreloadApi): Transport {
  return {
    kind: 'electron',
    call(method, input) {
      const fn = api.methods[method];
      if (!fn) return Promise.resolve({ ok: false, error: { code: 'unknown_method', message: `There is no method named "${method}".` } });
      return fn(input);
    },
    onEvent: (listener) => api.onEvent((e) => listener(e as ServerEvent)),
  };
}
