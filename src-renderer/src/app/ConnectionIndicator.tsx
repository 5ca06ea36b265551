// Header status: which transport and whether it is connected. Electron IPC is always "open".
import { useClient } from '../transport/query';
import type { ConnectionState } from './use-connection-state';

export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  const kind = useClient().transport.kind;
  const where = kind === 'electron' ? 'Local' : 'Headless';
  const label = state.status === 'open' ? 'Connected' : state.lost ? 'Disconnected' : 'Connecting…';
  return (
    <div className="connection" data-testid="connection" data-status={state.status} data-lost={state.lost || undefined}
      title={`${where} transport: ${label.toLowerCase()}`}>
      <span className="connection-dot" aria-hidden="true" />
      <span>{label}</span>
      <span className="connection-kind">{where}</span>
    </div>
  );
}
