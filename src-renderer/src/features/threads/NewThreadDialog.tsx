// Starting a thread: which folder the model works in (its own scratch folder if none), which
// provider answers, and an optional name.
import { useState } from 'react';
import type { ThreadResponse } from '../../../../src-shared/contract';
import { hrefFor, navigate } from '../../app/use-route';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { Dialog } from '../../ui/Dialog';
import { ErrorNotice } from '../../ui/QueryStatus';

export function NewThreadDialog({ onClose }: { onClose: () => void }) {
  const providers = useShoalQuery('providers.list', {});
  const start = useShoalMutation('threads.start');
  const [name, setName] = useState('');
  const [cwd, setCwd] = useState('');
  const [provider, setProvider] = useState('');
  const chosen = provider || providers.data?.find((p) => p.isDefault)?.id || '';
  return (
    <Dialog title="New thread" onClose={onClose} testId="new-thread-dialog" initialFocus='[name="cwd"]'
      footer={(
        <>
          <button type="button" className="button" style={{ marginLeft: 'auto' }} onClick={onClose}>Cancel</button>
          <button type="submit" form="new-thread-form" className="button button-primary" disabled={start.isPending}>Start</button>
        </>
      )}>
      <form id="new-thread-form" className="task-form" onSubmit={(e) => {
        e.preventDefault();
        start.mutate({ ...(name.trim() ? { name: name.trim() } : {}), ...(cwd.trim() ? { cwd: cwd.trim() } : {}), ...(chosen ? { modelProvider: chosen } : {}), source: 'interactive' }, {
          onSuccess: (r: ThreadResponse) => {
            onClose();
            navigate(hrefFor('threads', r.threadId));
          },
        });
      }}>
        <label className="field">
          <span className="field-label">Working folder</span>
          <input name="cwd" className="input mono" value={cwd} onChange={(e) => setCwd(e.target.value)} placeholder="/path/to/your/project" />
          <span className="field-hint">Where the model's tools run. Empty: a scratch folder of its own under Shoal's data folder.</span>
        </label>
        <label className="field">
          <span className="field-label">Model provider</span>
          <select className="input" value={chosen} onChange={(e) => setProvider(e.target.value)} disabled={!providers.data?.length}>
            {!providers.data?.length && <option value="">None yet — add one in Settings</option>}
            {providers.data?.map((p) => <option key={p.id} value={p.id}>{p.name} · {p.model}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Name <span className="muted">(optional)</span></span>
          <input className="input" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
        </label>
        {start.error && <ErrorNotice title="Could not start the thread" error={start.error} />}
      </form>
    </Dialog>
  );
}
