// A unified diff of two texts in git's format (three lines of context), so the approval dialog can
// show exactly what a file write would change and `git apply` can replay it. The line diff itself is
// jsdiff's; this module only adds git's header and its convention for empty ranges.
import { structuredPatch } from 'diff';

const CONTEXT = 3;
/** Line diffs cost O(lines × edits): past these a preview is not worth seconds of CPU, so the file
 *  is shown replaced instead (still a correct patch). */
const MAX_LINES = 20_000;
const MAX_EDIT_LENGTH = 1_000;

/** `diff --git a/p b/p` … with hunks; an empty string when nothing changes. */
export function unifiedDiff(file: string, before: string | null, after: string): string {
  const old = before ?? '';
  if (old === after) return '';
  const small = lines(old).length + lines(after).length <= MAX_LINES;
  const patch = (small ? structuredPatch(`a/${file}`, `b/${file}`, old, after, undefined, undefined, { context: CONTEXT, maxEditLength: MAX_EDIT_LENGTH }) : undefined)
    ?? wholeFileReplaced(old, after);
  if (patch.hunks.length === 0) return '';
  const header = [`diff --git a/${file} b/${file}`, ...(before === null ? ['new file mode 100644'] : []), `--- ${before === null ? '/dev/null' : `a/${file}`}`, `+++ b/${file}`];
  const hunks = patch.hunks.flatMap((h) => [
    // git writes an empty range as starting at the line before it (`-0,0` for a new file).
    `@@ -${h.oldLines === 0 ? h.oldStart - 1 : h.oldStart},${h.oldLines} +${h.newLines === 0 ? h.newStart - 1 : h.newStart},${h.newLines} @@`,
    ...h.lines,
  ]);
  return [...header, ...hunks].join('\n') + '\n';
}

function lines(text: string): string[] {
  if (text === '') return [];
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

/** One hunk removing every old line and adding every new one: always correct, never slow. */
function wholeFileReplaced(old: string, after: string) {
  const a = lines(old);
  const b = lines(after);
  const noEol = (text: string) => (text !== '' && !text.endsWith('\n') ? ['\\ No newline at end of file'] : []);
  return { hunks: [{ oldStart: 1, oldLines: a.length, newStart: 1, newLines: b.length, lines: [...a.map((l) => `-${l}`), ...noEol(old), ...b.map((l) => `+${l}`), ...noEol(after)] }] };
}
