// The diff a file write would apply, rendered like a patch artifact (react-diff-view), unified.
import { useMemo } from 'react';
import { Diff, Hunk, parseDiff } from 'react-diff-view';
import 'react-diff-view/style/index.css';

export function DiffPreview({ text }: { text: string }) {
  const files = useMemo(() => {
    try {
      return parseDiff(text, { nearbySequences: 'zip' });
    } catch {
      return null;
    }
  }, [text]);
  if (!files) return <pre className="approval-code">{text}</pre>;
  return (
    <div className="approval-diff" data-testid="approval-diff">
      {files.map((file) => (
        <section key={`${file.oldPath}→${file.newPath}`} aria-label={`Changes to ${file.newPath}`}>
          <header className="approval-diff-file mono">{file.type === 'add' ? `${file.newPath} (new file)` : file.newPath}</header>
          <Diff viewType="unified" diffType={file.type} hunks={file.hunks} className="diff-table">
            {(hunks) => hunks.map((h) => <Hunk key={h.content} hunk={h} />)}
          </Diff>
        </section>
      ))}
    </div>
  );
}
