// Test results from several runners read into one shape.
import { describe, expect, it } from 'vitest';
import { parseTestResults } from './test-results';

describe('parseTestResults', () => {
  it('reads JUnit XML with failures, errors, skips and escaped messages', () => {
    const xml = `<?xml version="1.0"?>
<testsuites>
  <testsuite name="math" tests="3">
    <testcase classname="math" name="adds" time="0.012"/>
    <testcase classname="math" name="divides &amp; rounds" time="0.5"><failure message="expected 2 &lt; 1">AssertionError at line 4</failure></testcase>
    <testcase name="later"><skipped/></testcase>
  </testsuite>
  <testsuite name="io"><testcase name="reads"><error message="ENOENT"/></testcase></testsuite>
</testsuites>`;
    const r = parseTestResults(xml)!;
    expect(r).toMatchObject({ format: 'junit', passed: 1, failed: 2, skipped: 1 });
    expect(r.cases[1]).toEqual({ suite: 'math', name: 'divides & rounds', status: 'failed', durationMs: 500, message: 'expected 2 < 1\nAssertionError at line 4' });
    expect(r.cases[3]).toMatchObject({ suite: 'io', name: 'reads', status: 'failed', message: 'ENOENT' });
  });

  it('reads Jest/Vitest, pytest and Mocha JSON', () => {
    const jest = { testResults: [{ name: 'a.test.ts', assertionResults: [{ fullName: 'a works', status: 'passed', duration: 3 }, { title: 'b', status: 'failed', failureMessages: ['boom'] }, { title: 'c', status: 'pending' }] }] };
    expect(parseTestResults(JSON.stringify(jest))).toMatchObject({ format: 'jest', passed: 1, failed: 1, skipped: 1, cases: [{ name: 'a works', durationMs: 3 }, { message: 'boom' }, {}] });
    const pytest = { tests: [{ nodeid: 'tests/test_x.py::test_ok', outcome: 'passed', call: { duration: 0.25 } }, { nodeid: 'tests/test_x.py::test_bad', outcome: 'failed', call: { longrepr: 'assert 1 == 2' } }] };
    expect(parseTestResults(JSON.stringify(pytest))).toMatchObject({ format: 'pytest', passed: 1, failed: 1, cases: [{ suite: 'tests/test_x.py', name: 'test_ok', durationMs: 250 }, { message: 'assert 1 == 2' }] });
    const mocha = { stats: {}, tests: [{ title: 't1', fullTitle: 'suite t1', duration: 5, err: {} }, { title: 't2', fullTitle: 'suite t2', err: { message: 'nope' } }] };
    expect(parseTestResults(JSON.stringify(mocha))).toMatchObject({ format: 'mocha', passed: 1, failed: 1, cases: [{ name: 'suite t1' }, { message: 'nope' }] });
  });

  it('reads TAP with diagnostics and directives, and gives up on anything else', () => {
    const tap = 'TAP version 13\n1..3\nok 1 - parses\nnot ok 2 - formats\n  ---\n  message: wrong width\n  ...\nok 3 - later # SKIP not yet\n';
    expect(parseTestResults(tap)).toMatchObject({ format: 'tap', passed: 1, failed: 1, skipped: 1, cases: [{ name: 'parses' }, { name: 'formats', message: 'message: wrong width' }, { name: 'later', status: 'skipped' }] });
    expect(parseTestResults('just some log')).toBeNull();
    expect(parseTestResults('{"not": "tests"}')).toBeNull();
  });
});
