// Shared diff rendering (react-diff-view) for patch artifacts and for the changes an approval
// request would make: one parser setting, one table style.
import { useMemo } from 'react';
import { Diff, Hunk, parseDiff, type FileData } from 'react-diff-view';
import 'react-diff-view/style/index.css';

export type DiffViewType = 'unified' | 'split';

/** The files of a git-style diff, or null when the text is not a diff (show it as text then). */
export function useParsedDiff(text: string): FileData[] | null {
  return useMemo(() => {
    try {
      return parseDiff(text, { nearbySequences: 'zip' });
    } catch {
      return null;
    }
  }, [text]);
}

export function FileDiff({ file, view }: { file: FileData; view: DiffViewType }) {
  return (
    <Diff viewType={view} diffType={file.type} hunks={file.hunks} className="diff-table">
      {(hunks) => hunks.map((h) => <Hunk key={h.content} hunk={h} />)}
    </Diff>
  );
}
