// Migrations are additive and shipped: every journal entry has its SQL file, the package includes
// them all, and a database upgraded step by step ends in exactly the schema of a fresh one.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-core';
import { openStore, resolveMigrationsDir } from './open';

const dir = resolveMigrationsDir();
const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ idx: number; tag: string; when: number }> };

function schemaOf(db: Database.Database): string[] {
  return (db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name != '__drizzle_migrations' ORDER BY type, name`).all() as Array<Record<string, string | null>>)
    .map((r) => `${r.type} ${r.name} ${String(r.sql).replace(/\s+/g, ' ')}`);
}

/** Applies migration files 0..n-1 by hand the way drizzle does (statement breakpoints). */
function applyUpTo(db: Database.Database, n: number): void {
  for (const entry of journal.entries.slice(0, n)) {
    const sql = fs.readFileSync(path.join(dir, `${entry.tag}.sql`), 'utf8');
    for (const stmt of sql.split('--> statement-breakpoint')) if (stmt.trim()) db.exec(stmt);
  }
}

describe('migrations', () => {
  it('every journal entry has its SQL file, and every SQL file is in the journal', () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
    expect(files).toEqual(journal.entries.map((e) => `${e.tag}.sql`).sort());
    // Numbers are assigned per change and may leave gaps; what drizzle relies on is the order: it
    // applies an entry only when its `when` is later than the last one applied.
    const stamps = journal.entries;
    for (let i = 1; i < stamps.length; i++) {
      expect(stamps[i]!.idx, `entry ${i} idx`).toBeGreaterThan(stamps[i - 1]!.idx);
      expect(stamps[i]!.when, `entry ${i} when`).toBeGreaterThan(stamps[i - 1]!.when);
    }
  });

  it('are all in the published package', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: path.resolve(dir, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = new Set((JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));
    for (const e of journal.entries) expect(files.has(`drizzle/${e.tag}.sql`), `${e.tag}.sql shipped`).toBe(true);
    expect(files.has('drizzle/meta/_journal.json')).toBe(true);
  });

  it('are additive only: no migration drops or renames anything', () => {
    for (const e of journal.entries.slice(1)) {
      const sql = fs.readFileSync(path.join(dir, `${e.tag}.sql`), 'utf8');
      expect(sql, e.tag).not.toMatch(/\bDROP\s+(TABLE|COLUMN)\b|\bRENAME\b/i);
    }
  });

  it('a fresh database and one upgraded from every earlier version end in the same schema', () => {
    const work = tempDir('shoal-mig-');
    const fresh = openStore(path.join(work, 'fresh.db'));
    const expected = schemaOf(fresh.db);
    fresh.close();
    expect(expected.length).toBeGreaterThan(10);
    for (let n = 1; n <= journal.entries.length; n++) {
      const file = path.join(work, `from-${n}.db`);
      const old = new Database(file);
      applyUpTo(old, n);
      // drizzle's bookkeeping for the migrations applied so far, as an older Shoal would have left it
      old.exec('CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric)');
      const stamps = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')).entries as Array<{ when: number; tag: string }>;
      for (const e of stamps.slice(0, n)) {
        const sql = fs.readFileSync(path.join(dir, `${e.tag}.sql`), 'utf8');
        const hash = crypto.createHash('sha256').update(sql).digest('hex');
        old.prepare('INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)').run(hash, e.when);
      }
      old.close();
      const upgraded = openStore(file);
      expect(schemaOf(upgraded.db), `upgraded from ${n}`).toEqual(expected);
      upgraded.close();
    }
  });

  it('opening twice is idempotent and keeps data', () => {
    const file = path.join(tempDir('shoal-mig-'), 's.db');
    const a = openStore(file);
    a.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('k', '"v"', 'now')`).run();
    a.close();
    const b = openStore(file);
    expect(b.db.prepare(`SELECT value FROM settings WHERE key = 'k'`).get()).toEqual({ value: '"v"' });
    expect(b.db.pragma('journal_mode', { simple: true })).toBe('wal');
    b.close();
  });
});
