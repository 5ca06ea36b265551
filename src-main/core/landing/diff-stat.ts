// Files touched and lines added/removed by a task's patch artifact, read with the `diff` library's
// unified-diff parser (the same patch the task view shows).
import fs from 'node:fs';
import { parsePatch } from 'diff';

export interface FileStat { file: string; added: number; removed: number; hunks: Array<{ start: number; lines: number }> }
export interface DiffStat { files: FileStat[]; added: number; removed: number }

const stripPrefix = (name: string | undefined): string => (name ?? '').replace(/^[ab]\//, '');

export function diffStat(patchText: string): DiffStat {
  const files: FileStat[] = [];
  for (const p of parsePatch(patchText)) {
    const name = stripPrefix(p.newFileName && p.newFileName !== '/dev/null' ? p.newFileName : p.oldFileName);
    if (!name) continue;
    let added = 0, removed = 0;
    for (const h of p.hunks) for (const l of h.lines) {
      if (l.startsWith('+')) added++;
      else if (l.startsWith('-')) removed++;
    }
    // Hunks as ranges of the base file, what two patches must share to overlap.
    files.push({ file: name, added, removed, hunks: p.hunks.map((h) => ({ start: h.oldStart, lines: Math.max(1, h.oldLines) })) });
  }
  return { files, added: files.reduce((n, f) => n + f.added, 0), removed: files.reduce((n, f) => n + f.removed, 0) };
}

/** The diff stat of a receipt's patch artifact; an empty stat when it has none. */
export function receiptDiffStat(artifacts: Array<Record<string, unknown>>): DiffStat {
  const patch = artifacts.find((a) => a.kind === 'patch');
  if (!patch) return { files: [], added: 0, removed: 0 };
  try {
    return diffStat(fs.readFileSync(String(patch.path), 'utf8'));
  } catch {
    return { files: [], added: 0, removed: 0 };
  }
}
