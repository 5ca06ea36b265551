// The settings table has one accessor: every key has a zod schema, a stored value that does not
// match (hand-edited, another version) reads as the key's fallback or loses only its broken items,
// and a write that does not match is refused naming the key.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../test-support/temp-dir';
import { openStore, type Store } from './open';
import { listOf, setting, settingFamily, SettingsTable } from './settings-table';

let store: Store | null = null;
afterEach(() => store?.close());

function table(): { settings: SettingsTable; raw: (key: string, value: string) => void } {
  store = openStore(path.join(tempDir('shoal-settings-'), 's.db'));
  const put = store.db.prepare(`INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, 'now')`);
  return { settings: new SettingsTable(store), raw: (key, value) => put.run(key, value) };
}

const LIMIT = setting('limit', z.object({ n: z.number().int().min(1) }), { n: 5 });
const NAMES = setting('names', listOf(z.string()), []);
const SEALED = settingFamily('secret:', z.object({ data: z.string() }).nullable(), null);

describe('SettingsTable', () => {
  it('reads what it wrote, and the fallback when there is nothing, no JSON or a value off its schema', () => {
    const { settings, raw } = table();
    expect(settings.get(LIMIT)).toEqual({ n: 5 });
    settings.set(LIMIT, { n: 9 });
    expect(settings.get(LIMIT)).toEqual({ n: 9 });
    raw('limit', '{not json');
    expect(settings.get(LIMIT)).toEqual({ n: 5 });
    raw('limit', '{"n": 0}');
    expect(settings.get(LIMIT)).toEqual({ n: 5 });
    settings.delete(LIMIT);
    expect(store!.db.prepare(`SELECT COUNT(*) AS n FROM settings WHERE key = 'limit'`).get()).toEqual({ n: 0 });
  });

  it('refuses a write that does not match the key, naming it, and writes nothing', () => {
    const { settings } = table();
    expect(() => settings.set(LIMIT, { n: 0 })).toThrow(/^setting "limit": n: /);
    expect(store!.db.prepare(`SELECT COUNT(*) AS n FROM settings`).get()).toEqual({ n: 0 });
  });

  it('drops only the broken items of a list, and keys a family by name', () => {
    const { settings, raw } = table();
    raw('names', '["a", 3, "b", null]');
    expect(settings.get(NAMES)).toEqual(['a', 'b']);
    raw('names', '{"not": "a list"}');
    expect(settings.get(NAMES)).toEqual([]);
    settings.set(SEALED('github'), { data: 'x' });
    expect(settings.get(SEALED('github'))).toEqual({ data: 'x' });
    expect(settings.get(SEALED('gitlab'))).toBeNull();
    expect(store!.db.prepare(`SELECT key FROM settings WHERE key LIKE 'secret:%'`).all()).toEqual([{ key: 'secret:github' }]);
  });

  it('hands out a copy of the fallback: changing what was read does not change the next read', () => {
    const { settings } = table();
    settings.get(NAMES).push('leaked');
    settings.get(LIMIT).n = 99;
    expect(settings.get(NAMES)).toEqual([]);
    expect(settings.get(LIMIT)).toEqual({ n: 5 });
  });
});
