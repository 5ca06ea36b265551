// Every worker event of the task, oldest first, virtualized (a long agent run has tens of
// thousands): read in pages from the store, and read on from the last seq shown as events arrive.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ServerEvent } from '../../../../src-shared/contract';
import { useClient, useServerEvents } from '../../transport/query';
import { ErrorNotice } from '../../ui/QueryStatus';
import { humanize } from '../../ui/StatusPill';

type Ev = Record<string, unknown>;
const PAGE = 2000;
const ROW_H = 26;
const HEAD = new Set(['seq', 'run_id', 'worker_id', 'task_id', 'timestamp', 'state', 'extra']);
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 } as Intl.DateTimeFormatOptions);

const pair = ([k, v]: [string, unknown]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;

/** The event's own fields, led by the tool or approval lifecycle the gateway keeps in `extra`
 *  ("approval requested", "tool completed", …), so a person can follow a call through the policy. */
function details(e: Ev): string {
  const { attempt: _attempt, kind, phase, ...rest } = (e.extra ?? {}) as Record<string, unknown>;
  const lifecycle = typeof phase === 'string'
    ? [`${typeof kind === 'string' ? kind : 'tool'} ${phase}`, ...Object.entries(rest).filter(([, v]) => v !== null && v !== undefined && v !== '').map(pair)]
    : [];
  return [...lifecycle, ...Object.entries(e).filter(([k]) => !HEAD.has(k)).map(pair)].join('  ');
}

export function EventLog({ runId, taskId }: { runId: string; taskId: string }) {
  const client = useClient();
  const [events, setEvents] = useState<Ev[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const lastSeq = useRef(0);
  const loading = useRef(false);
  const again = useRef(false);
  const scroller = useRef<HTMLDivElement>(null);

  // The store is the one source: every read continues from the last seq shown, so nothing is shown
  // twice or out of order, and what the stream did not carry (events written while the connection
  // was down, or by another process such as `shoal run` in a terminal) is read all the same.
  const loadMore = useCallback(async () => {
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = true;
    try {
      do {
        again.current = false;
        for (;;) {
          const page = await client.call('tasks.events', { runId, taskId, afterSeq: lastSeq.current, limit: PAGE });
          if (page.events.length > 0) {
            lastSeq.current = Number(page.events[page.events.length - 1]!.seq);
            setEvents((prev) => [...prev, ...page.events]);
          }
          if (page.events.length < PAGE) break;
        }
      } while (again.current);
      setDone(true);
      setError(null);
    } catch (e) {
      setError(e as Error);
    } finally {
      loading.current = false;
    }
  }, [client, runId, taskId]);

  useEffect(() => {
    void loadMore();
  }, [loadMore]);

  // A live batch naming this task, or a reconnect / another process's write (both invalidate the
  // events family), reads what is new since the last seq shown.
  useServerEvents(useCallback((e: ServerEvent) => {
    const mine = e.type === 'worker_events' ? e.runId === runId && e.events.some((ev) => ev.task_id === taskId)
      : e.type === 'invalidate' && e.families.includes('events');
    if (mine) void loadMore();
  }, [runId, taskId, loadMore]));

  const virtual = useVirtualizer({ count: events.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 20 });

  if (error && events.length === 0) return <ErrorNotice title="Could not load the events" error={error} onRetry={() => void loadMore()} />;
  return (
    <div className="event-log" data-testid="event-log" data-count={events.length}>
      <div className="event-row event-head" role="presentation">
        <span>Seq</span><span>Time</span><span>Event</span><span>Attempt</span><span>Worker</span><span>Details</span>
      </div>
      <div ref={scroller} className="event-scroll" tabIndex={0} role="table" aria-label={`Events of ${taskId}`} aria-rowcount={events.length}>
        {events.length === 0 && <p className="muted pad">{done ? 'No events yet.' : 'Loading events…'}</p>}
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }} role="rowgroup">
          {virtual.getVirtualItems().map((item) => {
            const e = events[item.index]!;
            const extra = (e.extra ?? {}) as { attempt?: number };
            return (
              <div key={item.key} role="row" aria-rowindex={item.index + 1} className="event-row" data-state={String(e.state)}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_H, transform: `translateY(${item.start}px)` }}>
                <span role="cell" className="mono muted">{String(e.seq)}</span>
                <span role="cell" className="mono muted">{time.format(Date.parse(String(e.timestamp)))}</span>
                <span role="cell" className="event-state">{humanize(String(e.state))}</span>
                <span role="cell" className="mono">{extra.attempt ?? ''}</span>
                <span role="cell" className="muted">{String(e.worker_id || '—')}</span>
                <span role="cell" className="mono event-details" title={details(e)}>{details(e)}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
