// The conversation as it was stored, plus the reply still streaming in. Tool calls are folded with
// their policy verdict, approval and result into one card; the list follows the newest message
// unless the person has scrolled up to read.
import { useLayoutEffect, useMemo, useRef } from 'react';
import type { ThreadMessage } from '../../../../src-shared/contract';
import { hrefFor } from '../../app/use-route';
import { ToolCallCard } from './ToolCallCard';
import { segments, toolCallsByMessage } from './thread-format';
import type { Streaming } from './use-thread-stream';

export function MessageList({ history, streaming, busy }: { history: ThreadMessage[]; streaming: Streaming | null; busy: boolean }) {
  const calls = useMemo(() => toolCallsByMessage(history), [history]);
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const last = history[history.length - 1];
  // The saved reply and the stream may both be on screen for a frame; show it once.
  const showStream = streaming && (streaming.text || streaming.reasoning) && !(last?.role === 'assistant' && last.content === streaming.text);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [history, streaming]);

  return (
    <div ref={scroller} className="messages" data-testid="messages" role="log" aria-live="polite" aria-busy={busy}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}>
      {history.length === 0 && !showStream && <p className="messages-empty muted">Say what you want done. The model can run commands and edit files in this thread's folder; Shoal asks you before anything its policy marks as risky.</p>}
      {history.map((m) => {
        switch (m.role) {
          case 'user':
            return <div key={m.id} className="msg msg-user" data-testid="msg-user"><Text text={m.content} /></div>;
          case 'assistant':
            return <div key={m.id} className="msg msg-assistant" data-testid="msg-assistant"><Text text={m.content} /></div>;
          case 'tool_call': {
            const call = calls.get(m.id);
            return call ? <ToolCallCard key={m.id} call={call} /> : null;
          }
          case 'error':
            return <div key={m.id} className="msg msg-error" role="note" data-testid="msg-error">{m.content}</div>;
          case 'history':
            if (m.item?.type === 'fork' && typeof m.item.from_thread_id === 'string') {
              return <div key={m.id} className="msg-note">Forked from <a href={hrefFor('threads', m.item.from_thread_id)}>{m.item.from_thread_id}</a>: the model knows that conversation up to here.</div>;
            }
            return <div key={m.id} className="msg-note mono">{m.content}</div>;
          default:
            return null;
        }
      })}
      {showStream && (
        <div className="msg msg-assistant" data-testid="msg-streaming" data-streaming="true">
          {streaming.reasoning && !streaming.text && <p className="msg-reasoning">{streaming.reasoning}</p>}
          <Text text={streaming.text} />
          <span className="caret" aria-hidden="true" />
        </div>
      )}
      {busy && !showStream && <div className="msg-thinking" role="status"><span className="spinner" aria-hidden="true" />Working…</div>}
    </div>
  );
}

function Text({ text }: { text: string }) {
  return (
    <>
      {segments(text).map((s, i) => s.kind === 'code'
        ? <pre key={i} className="msg-code"><code>{s.text}</code></pre>
        : <p key={i} className="msg-text">{s.text.replace(/^\n+|\n+$/g, '')}</p>)}
    </>
  );
}
