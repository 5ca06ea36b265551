// A typed client over whichever transport is present: call('runs.list', {...}) is checked against
// the contract at compile time, and errors arrive as RemoteError.
import { RemoteError } from '../../../src-shared/contract/envelope';
import type { MethodInput, MethodName, MethodOutput } from '../../../src-shared/contract';
import { electronTransport, type Transport } from './transport';
import { headlessSocketUrl, websocketTransport } from './websocket-transport';

export interface Client {
  transport: Transport;
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
}

export function createClient(transport: Transport): Client {
  return {
    transport,
    async call(method, input) {
      const envelope = await transport.call(method, input);
      if (!envelope.ok) throw new RemoteError(envelope.error);
      return envelope.value as never;
    },
  };
}

export function detectTransport(): Transport {
  if (window.shoal?.transport === 'electron') return electronTransport(window.shoal);
  return websocketTransport(headlessSocketUrl(window.location, window.sessionStorage));
}
