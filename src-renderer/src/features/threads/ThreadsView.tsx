import { EmptyState } from '../../ui/EmptyState';
import { ThreadsIcon } from '../../ui/icons';

export function ThreadsView() {
  return (
    <EmptyState testId="threads-empty" icon={<ThreadsIcon size={22} />} title="No agent threads yet">
      <p>
        Each task runs as an agent thread: the conversation with the model, every tool call it makes and the
        checkpoints it leaves. Threads appear here as soon as a run starts working, newest first.
      </p>
    </EmptyState>
  );
}
