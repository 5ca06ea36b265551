import type { WorkerActivity, WorkerRow } from '../../../../src-shared/contract';
import { hrefFor } from '../../app/use-route';
import { useShoalQuery } from '../../transport/query';
import { formatAbsolute, formatMemory, formatPercent, formatRelative } from '../../ui/format';
import { StatusPill } from '../../ui/StatusPill';
import { useNow } from '../../ui/use-now';
import { Sparkline } from './Sparkline';
import { WorkerActions } from './WorkerActions';
import { hostFacts } from './host-facts';
import { hostLine, presentWorker } from './worker-tone';

/** Takes the reader to the first of a worker's entries in "Still to stop on hosts" (focused, so the
 *  keyboard and a screen reader land there too). */
function showOwed(workerId: string): void {
  const entry = document.querySelector<HTMLElement>(`[data-testid="owed-reap"][data-worker-id="${CSS.escape(workerId)}"]`);
  if (!entry) return;
  entry.scrollIntoView({ block: 'center', behavior: 'smooth' });
  entry.focus({ preventScroll: true });
}

export function WorkersTable({ workers, activity, owed }: {
  workers: WorkerRow[];
  activity: ReadonlyMap<string, WorkerActivity>;
  /** Work still to stop on hosts (owed reaps), per worker id; a worker without any is absent. */
  owed: ReadonlyMap<string, number>;
}) {
  const now = useNow(1000);
  // Kept workers (their row's id is their name) can be removed from here.
  const kept = useShoalQuery('workers.kept', {});
  const keptTargets = new Map((kept.data ?? []).map((k) => [k.name, k.target]));
  return (
    <table className="table workers-table" data-testid="workers-table">
      <thead>
        <tr>
          <th scope="col" className="col-status">Status</th>
          <th scope="col" className="col-title">Worker</th>
          <th scope="col" className="col-current">Running now</th>
          <th scope="col" className="col-num">Load</th>
          <th scope="col">CPU</th>
          <th scope="col">Memory</th>
          <th scope="col" className="col-time">Heartbeat</th>
          <th scope="col"><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {workers.map((w) => {
          const act = activity.get(w.id);
          const samples = act?.samples ?? [];
          const shown = presentWorker(w, now);
          const toStop = owed.get(w.id) ?? 0;
          // A kept worker's target says its Docker daemon too; any other SSH or Docker worker's comes with its row.
          const where = hostLine(w.hostKind, keptTargets.get(w.id) ?? w.where ?? undefined);
          const machine = w.agent?.facts ? hostFacts(w.agent.facts) : null;
          return (
            <tr key={w.id} data-testid="worker-row" data-worker-id={w.id} data-status={w.status} data-state={w.state} data-agent-state={w.agent?.state}>
              <td><StatusPill tone={shown.pill.tone} label={shown.pill.label} pulse={shown.pill.pulse} /></td>
              <td className="cell-title">
                <div className="stack">
                  <span className="worker-name-line">
                    <span className="cell-name">{w.name}</span>
                    {toStop > 0 && (
                      <button type="button" className="badge owed-badge" data-testid="worker-owed" onClick={() => showOwed(w.id)}
                        title={`Shoal still has to stop the work of ${toStop} ${toStop === 1 ? 'attempt' : 'attempts'} on this worker's host: see Still to stop on hosts, below`}>
                        {toStop} to stop
                      </button>
                    )}
                  </span>
                  <span className="cell-sub worker-host" data-testid="worker-host"
                    title={[where, w.capabilities.length > 0 ? `Capabilities: ${w.capabilities.join(', ')}` : ''].filter(Boolean).join('\n')}>
                    {where}{w.capabilities.length > 0 ? ' · ' : ''}{w.capabilities.join(', ')}
                  </span>
                  {shown.note && <span className="cell-sub worker-reason" data-testid="worker-reason" tabIndex={0} data-kind={shown.note.kind} title={shown.note.title ?? shown.note.text}>{shown.note.text}</span>}
                  {w.agent && (
                    <span className="cell-sub agent-meta" data-testid="agent-meta">
                      <span className="mono" title={w.agent.hostname ? `host ${w.agent.hostname}` : undefined}>{w.agent.address ?? 'address unknown'}</span>
                      {' · '}shoal {w.agent.version ?? '?'}
                      {w.agent.revokedAt && <> · revoked {formatRelative(w.agent.revokedAt, now)}</>}
                    </span>
                  )}
                  {machine && (
                    <span className="cell-sub agent-facts" data-testid="agent-facts" title={`What its machine has (said when it connected): ${machine}`}>{machine}</span>
                  )}
                </div>
              </td>
              <td className="worker-current">
                {act && act.current.length > 0
                  ? (
                    <ul className="current-tasks">
                      {act.current.slice(0, 3).map((c) => (
                        <li key={`${c.runId}/${c.taskId}`}><a href={hrefFor('runs', c.runId, c.taskId)} title={`${c.taskName} · ${c.runName} · attempt ${c.attempt}`}>{c.taskName}</a> <span className="muted">{formatRelative(c.since, now)}</span></li>
                      ))}
                      {act.current.length > 3 && <li className="muted">and {act.current.length - 3} more</li>}
                    </ul>
                  )
                  : <span className="muted">{shown.idle}</span>}
              </td>
              <td className="col-num">
                {shown.gone && w.running === 0
                  ? <span className="muted">—</span>
                  : (
                    <div className="load">
                      <span className="mono">{w.running}/{w.maxConcurrent ?? '∞'}</span>
                      {w.maxConcurrent ? <span className="load-bar" aria-hidden="true"><span style={{ width: `${Math.min(100, (w.running / w.maxConcurrent) * 100)}%` }} /></span> : null}
                    </div>
                  )}
              </td>
              <td><Sparkline values={samples.map((s) => s.cpu)} max={100} stale={!shown.live} label={`CPU of ${w.name}`} format={(v) => formatPercent(v)} /></td>
              <td><Sparkline values={samples.map((s) => s.mem)} stale={!shown.live} label={`Memory of ${w.name}`} format={(v) => formatMemory(v)} /></td>
              <td className="col-time" title={w.lastHeartbeatAt ? `Last heartbeat ${formatAbsolute(w.lastHeartbeatAt)}` : 'No heartbeat yet'}>{shown.heartbeat}</td>
              <td><WorkerActions worker={w} offer={shown.actions} kept={keptTargets.has(w.id)} /></td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
