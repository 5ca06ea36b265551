// The list of threads: search by name or last message, show archived ones too, start a new one.
import type { ThreadView } from '../../../../src-shared/contract';
import { hrefFor } from '../../app/use-route';
import { formatAbsolute, formatRelative } from '../../ui/format';
import { StatusPill } from '../../ui/StatusPill';
import { useNow } from '../../ui/use-now';
import { threadTitle } from './thread-format';

export function ThreadList({ threads, selected, query, onQuery, includeArchived, onIncludeArchived, onNew }: {
  threads: ThreadView[];
  selected: string | null;
  query: string;
  onQuery: (q: string) => void;
  includeArchived: boolean;
  onIncludeArchived: (v: boolean) => void;
  onNew: () => void;
}) {
  const now = useNow(30_000);
  return (
    <aside className="thread-pane" aria-label="Threads">
      <div className="thread-tools">
        <input type="search" className="input" placeholder="Search threads" aria-label="Search threads" value={query} onChange={(e) => onQuery(e.target.value)} />
        <button type="button" className="button button-primary" onClick={onNew}>New</button>
      </div>
      <label className="thread-filter">
        <input type="checkbox" checked={includeArchived} onChange={(e) => onIncludeArchived(e.target.checked)} />
        Show archived
      </label>
      {threads.length === 0
        ? <p className="thread-none muted" data-testid="threads-none">{query.trim() ? `No thread matches "${query.trim()}".` : 'No threads.'}</p>
        : (
          <ul className="thread-list" data-testid="thread-list">
            {threads.map((t) => (
              <li key={t.id}>
                <a href={hrefFor('threads', t.id)} className="thread-item" aria-current={t.id === selected ? 'page' : undefined} data-testid="thread-item">
                  <span className="thread-item-title">{threadTitle(t)}</span>
                  <span className="thread-item-meta">
                    <span title={formatAbsolute(t.updatedAt)}>{formatRelative(t.updatedAt, now)}</span>
                    {t.providerName && <span>· {t.providerName}</span>}
                    {t.busy && <StatusPill tone="running" label="Replying" pulse />}
                    {!t.busy && t.status === 'failed' && <StatusPill tone="failed" label="Failed" />}
                    {t.archived && <StatusPill tone="cancelled" label="Archived" />}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
    </aside>
  );
}
