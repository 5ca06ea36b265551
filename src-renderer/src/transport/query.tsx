// react-query wiring: one QueryClient, keys that start with a contract query family, and the event
// stream from main invalidating exactly the families that changed.
import { QueryClient, QueryClientProvider, useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { MethodInput, MethodName, MethodOutput, ServerEvent } from '../../../src-shared/contract';
import { queryFamilyOf } from '../../../src-shared/contract/families';
import type { Client } from './client';
import type { ConnectionStatus } from './transport';

const ClientContext = createContext<Client | null>(null);

export function useClient(): Client {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside <ShoalProvider>');
  return client;
}

export function ShoalProvider({ client, children }: { client: Client; children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: false } } }));
  useEffect(() => client.transport.onEvent((event: ServerEvent) => {
    if (event.type === 'invalidate') {
      for (const family of event.families) invalidateFamily(queryClient, family);
    }
  }), [client, queryClient]);
  return (
    <ClientContext.Provider value={client}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </ClientContext.Provider>
  );
}

/** Marks a family's reads stale and refetches the ones on screen. A first read still in flight when the
 *  change comes answers with what main had before it, and react-query does not refetch a query that
 *  has no data yet when it is invalidated (it waits for that fetch): such a read is asked again once
 *  its answer is in, or a view could keep the state from before the change (a run's Land section
 *  saying nothing can land, after the run finished) until something else changed. */
function invalidateFamily(queryClient: QueryClient, family: string): void {
  const cache = queryClient.getQueryCache();
  for (const query of cache.findAll({ queryKey: [family] })) {
    if (query.state.data !== undefined || query.state.fetchStatus !== 'fetching') continue;
    const stop = cache.subscribe((e) => {
      if (e.query !== query) return;
      if (e.type === 'removed') return stop();
      if (e.type !== 'updated' || query.state.fetchStatus === 'fetching') return;
      stop();
      void queryClient.invalidateQueries({ queryKey: query.queryKey, exact: true });
    });
  }
  void queryClient.invalidateQueries({ queryKey: [family] });
}

export function useShoalQuery<M extends MethodName>(method: M, input: MethodInput<M>, options?: Partial<UseQueryOptions<MethodOutput<M>>>) {
  const client = useClient();
  return useQuery<MethodOutput<M>>({
    queryKey: [queryFamilyOf(method), method, input],
    queryFn: () => client.call(method, input),
    ...options,
  });
}

export function useShoalMutation<M extends MethodName>(method: M) {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation<MethodOutput<M>, Error, MethodInput<M>>({
    mutationFn: (input) => client.call(method, input),
    // Main pushes an `invalidate` event naming the contract's families for every successful call;
    // refetching our own family at once keeps the acting view snappy without importing the contract.
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: [queryFamilyOf(method)] }),
  });
}

export function useServerEvents(listener: (event: ServerEvent) => void): void {
  const client = useClient();
  useEffect(() => client.transport.onEvent(listener), [client, listener]);
}

export function useConnectionStatus(): ConnectionStatus {
  const client = useClient();
  const [status, setStatus] = useState<ConnectionStatus>('open');
  useEffect(() => client.transport.onStatus?.(setStatus), [client]);
  return status;
}
