// The diff a file write would apply, rendered like a patch artifact, unified.
import { FileDiff, useParsedDiff } from '../../ui/file-diff';

export function DiffPreview({ text }: { text: string }) {
  const files = useParsedDiff(text);
  if (!files) return <pre className="approval-code">{text}</pre>;
  return (
    <div className="approval-diff" data-testid="approval-diff">
      {files.map((file) => (
        <section key={`${file.oldPath}→${file.newPath}`} aria-label={`Changes to ${file.newPath}`}>
          <header className="approval-diff-file mono">{file.type === 'add' ? `${file.newPath} (new file)` : file.newPath}</header>
          <FileDiff file={file} view="unified" />
        </section>
      ))}
    </div>
  );
}
