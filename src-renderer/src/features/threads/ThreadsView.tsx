// Threads: conversations with a model, whose tool calls go through the exec policy and the approval
// dialog. The list (search, archived filter) on the left, the open conversation on the right;
// `#/threads/<id>` opens one.
import { useState } from 'react';
import { hrefFor, useRoute } from '../../app/use-route';
import { useShoalQuery } from '../../transport/query';
import { EmptyState } from '../../ui/EmptyState';
import { ThreadsIcon } from '../../ui/icons';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { Conversation } from './Conversation';
import { NewThreadDialog } from './NewThreadDialog';
import { ThreadList } from './ThreadList';
import '../../ui/ui-extra.css';
import './threads.css';

export function ThreadsView() {
  const route = useRoute();
  const threadId = route.params[0] ?? null;
  const [query, setQuery] = useState('');
  const [includeArchived, setIncludeArchived] = useState(false);
  const list = useShoalQuery('threads.list', { includeArchived, limit: 200, ...(query.trim() ? { query: query.trim() } : {}) }, { placeholderData: (prev) => prev });
  const providers = useShoalQuery('providers.list', {});
  const [starting, setStarting] = useState(false);
  const newThread = () => setStarting(true);
  const dialog = starting && <NewThreadDialog onClose={() => setStarting(false)} />;

  if (list.isPending) return <Loading label="Loading threads…" />;
  if (list.isError) return <ErrorNotice title="Could not load threads" error={list.error} onRetry={() => void list.refetch()} />;
  const noProvider = providers.data !== undefined && providers.data.length === 0;
  const filtering = query.trim() !== '' || includeArchived;
  if (list.data.threads.length === 0 && !filtering && !threadId) {
    return (
      <EmptyState testId="threads-empty" icon={<ThreadsIcon size={22} />} title="No threads yet">
        <p>
          A thread is a conversation with a model that can work in a folder on this computer. Every tool call it makes —
          a shell command, a file write, an MCP server's tool — goes through Shoal's exec policy, and waits for you when
          the policy says ask.
        </p>
        {noProvider && <p className="muted">First <a href={hrefFor('settings')}>add a model provider in Settings</a>: any OpenAI-compatible endpoint, including Ollama and llama.cpp.</p>}
        <div className="empty-actions">
          <button type="button" className="button button-primary" onClick={newThread}>New thread</button>
        </div>
        {dialog}
      </EmptyState>
    );
  }
  return (
    <div className="threads">
      <ThreadList threads={list.data.threads} selected={threadId} query={query} onQuery={setQuery}
        includeArchived={includeArchived} onIncludeArchived={setIncludeArchived} onNew={newThread} />
      {threadId
        ? <Conversation key={threadId} threadId={threadId} noProvider={noProvider} />
        : (
          <div className="conv-placeholder" data-testid="thread-placeholder">
            <p>Pick a thread on the left, or start a new one.</p>
            {noProvider && <p className="muted">Threads need a model provider: <a href={hrefFor('settings')}>add one in Settings</a>.</p>}
          </div>
        )}
      {dialog}
    </div>
  );
}
