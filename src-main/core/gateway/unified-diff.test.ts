// The diffs the approval dialog shows must be real patches: `git apply` replays each of them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir';
import { unifiedDiff } from './unified-diff';

function applies(before: string | null, after: string): void {
  const dir = tempDir();
  execFileSync('git', ['init', '-q'], { cwd: dir });
  if (before !== null) fs.writeFileSync(path.join(dir, 'f.txt'), before);
  fs.writeFileSync(path.join(dir, 'p.diff'), unifiedDiff('f.txt', before, after));
  execFileSync('git', ['apply', 'p.diff'], { cwd: dir });
  expect(fs.readFileSync(path.join(dir, 'f.txt'), 'utf8')).toBe(after);
}

describe('unifiedDiff', () => {
  it('writes patches git applies: new file, missing final newline, edits at both ends', () => {
    applies(null, 'a\nb\n');
    applies('one\ntwo', 'one\n2');
    applies('x\n'.repeat(20) + 'end\n', 'start\n' + 'x\n'.repeat(20));
  });

  it('replaces the whole file instead of spending seconds on a huge edit', () => {
    const before = Array.from({ length: 30_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const after = Array.from({ length: 30_000 }, (_, i) => `row ${i}`).join('\n') + '\n';
    applies(before, after);
    const many = Array.from({ length: 9_000 }, (_, i) => `l${i}`);
    applies(many.join('\n') + '\n', many.map((l, i) => (i % 2 ? l : `${l}!`)).join('\n') + '\n');
  });
});
