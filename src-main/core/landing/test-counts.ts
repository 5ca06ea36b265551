// Tests passed/failed from a test-result artifact (JUnit XML, Jest/Vitest JSON, pytest-json-report),
// for the evidence summary and as a best-of-N measure. Unknown formats count as "no tests known".
import fs from 'node:fs';

export interface TestCounts { passed: number; failed: number; skipped: number }

const attr = (tag: string, name: string): number => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(tag)?.[1] ?? 0);

export function parseTestCounts(text: string): TestCounts | null {
  const t = text.trimStart();
  if (t.startsWith('<')) {
    // JUnit: the <testsuites> totals when present, else the sum of every <testsuite>.
    const tags = /<testsuites\b[^>]*\btests="/.test(t) ? [/<testsuites\b[^>]*>/.exec(t)![0]] : (t.match(/<testsuite\b[^>]*>/g) ?? []);
    if (tags.length === 0) return null;
    let tests = 0, failed = 0, skipped = 0;
    for (const tag of tags) {
      tests += attr(tag, 'tests');
      failed += attr(tag, 'failures') + attr(tag, 'errors');
      skipped += attr(tag, 'skipped');
    }
    return { passed: Math.max(0, tests - failed - skipped), failed, skipped };
  }
  try {
    const j = JSON.parse(t) as Record<string, unknown>;
    if (typeof j.numPassedTests === 'number') {
      return { passed: j.numPassedTests, failed: Number(j.numFailedTests ?? 0), skipped: Number(j.numPendingTests ?? 0) + Number(j.numTodoTests ?? 0) };
    }
    const s = j.summary as Record<string, unknown> | undefined;
    if (s && (typeof s.passed === 'number' || typeof s.failed === 'number')) {
      return { passed: Number(s.passed ?? 0), failed: Number(s.failed ?? 0) + Number(s.error ?? 0), skipped: Number(s.skipped ?? 0) };
    }
  } catch {
    return null;
  }
  return null;
}

/** The counts of every test-result artifact of a receipt, added up (null when there is none). */
export function receiptTestCounts(artifacts: Array<Record<string, unknown>>): TestCounts | null {
  let total: TestCounts | null = null;
  for (const a of artifacts.filter((x) => x.kind === 'test_result')) {
    let counts: TestCounts | null = null;
    try {
      counts = parseTestCounts(fs.readFileSync(String(a.path), 'utf8'));
    } catch {
      counts = null;
    }
    if (!counts) continue;
    total = total ? { passed: total.passed + counts.passed, failed: total.failed + counts.failed, skipped: total.skipped + counts.skipped } : counts;
  }
  return total;
}
