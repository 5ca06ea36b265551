// The single-owner claim is atomic: several processes started at the same instant on one store, and
// exactly one wins; every other one names the winner. A claim whose process is gone is taken over.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/open';
import { tempDir } from '../test-support/temp-core';
import { SettingsTable } from '../store/settings-table';
import { OWNER_CLAIM, OwnerLock } from './owner-lock';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(path.join(repoRoot, 'node_modules', '.cache', 'shoal-tests', `owner-claim-child-${process.pid}.mjs`), { force: true });
});

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

/** Bundled under node_modules/.cache (ignored by git) so the child resolves the repo's packages. */
async function bundleChild(): Promise<string> {
  const out = path.join(repoRoot, 'node_modules', '.cache', 'shoal-tests', `owner-claim-child-${process.pid}.mjs`);
  await build({
    entryPoints: [path.join(import.meta.dirname, '..', 'test-support', 'owner-claim-child.ts')],
    outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning',
    absWorkingDir: repoRoot,
  });
  return out;
}

interface Outcome { pid: number; won: boolean; holder: number | null }

function firstLine(child: ChildProcess): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Outcome);
    });
    child.on('exit', (code) => reject(new Error(`claim child exited ${code} before answering: ${err}`)));
  });
}

describe('owner lock', () => {
  it('four processes claiming at once: exactly one wins, the others name it', async () => {
    const dir = tempDir();
    const dbPath = path.join(dir, 'shoal.db');
    openStore(dbPath).close(); // migrations done before the race
    const script = await bundleChild();
    const startAt = Date.now() + 1500;
    const racers = Array.from({ length: 4 }, () => spawn(process.execPath, [script, dbPath, String(startAt)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] }));
    children.push(...racers);
    const outcomes = await Promise.all(racers.map(firstLine));
    const winners = outcomes.filter((o) => o.won);
    expect(winners).toHaveLength(1);
    for (const o of outcomes.filter((x) => !x.won)) expect(o.holder).toBe(winners[0]!.pid);
    for (const r of racers) r.stdin!.end();
    await Promise.all(racers.map((r) => new Promise((res) => (r.exitCode !== null ? res(null) : r.on('exit', res)))));
  });

  it('a claim left by a dead process, or by a pid now used by another process, is taken over', () => {
    const dir = tempDir();
    const store = openStore(path.join(dir, 'shoal.db'));
    try {
      const kv = new SettingsTable(store);
      kv.set(OWNER_CLAIM, { pid: 2 ** 22 + 12345, start: '1', since: new Date().toISOString() }); // no such pid
      const lock = new OwnerLock(kv);
      expect(lock.claim()).toBe(true);
      expect(lock.holder).toBeNull();
      lock.release();
      kv.set(OWNER_CLAIM, { pid: process.ppid, start: 'not-its-start-time', since: new Date().toISOString() }); // a recycled pid
      expect(new OwnerLock(kv).claim()).toBe(true);
    } finally {
      store.close();
    }
  });
});
