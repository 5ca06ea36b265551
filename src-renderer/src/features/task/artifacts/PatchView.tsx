// A patch artifact (a git diff) as a real diff: per file, unified or side by side. Loaded on
// demand (react-diff-view is only needed here).
import { useState } from 'react';
import type { FileData } from 'react-diff-view';
import { FileDiff, useParsedDiff, type DiffViewType as ViewType } from '../../../ui/file-diff';
import { LogViewer } from './LogViewer';

const KEY = 'shoal.diffView';

function savedView(): ViewType {
  try {
    return localStorage.getItem(KEY) === 'split' ? 'split' : 'unified';
  } catch {
    return 'unified';
  }
}

function counts(file: FileData): { add: number; del: number } {
  let add = 0;
  let del = 0;
  for (const h of file.hunks) for (const c of h.changes) {
    if (c.type === 'insert') add++;
    else if (c.type === 'delete') del++;
  }
  return { add, del };
}

export default function PatchView({ text, label }: { text: string; label: string }) {
  const [view, setView] = useState<ViewType>(savedView);
  const files = useParsedDiff(text);
  const choose = (v: ViewType) => {
    setView(v);
    try {
      localStorage.setItem(KEY, v);
    } catch {
      // The choice just is not remembered.
    }
  };
  if (!files) return <LogViewer text={text} label={label} />;
  if (files.length === 0) return <p className="muted pad">The patch is empty: the task changed no files.</p>;
  const total = files.reduce((acc, f) => {
    const c = counts(f);
    return { add: acc.add + c.add, del: acc.del + c.del };
  }, { add: 0, del: 0 });
  return (
    <div className="patch" data-testid="patch-view" data-view={view}>
      <div className="patch-bar">
        <span>{files.length} {files.length === 1 ? 'file' : 'files'} changed, <span className="diff-add">+{total.add}</span> <span className="diff-del">−{total.del}</span></span>
        <div className="button-group" role="group" aria-label="Diff layout">
          <button type="button" className="button button-small" aria-pressed={view === 'unified'} onClick={() => choose('unified')}>Unified</button>
          <button type="button" className="button button-small" aria-pressed={view === 'split'} onClick={() => choose('split')}>Split</button>
        </div>
      </div>
      {files.map((file) => {
        const name = file.type === 'delete' ? file.oldPath : file.newPath;
        const c = counts(file);
        return (
          <section key={`${file.oldPath}→${file.newPath}`} className="patch-file" aria-label={name} data-testid="patch-file">
            <header className="patch-file-head">
              <span className="badge">{file.type === 'add' ? 'added' : file.type === 'delete' ? 'deleted' : file.type === 'rename' ? 'renamed' : 'modified'}</span>
              <span className="mono patch-file-name">{file.type === 'rename' ? `${file.oldPath} → ${file.newPath}` : name}</span>
              <span className="mono"><span className="diff-add">+{c.add}</span> <span className="diff-del">−{c.del}</span></span>
            </header>
            {file.hunks.length === 0
              ? <p className="muted patch-binary">Binary file or mode change: no text to show.</p>
              : (
                <FileDiff file={file} view={view} />
              )}
          </section>
        );
      })}
    </div>
  );
}
