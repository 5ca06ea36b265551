import type { WorkerRow } from '../../../../src-shared/contract';
import { formatAbsolute, formatMemory, formatPercent, formatRelative } from '../../ui/format';
import { humanize, StatusPill } from '../../ui/StatusPill';
import { useNow } from '../../ui/use-now';
import { hostLabel, workerTone } from './worker-tone';

export function WorkersTable({ workers }: { workers: WorkerRow[] }) {
  const now = useNow(10_000);
  return (
    <table className="table" data-testid="workers-table">
      <thead>
        <tr>
          <th scope="col" className="col-status">Status</th>
          <th scope="col" className="col-title">Worker</th>
          <th scope="col">Host</th>
          <th scope="col" className="col-num">Load</th>
          <th scope="col" className="col-num">CPU</th>
          <th scope="col" className="col-num">Memory</th>
          <th scope="col" className="col-time">Heartbeat</th>
        </tr>
      </thead>
      <tbody>
        {workers.map((w) => (
          <tr key={w.id}>
            <td><StatusPill tone={workerTone(w.status)} label={humanize(w.status)} /></td>
            <td className="cell-title">
              <div className="stack">
                <span className="cell-name">{w.name}</span>
                {w.capabilities.length > 0 && <span className="chips" aria-label="Capabilities">{w.capabilities.map((c) => <span key={c} className="chip">{c}</span>)}</span>}
              </div>
            </td>
            <td className="muted">{hostLabel(w.hostKind)}</td>
            <td className="col-num mono">{w.running}/{w.maxConcurrent ?? '∞'}</td>
            <td className="col-num mono">{formatPercent(w.cpuPercent)}</td>
            <td className="col-num mono">{formatMemory(w.memoryMb)}</td>
            <td className="col-time" title={formatAbsolute(w.lastHeartbeatAt)}>{formatRelative(w.lastHeartbeatAt, now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
