// Keeps a TimelineModel in step with the host: the whole timeline once, then, whenever worker
// events of this run arrive live, only what changed since the last seq (at most a few times a
// second, however fast events come). Bars, never raw events, cross the transport.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ServerEvent } from '../../../../src-shared/contract';
import { useClient, useServerEvents } from '../../transport/query';
import { TimelineModel } from './timeline-model';

const DELTA_EVERY_MS = 250;

export function useTimelineData(runId: string) {
  const client = useClient();
  const model = useRef(new TimelineModel()).current;
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const [loaded, setLoaded] = useState(false);
  const inFlight = useRef(false);
  const again = useRef(false);
  const timer = useRef<number | null>(null);
  const scheduleRef = useRef<() => void>(() => {});

  const fetchNow = useCallback(async (full: boolean) => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      const t = await client.call('runs.timeline', { runId, afterSeq: full ? 0 : model.lastSeq });
      if (t.full || t.bars.length > 0 || t.queue.length > 0 || t.lanes.length !== model.lanes.length) {
        model.apply(t);
        setVersion(model.version);
      }
      setError(null);
      setLoaded(true);
    } catch (e) {
      setError(e as Error);
    } finally {
      inFlight.current = false;
      if (again.current) {
        again.current = false;
        scheduleRef.current();
      }
    }
  }, [client, runId, model]);

  const schedule = useCallback(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      void fetchNow(!loaded);
    }, DELTA_EVERY_MS);
  }, [fetchNow, loaded]);
  scheduleRef.current = schedule;

  useEffect(() => {
    void fetchNow(true);
    return () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
      timer.current = null;
    };
  }, [fetchNow]);

  useServerEvents(useCallback((event: ServerEvent) => {
    // Live events of this run, or a reconnect / review (which invalidate the events family).
    if ((event.type === 'worker_events' && event.runId === runId) || (event.type === 'invalidate' && event.families.includes('events'))) schedule();
  }, [runId, schedule]));

  return { model, version, error, loaded, retry: () => void fetchNow(true) };
}
