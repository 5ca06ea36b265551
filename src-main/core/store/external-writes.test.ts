// A write by another connection (another process, in the app's case the CLI) is seen; our own are not.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir';
import { watchExternalWrites, type ExternalWriteWatch } from './external-writes';
import { openStore, type Store } from './open';

let store: Store | null = null;
let watch: ExternalWriteWatch | null = null;
afterEach(() => {
  watch?.stop();
  store?.close();
});

describe('watchExternalWrites', () => {
  it('fires for another connection\'s commit and not for our own', () => {
    const file = path.join(tempDir(), 's.db');
    store = openStore(file);
    watch = watchExternalWrites(store.db, () => {}, 60_000);
    store.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('own', '1', 'now')").run();
    expect(watch.check()).toBe(false);
    const other = new Database(file);
    other.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('theirs', '1', 'now')").run();
    other.close();
    expect(watch.check()).toBe(true);
    expect(watch.check()).toBe(false);
  });
});
