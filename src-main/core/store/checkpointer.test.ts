// WAL checkpoints on a background thread: committed pages reach the database file without the
// writer checkpointing, the writer takes over if the thread cannot run, and nothing is lost.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-core';
import { waitFor } from '../test-support/wait-for';
import { startCheckpointer } from './checkpointer';
import { openStore } from './open';

function writeMegabytes(db: ReturnType<typeof openStore>['db'], mb: number): void {
  const put = db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 'now')`);
  const value = JSON.stringify('x'.repeat(1000));
  db.transaction(() => {
    for (let i = 0; i < mb * 1000; i++) put.run(`k${i}`, value);
  })();
}

describe('background checkpoints', () => {
  it('copy committed pages into the database file while the writer only appends to the WAL', async () => {
    const file = path.join(tempDir('shoal-ckpt-'), 's.db');
    const store = openStore(file, { backgroundCheckpoints: true });
    // The writer's own threshold is only a backstop far above this test's 2 MB.
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(16_384);
    const before = fs.statSync(file).size;
    writeMegabytes(store.db, 2);
    await waitFor('the database file to hold the new pages', () => fs.statSync(file).size > before + 2_000_000, 10_000);
    store.close();
    await store.whenClosed(); // the thread has let go of the file: nothing left in the WAL
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const again = openStore(file);
    expect(again.db.prepare('SELECT COUNT(*) AS n FROM settings').get()).toEqual({ n: 2000 });
    again.close();
  });

  it('fall back to checkpointing in the writer when the thread cannot start', async () => {
    const file = path.join(tempDir('shoal-ckpt-'), 's.db');
    const store = openStore(file);
    const errors: string[] = [];
    const checkpointer = startCheckpointer(store.db, file, { nativeBinding: '/nonexistent/better_sqlite3.node', onError: (m) => errors.push(m) });
    await checkpointer.close();
    expect(errors.join('\n')).toMatch(/background checkpoints stopped \(.*\); checkpointing inline/s);
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    store.close();
  });
});
