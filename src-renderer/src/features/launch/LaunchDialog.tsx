// Review before launch: every received spec as a tab; its text (editable), the workspace folder,
// and the preview with each problem next to what it is about. Nothing is created until Launch.
import { useMemo, useRef, useState } from 'react';
import { RemoteError } from '../../../../src-shared/contract/envelope';
import { hrefFor, navigate } from '../../app/use-route';
import { useShoalMutation } from '../../transport/query';
import { Dialog } from '../../ui/Dialog';
import { ErrorNotice } from '../../ui/QueryStatus';
import { useToast } from '../../ui/Toaster';
import { Tabs, TabPanel } from '../../ui/Tabs';
import { rememberWorkspace, type Draft } from './drafts';
import { SpecEditor, type SpecEditorHandle } from './SpecEditor';
import { SpecPreviewPanel } from './SpecPreviewPanel';
import { useSpecCheck } from './use-spec-check';
import { useWorkerReach } from './use-worker-reach';
import '../../ui/ui-extra.css';
import './launch.css';

export function LaunchDialog({ drafts, active, onSelect, onChange, onRemove, onClose }: {
  drafts: Draft[];
  active: string;
  onSelect: (key: string) => void;
  onChange: (draft: Draft) => void;
  onRemove: (key: string) => void;
  onClose: () => void;
}) {
  const draft = drafts.find((d) => d.key === active) ?? drafts[0]!;
  const title = drafts.length > 1 ? `Review ${drafts.length} specs before launch` : 'Review before launch';
  // A launch that leaves specs to review says so here, not in a toast: the dialog stays open, and a
  // toast in the corner would sit over its Launch button.
  const [launched, setLaunched] = useState<string | null>(null);
  return (
    <Dialog title={title} onClose={onClose} wide testId="launch-dialog" initialFocus='[data-launch="true"], .spec-textarea'>
      {launched && <p className="launch-done" role="status" data-testid="launch-done">Launched “{launched}”. {drafts.length === 1 ? 'One more spec to review.' : `${drafts.length} more specs to review.`}</p>}
      {drafts.length > 1 && (
        <Tabs label="Received specs" idBase="drafts" className="draft-tabs" selected={draft.key} onSelect={onSelect}
          tabs={drafts.map((d) => ({ id: d.key, label: <DraftTabLabel draft={d} />, testId: 'draft-tab' }))} />
      )}
      {drafts.length > 1
        ? <TabPanel idBase="drafts" id={draft.key} className="draft-panel"><DraftReview key={draft.key} draft={draft} onChange={onChange} onRemove={onRemove} onLaunched={setLaunched} last={drafts.length === 1} /></TabPanel>
        : <div className="draft-panel"><DraftReview key={draft.key} draft={draft} onChange={onChange} onRemove={onRemove} onLaunched={setLaunched} last /></div>}
    </Dialog>
  );
}

function DraftTabLabel({ draft }: { draft: Draft }) {
  const { check, checking } = useSpecCheck(draft);
  const state = checking && !check ? 'checking' : check?.ok ? 'valid' : 'invalid';
  return (
    <span className="draft-tab" data-state={state}>
      <span className="draft-dot" aria-hidden="true" />
      <span className="mono">{draft.filename}</span>
      <span className="sr-only">{state === 'valid' ? '(ready)' : state === 'invalid' ? '(has problems)' : '(checking)'}</span>
    </span>
  );
}

