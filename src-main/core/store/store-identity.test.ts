// A store's identity is made once and kept: the same store (reopened, or a second handle on it)
// answers the same id, another store another one.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir';
import { openStore, type Store } from './open';
import { storeIdentity } from './store-identity';

const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function storeAt(file: string): Store {
  const s = openStore(file);
  open.push(s);
  return s;
}

describe('storeIdentity', () => {
  it('is made once per store, kept across handles, and differs between stores', () => {
    const file = path.join(tempDir('shoal-identity-'), 's.db');
    const first = storeIdentity(storeAt(file));
    expect(first).toMatch(/^[0-9a-f]{24}$/);
    expect(storeIdentity(storeAt(file))).toBe(first);
    expect(storeIdentity(storeAt(path.join(tempDir('shoal-identity-'), 's.db')))).not.toBe(first);
  });
});
