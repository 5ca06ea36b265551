// Test results in the formats test runners write, read into one shape a person can scan: JUnit XML
// (most runners), Jest/Vitest JSON, pytest-json-report, Mocha JSON, and TAP. Pure: no DOM.
export type CaseStatus = 'passed' | 'failed' | 'skipped';

export interface TestCase {
  suite: string;
  name: string;
  status: CaseStatus;
  durationMs: number | null;
  message: string | null;
}

export interface TestReport {
  format: 'junit' | 'jest' | 'pytest' | 'mocha' | 'tap';
  cases: TestCase[];
  passed: number;
  failed: number;
  skipped: number;
}

function report(format: TestReport['format'], cases: TestCase[]): TestReport {
  return {
    format, cases,
    passed: cases.filter((c) => c.status === 'passed').length,
    failed: cases.filter((c) => c.status === 'failed').length,
    skipped: cases.filter((c) => c.status === 'skipped').length,
  };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decode(s: string): string {
  return s.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1').replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1]!] = decode(m[3] ?? m[4] ?? '');
  return out;
}

function parseJUnit(text: string): TestReport | null {
  if (!/<testsuites?\b|<testcase\b/.test(text)) return null;
  const cases: TestCase[] = [];
  // Suites in document order, so each case takes the name of the suite opened last before it.
  const suites = [...text.matchAll(/<testsuite\b([^>]*)>/g)].map((m) => ({ at: m.index, name: attrs(m[1]!).name ?? '' }));
  for (const m of text.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const a = attrs(m[1]!);
    const body = m[2] ?? '';
    const suite = [...suites].reverse().find((s) => s.at < m.index)?.name ?? a.classname ?? '';
    const failure = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    const skipped = /<skipped\b/.test(body);
    const message = failure ? [attrs(failure[2]!).message, decode(failure[3] ?? '').trim()].filter(Boolean).join('\n') || failure[1]! : null;
    cases.push({
      suite, name: a.name ?? '(unnamed)', status: failure ? 'failed' : skipped ? 'skipped' : 'passed',
      durationMs: a.time !== undefined && !Number.isNaN(Number(a.time)) ? Number(a.time) * 1000 : null, message,
    });
  }
  return report('junit', cases);
}

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function statusOf(s: unknown): CaseStatus {
  const v = String(s).toLowerCase();
  if (v === 'passed' || v === 'pass' || v === 'ok' || v === 'success') return 'passed';
  if (v === 'skipped' || v === 'pending' || v === 'todo' || v === 'disabled' || v === 'xfailed') return 'skipped';
  return 'failed';
}

function parseJson(text: string): TestReport | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(doc)) return null;
  if (Array.isArray(doc.testResults)) {
    const cases = doc.testResults.filter(isObj).flatMap((file) => (Array.isArray(file.assertionResults) ? file.assertionResults : []).filter(isObj).map((t): TestCase => ({
      suite: str(file.name) ?? '', name: str(t.fullName) ?? str(t.title) ?? '(unnamed)', status: statusOf(t.status), durationMs: num(t.duration),
      message: Array.isArray(t.failureMessages) && t.failureMessages.length > 0 ? t.failureMessages.map(String).join('\n') : null,
    })));
    return report('jest', cases);
  }
  if (Array.isArray(doc.tests)) {
    const tests = doc.tests.filter(isObj);
    if (tests.some((t) => 'nodeid' in t)) {
      return report('pytest', tests.map((t) => {
        const call = isObj(t.call) ? t.call : {};
        const [suite, ...rest] = String(t.nodeid).split('::');
        return {
          suite: suite ?? '', name: rest.join('::') || String(t.nodeid), status: statusOf(t.outcome),
          durationMs: num(call.duration) !== null ? num(call.duration)! * 1000 : null, message: str(call.longrepr),
        };
      }));
    }
    return report('mocha', tests.map((t) => {
      const err = isObj(t.err) && Object.keys(t.err).length > 0 ? t.err : null;
      return {
        suite: str(t.file) ?? '', name: str(t.fullTitle) ?? str(t.title) ?? '(unnamed)',
        status: err ? 'failed' : t.pending === true ? 'skipped' : t.state ? statusOf(t.state) : 'passed',
        durationMs: num(t.duration), message: err ? [str(err.message), str(err.stack)].filter(Boolean).join('\n') : null,
      };
    }));
  }
  return null;
}

function parseTap(text: string): TestReport | null {
  if (!/^(not )?ok\b/m.test(text)) return null;
  const cases: TestCase[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(\w+)\b(.*))?$/.exec(lines[i]!);
    if (!m) continue;
    const directive = m[4]?.toUpperCase();
    // A failure's YAML diagnostics follow, indented.
    const diag: string[] = [];
    while (m[1] && i + 1 < lines.length && /^\s+/.test(lines[i + 1]!) && !/^\s*(not )?ok\b/.test(lines[i + 1]!)) diag.push(lines[++i]!.trim());
    cases.push({
      suite: '', name: m[3]!.trim() || `test ${m[2] ?? cases.length + 1}`,
      status: directive === 'SKIP' || directive === 'TODO' ? 'skipped' : m[1] ? 'failed' : 'passed', durationMs: null,
      message: diag.filter((l) => l !== '---' && l !== '...').join('\n') || null,
    });
  }
  return report('tap', cases);
}

/** Reads a test results file, or null when it is in no format this knows. */
export function parseTestResults(text: string): TestReport | null {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('<')) return parseJUnit(text);
  if (trimmed.startsWith('{')) return parseJson(text);
  return parseTap(text);
}
