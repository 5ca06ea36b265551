// A unified diff of two texts (git's format, three lines of context), so the approval dialog can
// show exactly what a file write would change. Myers' O(ND) line diff; very large files fall back
// to replacing the whole file rather than spending seconds on a preview.
const CONTEXT = 3;
const MAX_LINES = 20_000;

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  if (a.length + b.length > MAX_LINES) return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[max + k - 1]! < v[max + k + 1]!) ? v[max + k + 1]! : v[max + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[max + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const tv = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && tv[max + k - 1]! < tv[max + k + 1]!) ? k + 1 : k - 1;
    const prevX = tv[max + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[--x]! });
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[--y]! });
      else ops.push({ kind: '-', line: a[--x]! });
    }
  }
  return ops.reverse();
}

/** `diff --git a/p b/p` … with hunks; an empty string when nothing changes. */
export function unifiedDiff(file: string, before: string | null, after: string): string {
  const a = splitLines(before ?? '');
  const b = splitLines(after);
  const ops = diffLines(a, b);
  if (!ops.some((o) => o.kind !== ' ')) return '';
  const header = [`diff --git a/${file} b/${file}`, ...(before === null ? ['new file mode 100644'] : []), `--- ${before === null ? '/dev/null' : `a/${file}`}`, `+++ b/${file}`];
  const hunks: string[] = [];
  let i = 0;
  let aLine = 1;
  let bLine = 1;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') { aLine++; bLine++; i++; continue; }
    // A hunk: back up for context, run until CONTEXT*2 unchanged lines in a row.
    const startCtx = Math.min(CONTEXT, countBackContext(ops, i));
    let j = i;
    let lastChange = i;
    while (j < ops.length && (ops[j]!.kind !== ' ' || j - lastChange <= CONTEXT * 2)) {
      if (ops[j]!.kind !== ' ') lastChange = j;
      j++;
    }
    const end = Math.min(ops.length, lastChange + 1 + CONTEXT);
    const slice = ops.slice(i - startCtx, end);
    const aStart = aLine - startCtx;
    const bStart = bLine - startCtx;
    const aCount = slice.filter((o) => o.kind !== '+').length;
    const bCount = slice.filter((o) => o.kind !== '-').length;
    hunks.push(`@@ -${aCount === 0 ? aStart - 1 : aStart},${aCount} +${bCount === 0 ? bStart - 1 : bStart},${bCount} @@`, ...slice.map((o) => o.kind + o.line));
    for (let k = i; k < end; k++) {
      if (ops[k]!.kind !== '+') aLine++;
      if (ops[k]!.kind !== '-') bLine++;
    }
    i = end;
  }
  return [...header, ...hunks].join('\n') + '\n';
}

function countBackContext(ops: Op[], i: number): number {
  let n = 0;
  while (i - n - 1 >= 0 && ops[i - n - 1]!.kind === ' ') n++;
  return n;
}
