// One conversation: its header (rename, fork, make a task, archive), the messages with the reply
// streaming in and tool calls inline with their approval state, and the composer.
import { useEffect, useRef, useState } from 'react';
import type { ThreadResponse, ThreadView } from '../../../../src-shared/contract';
import { hrefFor, navigate } from '../../app/use-route';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { useToast } from '../../ui/Toaster';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { TaskFromThreadDialog } from './TaskFromThreadDialog';
import { threadTitle } from './thread-format';
import { useThreadStream } from './use-thread-stream';

export function Conversation({ threadId, noProvider }: { threadId: string; noProvider: boolean }) {
  const read = useShoalQuery('threads.read', { threadId });
  const streaming = useThreadStream(threadId, read.data?.thread
    ? { activeTurn: read.data.data.activeTurn, busy: read.data.thread.busy, fetchedAt: read.dataUpdatedAt }
    : null);
  const [makingTask, setMakingTask] = useState(false);
  if (read.isPending) return <div className="conversation"><Loading label="Loading the conversation…" /></div>;
  if (read.isError) return <div className="conversation"><ErrorNotice title="Could not open this thread" error={read.error} onRetry={() => void read.refetch()} /></div>;
  const thread = read.data.thread;
  if (!thread) {
    return (
      <div className="conversation">
        <div className="notice" role="alert"><div className="notice-text"><strong>This thread does not exist</strong><p>It may have been removed. <a href={hrefFor('threads')}>Back to all threads</a></p></div></div>
      </div>
    );
  }
  const busy = thread.busy || streaming !== null;
  return (
    <section className="conversation" aria-label={threadTitle(thread)} data-testid="conversation" data-busy={busy || undefined}>
      <ConversationHead thread={thread} onMakeTask={() => setMakingTask(true)} />
      <MessageList history={read.data.data.history ?? []} streaming={streaming} busy={busy} />
      <Composer thread={thread} busy={busy} noProvider={noProvider} />
      {makingTask && <TaskFromThreadDialog thread={thread} onClose={() => setMakingTask(false)} />}
    </section>
  );
}

function ConversationHead({ thread, onMakeTask }: { thread: ThreadView; onMakeTask: () => void }) {
  const [renaming, setRenaming] = useState(false);
  const fork = useShoalMutation('threads.fork');
  const archive = useShoalMutation('threads.archive');
  const unarchive = useShoalMutation('threads.unarchive');
  const toast = useToast();
  const failed = (what: string) => (e: Error) => toast(`Could not ${what}: ${e.message}`, 'failed');
  return (
    <header className="conv-head">
      <div className="conv-title-row">
        {renaming
          ? <RenameField thread={thread} onDone={() => setRenaming(false)} />
          : (
            <h2 className="conv-title">
              <button type="button" className="conv-title-button" title="Rename" onClick={() => setRenaming(true)}>{threadTitle(thread)}</button>
            </h2>
          )}
        <div className="conv-actions">
          <button type="button" className="button button-small" onClick={() => setRenaming(true)}>Rename</button>
          <button type="button" className="button button-small" disabled={fork.isPending}
            onClick={() => fork.mutate({ threadId: thread.id }, {
              onSuccess: (r: ThreadResponse) => {
                toast('Forked: the new thread carries on from here.');
                navigate(hrefFor('threads', r.threadId));
              },
              onError: failed('fork the thread'),
            })}>Fork</button>
          <button type="button" className="button button-small" onClick={onMakeTask}>Make a task</button>
          {thread.archived
            ? <button type="button" className="button button-small" onClick={() => unarchive.mutate({ threadId: thread.id }, { onError: failed('unarchive') })}>Unarchive</button>
            : <button type="button" className="button button-small" onClick={() => archive.mutate({ threadId: thread.id }, { onError: failed('archive') })}>Archive</button>}
        </div>
      </div>
      <p className="conv-meta">
        <span>{thread.providerName ?? <em>no provider</em>}{thread.model !== 'auto' ? ` · ${thread.model}` : ''}</span>
        <span className="mono" title="Working folder: tools run here">{thread.cwd}</span>
        {thread.forkedFrom && <span>Forked from <a href={hrefFor('threads', thread.forkedFrom)}>another thread</a></span>}
      </p>
      {thread.archived && <p className="conv-archived" role="status">This thread is archived. Unarchive it to carry on the conversation.</p>}
    </header>
  );
}

function RenameField({ thread, onDone }: { thread: ThreadView; onDone: () => void }) {
  const rename = useShoalMutation('threads.setName');
  const [name, setName] = useState(thread.name ?? threadTitle(thread));
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  function save(): void {
    if (!name.trim() || name.trim() === thread.name) return onDone();
    rename.mutate({ threadId: thread.id, name: name.trim() }, { onSettled: onDone });
  }
  return (
    <form className="conv-rename" onSubmit={(e) => {
      e.preventDefault();
      save();
    }}>
      <input ref={input} className="input" aria-label="Thread name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onDone();
          }
        }} onBlur={save} />
    </form>
  );
}
