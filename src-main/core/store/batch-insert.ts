// Multi-row INSERTs for the hot paths that write many rows of one table in a transaction (events,
// enqueued tasks, attempts). Each statement call has a fixed cost beside the row's own b-tree work;
// one call per chunk instead of one per row saves about a quarter of an insert. Chunks are powers of
// two up to MAX_ROWS, so at most seven statements per table are ever prepared.
import type Database from 'better-sqlite3';

const MAX_ROWS = 64;

export class BatchInsert {
  private readonly statements = new Map<number, Database.Statement>();
  private readonly width: number;

  /** `head` is `INSERT INTO t (a, b, c)`; rows are given flat, `columns` values per row. */
  constructor(private readonly db: Database.Database, private readonly head: string, columns: number) {
    this.width = columns;
  }

  /** Inserts every row of `flat` (its length a multiple of the column count), in order. */
  run(flat: readonly unknown[]): void {
    const rows = flat.length / this.width;
    if (!Number.isInteger(rows)) throw new Error(`BatchInsert: ${flat.length} values do not make rows of ${this.width}`);
    let row = 0;
    while (row < rows) {
      let n = MAX_ROWS;
      while (n > rows - row) n >>= 1;
      const values = flat.slice(row * this.width, (row + n) * this.width);
      this.statement(n).run(values);
      row += n;
    }
  }

  private statement(rows: number): Database.Statement {
    let stmt = this.statements.get(rows);
    if (!stmt) {
      const tuple = `(${new Array<string>(this.width).fill('?').join(', ')})`;
      stmt = this.db.prepare(`${this.head} VALUES ${new Array<string>(rows).fill(tuple).join(', ')}`);
      this.statements.set(rows, stmt);
    }
    return stmt;
  }
}
