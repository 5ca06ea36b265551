// Turns a thread into a fleet task: pick the agent, review (and edit) the spec Shoal wrote from the
// conversation, see what launching it would do, launch.
import { useEffect, useState } from 'react';
import type { ThreadView } from '../../../../src-shared/contract';
import { hrefFor, navigate } from '../../app/use-route';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { Dialog } from '../../ui/Dialog';
import { ErrorNotice } from '../../ui/QueryStatus';
import { useToast } from '../../ui/Toaster';

type Agent = 'claude-code' | 'codex' | 'shell';
const AGENTS: Array<{ value: Agent; label: string }> = [
  { value: 'claude-code', label: 'Claude Code: carry on the conversation' },
  { value: 'codex', label: 'Codex: carry on the conversation' },
  { value: 'shell', label: 'Shell: replay the commands this thread ran' },
];

export function TaskFromThreadDialog({ thread, onClose }: { thread: ThreadView; onClose: () => void }) {
  const [agent, setAgent] = useState<Agent>('claude-code');
  const spec = useShoalQuery('threads.toSpec', { threadId: thread.id, agent });
  const [text, setText] = useState<string | null>(null);
  const [workspace, setWorkspace] = useState<string | null>(null);
  useEffect(() => {
    if (!spec.data) return;
    setText(spec.data.text);
    setWorkspace((w) => w ?? spec.data.workspace ?? '');
  }, [spec.data]);
  const [checked, setChecked] = useState<{ text: string; workspace: string } | null>(null);
  useEffect(() => {
    if (text === null) return;
    const t = window.setTimeout(() => setChecked({ text, workspace: workspace ?? '' }), 250);
    return () => window.clearTimeout(t);
  }, [text, workspace]);
  const check = useShoalQuery('specs.validate', { text: checked?.text ?? '', filename: spec.data?.filename ?? 'thread.yaml', workspace: checked?.workspace || null },
    { enabled: checked !== null, placeholderData: (prev) => prev });
  const launch = useShoalMutation('specs.launch');
  const toast = useToast();
  const ok = check.data?.ok === true && checked?.text === text;

  return (
    <Dialog title="Make a task from this thread" onClose={onClose} testId="thread-task-dialog"
      footer={(
        <>
          {check.data && !check.data.ok && <span className="task-issues-count">{check.data.issues.length} {check.data.issues.length === 1 ? 'problem' : 'problems'} to fix</span>}
          <button type="button" className="button" style={{ marginLeft: 'auto' }} onClick={onClose}>Cancel</button>
          <button type="button" className="button button-primary" disabled={!ok || launch.isPending}
            onClick={() => launch.mutate({ text: text ?? '', filename: spec.data?.filename ?? 'thread.yaml', workspace: workspace || null }, {
              onSuccess: ({ runId }) => {
                toast('Launched the task.');
                onClose();
                navigate(hrefFor('runs', runId));
              },
            })}>Launch</button>
        </>
      )}>
      <div className="task-form">
        <label className="field">
          <span className="field-label">Agent</span>
          <select className="input" value={agent} onChange={(e) => {
            setAgent(e.target.value as Agent);
            setText(null);
          }}>
            {AGENTS.map((a) => <option key={a.value} value={a.value}>{a.label}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Workspace</span>
          <input className="input mono" value={workspace ?? ''} placeholder="A git repository or folder (empty: a scratch folder)" onChange={(e) => setWorkspace(e.target.value)} />
        </label>
        <label className="field">
          <span className="field-label">Spec</span>
          <textarea className="textarea mono task-spec" rows={14} spellCheck={false} value={text ?? ''} aria-label="Task spec" onChange={(e) => setText(e.target.value)} />
        </label>
        {spec.isError && <ErrorNotice title="Could not write the spec" error={spec.error} />}
        {launch.error && <ErrorNotice title="Could not launch" error={launch.error} />}
        {check.data && !check.data.ok && (
          <ul className="task-issues" role="alert">{check.data.issues.map((i) => <li key={i}><code>{i}</code></li>)}</ul>
        )}
        {check.data?.ok && check.data.preview && (
          <p className="field-hint" data-testid="task-preview">
            {check.data.preview.tasks.map((t) => `${t.name} (${t.agent}, scored by ${t.scorer})`).join('; ')} · runs on {check.data.preview.workers.map((w) => w.name).join(', ')}
          </p>
        )}
      </div>
    </Dialog>
  );
}
