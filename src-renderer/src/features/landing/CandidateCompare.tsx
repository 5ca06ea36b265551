// The diff between any two candidates of a best-of-N task, as the task view shows patches.
import { useState } from 'react';
import { useShoalQuery } from '../../transport/query';
import { FileDiff, useParsedDiff } from '../../ui/file-diff';

export function CandidateCompare({ runId, candidates }: { runId: string; candidates: string[] }) {
  const [a, setA] = useState(candidates[0]!);
  const [b, setB] = useState(candidates[1]!);
  const [open, setOpen] = useState(false);
  return (
    <div className="land-compare">
      <label>Compare <select className="input mono" value={a} onChange={(e) => setA(e.target.value)} aria-label="Compare candidate">{candidates.map((c) => <option key={c}>{c}</option>)}</select></label>
      <label>with <select className="input mono" value={b} onChange={(e) => setB(e.target.value)} aria-label="With candidate">{candidates.map((c) => <option key={c}>{c}</option>)}</select></label>
      <button type="button" className="button" onClick={() => setOpen((v) => !v)} aria-expanded={open}>{open ? 'Hide diff' : 'Show diff'}</button>
      {open && (a !== b ? <CompareDiff runId={runId} a={a} b={b} /> : <p className="muted" data-testid="compare-same">Choose two different candidates to compare.</p>)}
    </div>
  );
}

function CompareDiff({ runId, a, b }: { runId: string; a: string; b: string }) {
  const diff = useShoalQuery('landing.compare', { runId, a, b });
  const files = useParsedDiff(diff.data?.patch ?? '');
  if (diff.isError) return <p role="alert">{diff.error.message}</p>;
  if (!diff.data) return null;
  if (!files || files.length === 0) return <p className="muted" data-testid="compare-diff">No difference.</p>;
  // Each file under its name, as a patch is shown: the hunks alone do not say where they are.
  return (
    <div data-testid="compare-diff">
      {files.map((f) => {
        const name = f.type === 'delete' ? f.oldPath : f.newPath;
        const note = f.type === 'add' ? ' (new file)' : f.type === 'delete' ? ' (deleted)' : f.type === 'rename' ? ` (renamed from ${f.oldPath})` : '';
        return (
          <section key={`${f.oldPath}→${f.newPath}`} aria-label={name}>
            <header className="land-compare-file mono">{name}{note}</header>
            <FileDiff file={f} view="unified" />
          </section>
        );
      })}
    </div>
  );
}
