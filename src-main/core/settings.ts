// User settings live in the store like everything else; secrets never go through here.
import type { Store } from './store/open';

export interface Settings {
  theme: 'system' | 'light' | 'dark';
  notifications: boolean;
}

const DEFAULTS: Settings = { theme: 'system', notifications: true };

export class SettingsStore {
  private readonly getStmt;
  private readonly putStmt;

  constructor(store: Store) {
    this.getStmt = store.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.putStmt = store.db.prepare<[string, string, string]>(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
  }

  get(): Settings {
    const row = this.getStmt.get('user');
    if (!row) return { ...DEFAULTS };
    try {
      return { ...DEFAULTS, ...(JSON.parse(row.value) as Partial<Settings>) };
    } catch {
      return { ...DEFAULTS };
    }
  }

  update(patch: Partial<Settings>): Settings {
    const next = { ...this.get() };
    if (patch.theme !== undefined) next.theme = patch.theme;
    if (patch.notifications !== undefined) next.notifications = patch.notifications;
    this.putStmt.run('user', JSON.stringify(next), new Date().toISOString());
    return next;
  }
}
