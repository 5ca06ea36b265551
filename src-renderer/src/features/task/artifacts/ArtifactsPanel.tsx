// An attempt's artifacts: the list, and the selected one in the viewer that fits it: a patch as a
// diff, test results as a table, JSON pretty-printed, logs and other text with search.
import { lazy, Suspense, useState } from 'react';
import type { ArtifactRef } from '../../../../../src-shared/contract';
import { ErrorNotice, Loading } from '../../../ui/QueryStatus';
import { JsonView } from './JsonView';
import { LogViewer } from './LogViewer';
import { TestResultsView } from './TestResultsView';
import { useArtifactText } from './use-artifact-text';

const PatchView = lazy(() => import('./PatchView'));

type Viewer = 'patch' | 'tests' | 'json' | 'text' | 'binary';

export function viewerFor(a: ArtifactRef): Viewer {
  const name = a.name.toLowerCase();
  const mime = a.mimeType ?? '';
  if (a.kind === 'patch' || mime === 'text/x-diff' || name.endsWith('.patch') || name.endsWith('.diff')) return 'patch';
  if (a.kind === 'test_result') return 'tests';
  if (mime === 'application/json' || name.endsWith('.json')) return 'json';
  if (mime.startsWith('text/') || ['application/xml', 'application/yaml', 'application/toml'].includes(mime) || a.kind === 'log') return 'text';
  return 'binary';
}

const ORDER: Record<Viewer, number> = { patch: 0, tests: 1, json: 2, text: 3, binary: 4 };

function formatBytes(n: number | null): string {
  if (n === null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function ArtifactsPanel({ runId, taskId, attempt, artifacts }: { runId: string; taskId: string; attempt: number; artifacts: ArtifactRef[] }) {
  const sorted = [...artifacts].sort((a, b) => ORDER[viewerFor(a)] - ORDER[viewerFor(b)] || a.name.localeCompare(b.name));
  const [picked, setPicked] = useState<string | null>(null);
  const current = sorted.find((a) => a.path === picked) ?? sorted[0];
  if (!current) return <p className="muted pad">This attempt recorded no artifacts{attempt ? '' : ' yet'}.</p>;
  return (
    <div className="artifacts">
      <ul className="artifact-list" aria-label="Artifacts" data-testid="artifact-list">
        {sorted.map((a) => (
          <li key={a.path}>
            <button type="button" className="artifact-item" aria-current={a === current || undefined} onClick={() => setPicked(a.path)} data-kind={a.kind}>
              <span className="badge">{a.kind.replace(/_/g, ' ')}</span>
              <span className="artifact-name mono">{a.name}</span>
              <span className="artifact-size muted">{formatBytes(a.sizeBytes)}</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="artifact-view" aria-label={`Artifact ${current.name}`} role="region">
        <ArtifactView key={current.path} runId={runId} taskId={taskId} attempt={attempt} artifact={current} />
      </div>
    </div>
  );
}

function ArtifactView({ runId, taskId, attempt, artifact }: { runId: string; taskId: string; attempt: number; artifact: ArtifactRef }) {
  const viewer = viewerFor(artifact);
  const state = useArtifactText(runId, taskId, attempt, artifact);
  const head = (
    <div className="artifact-head">
      <span className="mono artifact-head-name">{artifact.name}</span>
      <span className="muted">{formatBytes(state.size)}</span>
      {artifact.checksum && <span className="mono muted artifact-sum" title={artifact.checksum}>{artifact.checksum.slice(0, 19)}…</span>}
    </div>
  );
  if (viewer === 'binary') {
    return <>{head}<p className="muted pad">A binary file ({artifact.mimeType ?? 'unknown type'}); it is kept at <code>{artifact.path}</code>.</p></>;
  }
  if (state.error && state.text === null) return <>{head}<ErrorNotice title="Could not read this artifact" error={state.error} /></>;
  if (state.text === null) return <>{head}<Loading label="Reading…" /></>;
  const label = artifact.name;
  return (
    <>
      {head}
      {!state.eof && (
        <div className="artifact-partial">
          Showing the first {formatBytes(state.text.length)} of {formatBytes(state.size)}.
          <button type="button" className="button button-small" disabled={state.loading} onClick={state.loadMore}>Load more</button>
        </div>
      )}
      {viewer === 'patch' && <Suspense fallback={<Loading label="Preparing the diff…" />}><PatchView text={state.text} label={label} /></Suspense>}
      {viewer === 'tests' && <TestResultsView text={state.text} label={label} />}
      {viewer === 'json' && <JsonView text={state.text} label={label} />}
      {viewer === 'text' && <LogViewer text={state.text} label={label} whole={state.eof ? undefined : { runId, taskId, attempt, artifact }} />}
    </>
  );
}
