// The script that resolves paths on another host gives the same answers as realPathIn does here,
// in the shells such a host may have (its sh: dash on Debian, bash elsewhere): real
// files and symlinks in a temp dir, the script run as a driver runs it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realPathIn } from './real-path';
import { parseResolved, realPathThere, resolveArgv } from './real-path-there';

let top: string;
let dir: string;

beforeAll(() => {
  top = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-realpath-there-')));
  dir = path.join(top, 'work');
  fs.mkdirSync(path.join(dir, 'secrets', 'deep'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(top, 'keys'));
  fs.writeFileSync(path.join(dir, 'secrets', 'key'), 'k\n');
  fs.symlinkSync('secrets', path.join(dir, 's'));
  fs.symlinkSync('../secrets/key', path.join(dir, 'src', 'k'));
  fs.symlinkSync('secrets/new-key', path.join(dir, 'dangling'));
  fs.symlinkSync(path.join(top, 'keys'), path.join(dir, 'out'));
  fs.symlinkSync(dir, path.join(top, 'alias'));
  fs.symlinkSync('loop', path.join(dir, 'loop'));
  fs.symlinkSync('s/deep', path.join(dir, 'chain'));
  fs.mkdirSync(path.join(dir, 'odd name\nwith newline'));
  fs.symlinkSync('../secrets', path.join(dir, 'odd name\nwith newline', 'up'));
});
afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

const PATHS = [
  'README.md', 'secrets/key', 's/key', 's', 's/new/file.txt', 'src/k', 'dangling', 'out/id', 'loop/x', 'chain/../key', 'chain/x',
  'odd name\nwith newline/up/key', 'src/k/x', '', 'nowhere/at/all',
];

function runScript(shell: string, paths: string[]): string[] {
  const [, ...rest] = resolveArgv(paths);
  return parseResolved(execFileSync(shell, rest), paths.length);
}

describe.each(['sh', 'dash', 'bash'].filter((s) => fs.existsSync(`/bin/${s}`)))('resolving paths where the files are, in %s', (shell) => {
  it('gives what realpath gives here, for files, links, dangling links and paths not there yet', async () => {
    const here = realPathIn(dir);
    const abs = PATHS.map((p) => path.join(dir, p));
    const there = await realPathThere(async (ps) => runScript(shell, [...ps]), dir, abs);
    for (const p of abs) expect([p, there(p)]).toEqual([p, here(p)]);
  });

  it('spells paths under a workdir reached through a link as under that workdir', async () => {
    const alias = path.join(top, 'alias');
    const there = await realPathThere(async (ps) => runScript(shell, [...ps]), alias, [`${alias}/s/key`, `${alias}/out/id`]);
    expect(there(`${alias}/s/key`)).toBe(`${alias}/secrets/key`);
    expect(there(`${alias}/out/id`)).toBe(path.join(top, 'keys', 'id'));
    expect(there(`${alias}/never-asked`)).toBeUndefined();
  });
});
