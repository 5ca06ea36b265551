import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BatchInsert } from './batch-insert';

describe('BatchInsert', () => {
  it('inserts every row, in order, whatever the count', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER, b TEXT)');
    const insert = new BatchInsert(db, 'INSERT INTO t (a, b)', 2);
    let next = 0;
    for (const n of [0, 1, 2, 63, 64, 65, 200]) {
      const flat: unknown[] = [];
      for (let i = 0; i < n; i++, next++) flat.push(next, `row ${next}`);
      insert.run(flat);
    }
    const rows = db.prepare('SELECT a, b FROM t ORDER BY id').all() as Array<{ a: number; b: string }>;
    expect(rows.map((r) => r.a)).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(rows[100]).toEqual({ a: 100, b: 'row 100' });
    db.close();
  });

  it('refuses values that do not make whole rows', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (a, b)');
    expect(() => new BatchInsert(db, 'INSERT INTO t (a, b)', 2).run([1, 2, 3])).toThrow(/3 values do not make rows of 2/);
    db.close();
  });
});
