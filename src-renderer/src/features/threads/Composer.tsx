// Where the person writes. Enter sends, Shift+Enter starts a new line; while the model answers,
// Stop interrupts it.
import { useEffect, useRef, useState } from 'react';
import type { ThreadView } from '../../../../src-shared/contract';
import { hrefFor } from '../../app/use-route';
import { useShoalMutation } from '../../transport/query';

export function Composer({ thread, busy, noProvider }: { thread: ThreadView; busy: boolean; noProvider: boolean }) {
  const [text, setText] = useState('');
  const send = useShoalMutation('threads.message');
  const stop = useShoalMutation('threads.interrupt');
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), []);
  const disabled = thread.archived || noProvider;

  function submit(): void {
    const input = text.trim();
    if (!input || busy || disabled || send.isPending) return;
    send.mutate({ threadId: thread.id, input }, { onSuccess: () => setText('') });
  }

  return (
    <form className="composer" onSubmit={(e) => {
      e.preventDefault();
      submit();
    }}>
      {send.error && <p className="composer-error" role="alert">{send.error.message}</p>}
      {noProvider && <p className="composer-hint">Add a model provider in <a href={hrefFor('settings')}>Settings</a> to talk to a model.</p>}
      <div className="composer-row">
        <textarea ref={box} className="textarea composer-input" rows={2} value={text} disabled={disabled}
          placeholder={thread.archived ? 'Archived' : 'Message the model — Enter to send, Shift+Enter for a new line'}
          aria-label="Message" onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              submit();
            }
          }} />
        {busy
          ? <button type="button" className="button" onClick={() => stop.mutate({ threadId: thread.id })}>Stop</button>
          : <button type="submit" className="button button-primary" disabled={disabled || !text.trim() || send.isPending}>Send</button>}
      </div>
    </form>
  );
}
