// Turns the transport's raw status into what the header shows. The socket flips between
// 'connecting' and 'closed' while it retries, so "lost" stays set until the socket is open again.
import { useEffect, useState } from 'react';
import { useConnectionStatus } from '../transport/query';
import type { ConnectionStatus } from '../transport/transport';

export interface ConnectionState {
  status: ConnectionStatus;
  /** The host went away (or never answered) and has not come back yet. */
  lost: boolean;
}

export function useConnectionState(): ConnectionState {
  const status = useConnectionStatus();
  const [lost, setLost] = useState(false);
  useEffect(() => {
    if (status === 'closed') setLost(true);
    else if (status === 'open') setLost(false);
  }, [status]);
  return { status, lost: lost || status === 'closed' };
}
