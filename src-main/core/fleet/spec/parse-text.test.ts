// A spec that does not parse is one problem, `(root): not valid <format>: <what> at line L, column C`,
// in every format: the CLI prints it and the launch preview marks that line (spec-review.ts).
import { describe, expect, it } from 'vitest';
import { reviewSpec } from '../../views/spec-review';
import { loadSpec } from './load-spec';

const opts = (filename: string) => ({ filename, defaultCapabilities: ['local'] });

function syntaxIssue(text: string, filename: string): string {
  const r = loadSpec(text, opts(filename));
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.issues).toHaveLength(1);
  return r.issues[0]!;
}

describe('syntax errors name their line and column', () => {
  it('TOML: what is wrong and where, without smol-toml\'s "Invalid TOML document" prefix', () => {
    const issue = syntaxIssue('name = "bad"\n[[task_specs]]\nid = "a"\nname = A\n', 'x.toml');
    expect(issue).toBe('(root): not valid TOML: invalid value at line 4, column 8');
  });

  it('JSON: the parser\'s offset becomes a line and a column', () => {
    expect(syntaxIssue('{\n  "name": "bad",\n  "task_specs": [ {"id": "a",} ]\n}', 'x.json'))
      .toBe('(root): not valid JSON: Expected property name or \'}\' at line 3, column 30');
    expect(syntaxIssue('{"task_specs": [', 'x.json')).toBe('(root): not valid JSON: Unexpected end of JSON input at line 1, column 17');
  });

  it('YAML: the first line of the message, without the colon that introduced its excerpt', () => {
    expect(syntaxIssue('name: bad\ntask_specs:\n  - id: a\n    name: A\n     instructions: x\n', 'x.yaml'))
      .toBe('(root): not valid YAML: Nested mappings are not allowed in compact mappings at line 4, column 11');
  });

  it('the launch preview marks the line each format names', () => {
    const cases: Array<[string, string, number]> = [
      ['name = "bad"\n[[task_specs]]\nid = "a"\nname = A\n', 'x.toml', 4],
      ['{\n  "name": "bad",\n  "task_specs": [ {"id": "a",} ]\n}', 'x.json', 3],
    ];
    for (const [text, filename, line] of cases) {
      const issue = syntaxIssue(text, filename);
      expect(reviewSpec(text, filename, [issue]).located[0], filename).toMatchObject({ path: '(root)', line });
    }
  });
});
