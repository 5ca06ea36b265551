// Path rules judge where a path really lands: a symlink inside the workdir (made by the agent with
// `ln -s secrets s`) does not get a read, search or write past a rule about secrets/**. Real files
// and symlinks in a temp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../../src-shared/contract/methods/policy';
import { DEFAULT_RULES } from './defaults';
import { evaluatePolicy, type PolicyCall, type RuleLayer } from './evaluate';
import { realPathIn } from './real-path';

let top: string;
let dir: string;
let outside: string;

const RULES: PolicyRule[] = [
  { id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny' },
  { id: 'no-secret-writes', tool: 'write_file', path: 'secrets/**', action: 'deny' },
  { id: 'no-outside-keys', tool: 'read_file', path: '/set/below/**', action: 'deny' }, // an absolute rule: outside/**
];
let layers: RuleLayer[];

beforeAll(() => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-realpath-'));
  dir = path.join(top, 'work');
  outside = path.join(top, 'keys');
  fs.mkdirSync(path.join(dir, 'secrets'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(dir, 'secrets', 'key'), 'TOKEN=1\n');
  fs.writeFileSync(path.join(dir, 'src', 'a.ts'), 'x\n');
  fs.writeFileSync(path.join(outside, 'id'), 'k\n');
  fs.symlinkSync('secrets', path.join(dir, 's')); // ln -s secrets s
  fs.symlinkSync('../secrets/key', path.join(dir, 'src', 'k')); // a file link
  fs.symlinkSync('secrets/new-key', path.join(dir, 'dangling')); // writing to it creates secrets/new-key
  fs.symlinkSync(outside, path.join(dir, 'out')); // leaves the workdir
  fs.symlinkSync(dir, path.join(top, 'alias')); // the workdir reached through a symlink
  fs.symlinkSync('loop', path.join(dir, 'loop')); // a link to itself
  RULES[2] = { id: 'no-outside-keys', tool: 'read_file', path: `${outside}/**`, action: 'deny' };
  layers = [{ layer: 'user', rules: RULES }, { layer: 'default', rules: DEFAULT_RULES }];
});
afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

const judge = (call: Omit<PolicyCall, 'cwd' | 'root' | 'realPath'>, root = dir) =>
  evaluatePolicy({ ...call, cwd: root, root, realPath: realPathIn(root) }, layers, 'on-request');

describe('path rules follow symlinks where the files are', () => {
  it.each([
    ['Read of s/key (s -> secrets)', { tool: 'read_file', path: 's/key' }, 'no-secrets'],
    ['Read of an absolute path through the link', { tool: 'read_file', path: '<dir>/s/key' }, 'no-secrets'],
    ['Read of a file symlink', { tool: 'read_file', path: 'src/k' }, 'no-secrets'],
    ['Grep of the linked folder', { tool: 'read_file', path: 's', folder: true }, 'no-secrets'],
    ['Glob under the linked folder', { tool: 'read_file', path: 's/sub', folder: true }, 'no-secrets'],
    ['Write of a new file under the linked folder', { tool: 'write_file', path: 's/new.txt' }, 'no-secret-writes'],
    ['Write through a dangling link into secrets', { tool: 'write_file', path: 'dangling' }, 'no-secret-writes'],
    ['Read through a link that leaves the workdir, into a denied absolute folder', { tool: 'read_file', path: 'out/id' }, 'no-outside-keys'],
    ['a cat of s/key in the shell', { tool: 'exec_shell', command: 'cat s/key' }, 'no-secrets'],
  ] as Array<[string, Omit<PolicyCall, 'cwd'>, string | null]>)('%s is denied', (_name, call, ruleId) => {
    const withDir = { ...call, ...(call.path ? { path: call.path.replace('<dir>', dir) } : {}) };
    const d = judge(withDir);
    expect(d.action).toBe('deny');
    if (ruleId) expect(d.ruleId).toBe(ruleId);
    expect(d.reason).toContain('resolves to "');
  });

  it('paths without a link on the way are judged as before', () => {
    expect(judge({ tool: 'read_file', path: 'src/a.ts' })).toMatchObject({ action: 'allow', ruleId: 'default-allow-read-file' });
    expect(judge({ tool: 'read_file', path: 'src', folder: true })).toMatchObject({ action: 'allow' });
    expect(judge({ tool: 'write_file', path: 'src/new/b.ts' })).toMatchObject({ action: 'allow' });
    expect(judge({ tool: 'read_file', path: 'secrets/key' })).toMatchObject({ action: 'deny', ruleId: 'no-secrets' });
    // Paths that cannot exist are judged as written, without an error.
    expect(judge({ tool: 'read_file', path: 'loop/x' })).toMatchObject({ action: 'allow' });
    expect(judge({ tool: 'write_file', path: 'src/a.ts/x' })).toMatchObject({ action: 'allow' });
  });

  it('a workdir reached through a symlink still compares relative rules to the workdir', () => {
    const alias = path.join(top, 'alias');
    expect(judge({ tool: 'read_file', path: 's/key' }, alias)).toMatchObject({ action: 'deny', ruleId: 'no-secrets' });
    expect(judge({ tool: 'read_file', path: `${alias}/src/k` }, alias)).toMatchObject({ action: 'deny', ruleId: 'no-secrets' });
    expect(judge({ tool: 'read_file', path: 'src/a.ts' }, alias)).toMatchObject({ action: 'allow' });
  });

  it('without a resolver (the files are on another machine) a path is judged as written', () => {
    expect(evaluatePolicy({ tool: 'read_file', path: 's/key', cwd: dir }, layers, 'on-request')).toMatchObject({ action: 'allow' });
    // and a workdir that is not here resolves nothing
    expect(realPathIn(path.join(top, 'nowhere'))(path.join(top, 'nowhere', 's'))).toBeUndefined();
  });

  it('resolving stays cheap: one realpath for an existing path, no exception per missing folder', () => {
    const resolve = realPathIn(dir);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) {
      resolve(path.join(dir, 's', 'key'));
      resolve(path.join(dir, 'src', 'new', 'deeper', 'x.ts'));
    }
    const perCallUs = Number(process.hrtime.bigint() - started) / 1000 / 4000;
    expect(perCallUs).toBeLessThan(500);
    expect(resolve(path.join(dir, 's', 'new', 'deeper', 'x.ts'))).toBe(path.join(dir, 'secrets', 'new', 'deeper', 'x.ts'));
  });

  it('with no rule about a path nothing is resolved', () => {
    let asked = 0;
    const realPath = (p: string) => (asked++, p);
    evaluatePolicy({ tool: 'read_file', path: 's/key', cwd: dir, realPath }, [{ layer: 'default', rules: DEFAULT_RULES }], 'on-request');
    evaluatePolicy({ tool: 'exec_shell', command: 'cat s/key', cwd: dir, realPath }, [{ layer: 'default', rules: DEFAULT_RULES }], 'on-request');
    expect(asked).toBe(0);
    evaluatePolicy({ tool: 'read_file', path: 's/key', cwd: dir, realPath }, layers, 'on-request');
    expect(asked).toBe(1);
  });
});
