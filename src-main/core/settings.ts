// User settings (theme, notifications, the agents' lease deadline) live in the store like everything
// else; secrets never go here.
import { z } from 'zod';
import { MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from './fleet/spec/remote-work-fields';
import { setting, type SettingsTable } from './store/settings-table';

export interface Settings {
  theme: 'system' | 'light' | 'dark';
  notifications: boolean;
  /** How long a remote agent's lease outlives its last renewal before its task is reclaimed; a
   *  task's `metadata.lease_seconds` overrides it, and so does `shoal serve --lease-seconds`. */
  agentLeaseSeconds: number;
}

/** Seed default: ten minutes, long enough for a laptop lid or a flaky link. */
export const DEFAULT_AGENT_LEASE_SECONDS = 600;

const DEFAULTS: Settings = { theme: 'system', notifications: true, agentLeaseSeconds: DEFAULT_AGENT_LEASE_SECONDS };

/** A field that is missing or no longer valid falls back to its default alone. */
const USER = setting<Settings>('user', z.object({
  theme: z.enum(['system', 'light', 'dark']).catch(DEFAULTS.theme),
  notifications: z.boolean().catch(DEFAULTS.notifications),
  agentLeaseSeconds: z.number().int().min(MIN_LEASE_SECONDS).max(MAX_LEASE_SECONDS).catch(DEFAULTS.agentLeaseSeconds),
}), DEFAULTS);

export class SettingsStore {
  constructor(private readonly table: SettingsTable) {}

  get(): Settings {
    return { ...this.table.get(USER) };
  }

  update(patch: Partial<Settings>): Settings {
    const next = this.get();
    if (patch.theme !== undefined) next.theme = patch.theme;
    if (patch.notifications !== undefined) next.notifications = patch.notifications;
    if (patch.agentLeaseSeconds !== undefined) next.agentLeaseSeconds = patch.agentLeaseSeconds;
    this.table.set(USER, next);
    return next;
  }
}