function DraftReview({ draft, onChange, onRemove, onLaunched, last }: {
  draft: Draft; onChange: (d: Draft) => void; onRemove: (key: string) => void; onLaunched: (name: string) => void; last: boolean;
}) {
  const { check, error, checking, input } = useSpecCheck(draft);
  const { reach, probing, recheck } = useWorkerReach(input, !!check?.ok && !checking);
  const launch = useShoalMutation('specs.launch');
  const toast = useToast();
  const editor = useRef<SpecEditorHandle>(null);
  const [launchError, setLaunchError] = useState<Error | null>(null);

  const problemLines = useMemo(() => {
    const map = new Map<number, string[]>();
    for (const issue of check?.located ?? []) {
      if (issue.line !== null) map.set(issue.line, [...(map.get(issue.line) ?? []), `${issue.path}: ${issue.message}`]);
    }
    return map;
  }, [check]);
  const workspaceIssue = check?.located.find((l) => l.path === 'workspace');
  const canLaunch = !!check?.ok && !checking && !launch.isPending;
  const problems = check?.issues.length ?? 0;

  function doLaunch(): void {
    if (!canLaunch) return;
    // A person who launches a run wants to hear when it finishes: ask now, while they are clicking.
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission().catch(() => undefined);
    setLaunchError(null);
    launch.mutate({ text: draft.text, filename: draft.filename, workspace: draft.workspace.trim() || null }, {
      onSuccess: ({ runId }) => {
        rememberWorkspace(draft.workspace);
        const name = check?.preview?.name ?? draft.filename;
        if (last) toast(`Launched "${name}".`);
        else onLaunched(name);
        onRemove(draft.key);
        navigate(last ? hrefFor('runs', runId) : hrefFor('runs'));
      },
      onError: (e) => setLaunchError(e),
    });
  }

  return (
    <div className="draft" onKeyDown={(e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        doLaunch();
      }
    }}>
      <div className="draft-columns">
        <section className="draft-source" aria-label="Spec text">
          <div className="draft-source-head">
            <span className="mono draft-filename" title={draft.filename}>{draft.filename}</span>
            <span className="muted">{draft.source === 'paste' ? 'pasted' : draft.source === 'example' ? 'example' : 'file'} · edit to fix problems</span>
          </div>
          <SpecEditor ref={editor} text={draft.text} onChange={(text) => onChange({ ...draft, text })} problemLines={problemLines} label={`Text of ${draft.filename}`} />
          <div className="field draft-workspace">
            <label className="field-label" htmlFor={`ws-${draft.key}`}>Workspace folder</label>
            <input id={`ws-${draft.key}`} className="input mono" value={draft.workspace} placeholder="/path/to/your/repository (optional)"
              onChange={(e) => onChange({ ...draft, workspace: e.target.value })} aria-invalid={workspaceIssue ? true : undefined}
              aria-describedby={`ws-${draft.key}-hint`} data-testid="workspace-input" spellCheck={false} />
            <span className="field-hint" id={`ws-${draft.key}-hint`} data-tone={workspaceIssue ? 'failed' : undefined}>
              {workspaceIssue ? workspaceIssue.message : 'A git repository: each task works in its own worktree and its changes are kept as a patch. Empty: scratch folders.'}
            </span>
          </div>
        </section>
        <section className="draft-preview" aria-label="Preview" aria-busy={checking}>
          {error && !check && <ErrorNotice title="Could not check this spec" error={error} />}
          {check ? <SpecPreviewPanel check={check} reach={reach} probing={probing} onRecheckWorkers={recheck} onGoToLine={(line) => editor.current?.goToLine(line)} /> : !error && <p className="muted pad">Checking…</p>}
        </section>
      </div>
      <div className="dialog-foot">
        <p className="draft-status" role="status" data-testid="launch-status">
          {checking ? 'Checking…' : !check ? '' : check.ok
            ? `Ready: ${check.preview?.tasks.length ?? 0} ${check.preview?.tasks.length === 1 ? 'task' : 'tasks'}.${unreachableNote(reach)} Nothing is created until you launch.`
            : `${problems} ${problems === 1 ? 'problem' : 'problems'} to fix before this spec can launch.`}
        </p>
        {launchError && <span className="draft-launch-error" role="alert">{launchError.message}{launchError instanceof RemoteError && launchError.body.issues ? ` (${launchError.body.issues.join('; ')})` : ''}</span>}
        <button type="button" className="button" onClick={() => onRemove(draft.key)}>Discard</button>
        <button type="button" className="button button-primary" disabled={!canLaunch} onClick={doLaunch} data-launch={canLaunch || undefined}
          aria-keyshortcuts="Control+Enter" title="Launch (Ctrl+Enter)">
          {launch.isPending ? 'Launching…' : 'Launch run'}
        </button>
      </div>
    </div>
  );
}

/** Said beside Launch: the preview's Workers section, which names each one and why, may be below the fold. */
function unreachableNote(reach: ReturnType<typeof useWorkerReach>['reach']): string {
  const n = (reach ?? []).filter((r) => !r.ok).length;
  if (n === 0) return '';
  return n === 1 ? ' 1 of its workers cannot be reached (see Workers below): its tasks would wait for it.' : ` ${n} of its workers cannot be reached (see Workers below): their tasks would wait for them.`;
}
