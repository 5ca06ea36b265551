// Where this store's control plane listens for agents, so `shoal agent-token` (another process on
// the same database) can print the exact command to run.
import type { Store } from '../store/open';

const KEY = 'agents.listener';

export interface ListenerRecord { url: string; pid: number; tls: boolean }

export function recordListener(store: Store, rec: ListenerRecord): void {
  store.db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
    .run(KEY, JSON.stringify(rec), new Date().toISOString());
}

export function readListener(store: Store): ListenerRecord | null {
  const row = store.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(KEY);
  if (!row) return null;
  try {
    return JSON.parse(row.value) as ListenerRecord;
  } catch {
    return null;
  }
}
