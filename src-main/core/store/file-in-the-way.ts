// Why a folder cannot be made at a path: a file (or device) stands where one of its folders would
// go. Asked before anything is created, so the error names that path rather than Node's ENOTDIR.
import fs from 'node:fs';
import path from 'node:path';

/** The nearest existing part of `dir` (itself included) when it is not a folder, else null. */
export function fileInTheWay(dir: string): string | null {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(at, { throwIfNoEntry: false });
    } catch (error) {
      // ENOTDIR: a file further up; found as the walk goes on.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
    if (st) return st.isDirectory() ? null : at;
    if (path.dirname(at) === at) return null;
  }
}
