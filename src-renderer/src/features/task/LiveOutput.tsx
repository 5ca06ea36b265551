// The agent's output for one attempt, live: its tail first, then whatever it appends, read while the
// agent runs (and once more after it stops). Stays pinned to the bottom unless the person scrolls up.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ServerEvent } from '../../../../src-shared/contract';
import { useClient, useServerEvents } from '../../transport/query';
import { ErrorNotice } from '../../ui/QueryStatus';

const POLL_MS = 700;
const KEEP_CHARS = 1_000_000;

export function LiveOutput({ runId, taskId, attempt, live }: { runId: string; taskId: string; attempt: number; live: boolean }) {
  const client = useClient();
  const [text, setText] = useState<string | null>(null);
  const [trimmed, setTrimmed] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const offset = useRef<number | null>(null);
  const busy = useRef(false);
  const box = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);

  const read = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      const r = await client.call('tasks.logTail', { runId, taskId, attempt, ...(offset.current === null ? {} : { offset: offset.current }) });
      const first = offset.current === null;
      offset.current = r.nextOffset;
      if (first && r.offset > 0) setTrimmed(true);
      setText((prev) => {
        const next = (first ? '' : prev ?? '') + r.text;
        if (next.length <= KEEP_CHARS) return next;
        setTrimmed(true);
        return next.slice(next.length - KEEP_CHARS);
      });
      setError(null);
    } catch (e) {
      setError(e as Error);
    } finally {
      busy.current = false;
    }
  }, [client, runId, taskId, attempt]);

  useEffect(() => {
    offset.current = null;
    setText(null);
    setTrimmed(false);
    void read();
  }, [read]);

  useEffect(() => {
    if (!live) {
      // One last read picks up what the agent wrote just before it stopped.
      if (offset.current !== null) void read();
      return;
    }
    const id = window.setInterval(() => void read(), POLL_MS);
    return () => window.clearInterval(id);
  }, [live, read]);

  useServerEvents(useCallback((e: ServerEvent) => {
    if (e.type === 'worker_events' && e.runId === runId && e.events.some((ev) => ev.task_id === taskId)) void read();
  }, [runId, taskId, read]));

  useLayoutEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  if (error && text === null) return <ErrorNotice title="Could not read the agent's output" error={error} onRetry={() => void read()} />;
  return (
    <div className="live-output">
      <div className="live-output-bar">
        {live ? <span className="live-dot">Live</span> : <span className="muted">Output of attempt {attempt}</span>}
        {trimmed && <span className="muted">Showing the end; the whole log is in the artifacts.</span>}
      </div>
      <pre ref={box} className="log-pre" data-testid="live-output" tabIndex={0} aria-label={`Output of attempt ${attempt}`} aria-live="off"
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}>
        {text === null ? <span className="muted">Loading…</span> : text === '' ? <span className="muted">{live ? 'No output yet…' : 'This attempt wrote no output.'}</span> : text}
      </pre>
    </div>
  );
}
