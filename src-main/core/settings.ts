// User settings (theme, notifications) live in the store like everything else; secrets never go here.
import { z } from 'zod';
import { setting, type SettingsTable } from './store/settings-table';

export interface Settings {
  theme: 'system' | 'light' | 'dark';
  notifications: boolean;
}

const DEFAULTS: Settings = { theme: 'system', notifications: true };

/** A field that is missing or no longer valid falls back to its default alone. */
const USER = setting<Settings>('user', z.object({
  theme: z.enum(['system', 'light', 'dark']).catch(DEFAULTS.theme),
  notifications: z.boolean().catch(DEFAULTS.notifications),
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
    this.table.set(USER, next);
    return next;
  }
}
