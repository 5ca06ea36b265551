// Where this store's control plane listens for agents, so `shoal agent-token` (another process on
// the same database) can print the exact command to run.
import { z } from 'zod';
import type { Store } from '../store/open';
import { setting, SettingsTable } from '../store/settings-table';

export interface ListenerRecord { url: string; pid: number; tls: boolean }

const LISTENER = setting<ListenerRecord | null>('agents.listener', z.object({ url: z.string(), pid: z.number().int(), tls: z.boolean() }).nullable(), null);

export function recordListener(store: Store, rec: ListenerRecord): void {
  new SettingsTable(store).set(LISTENER, rec);
}

export function readListener(store: Store): ListenerRecord | null {
  return new SettingsTable(store).get(LISTENER);
}

/** Forgets the record when it is this process's (a stopped listener); another process's stays. */
export function clearListener(store: Store, pid: number): void {
  const table = new SettingsTable(store);
  if (table.get(LISTENER)?.pid === pid) table.set(LISTENER, null);
}
