// Hooks in the settings table (key `hooks`), URLs and secrets sealed. What a window or `shoal hooks
// list` sees says where a URL hook posts (its host) but never its path, query or secret.
import { ShoalError } from '../../../../src-shared/contract/envelope';
import type { HookView } from '../../../../src-shared/contract/methods/alerts';
import type { SecretCipher } from '../../providers/secret-store';
import { listOf, setting, type SettingsTable } from '../../store/settings-table';
import { issuesOf } from '../alert-config';
import { sealValue, isSealed, openValue } from '../sealed-channel';
import { HookConfigSchema, type HookConfig } from './hook-config';

/** Hooks as stored; a broken entry (hand-edited, another version) is left out, not the whole list. */
export const HOOKS = setting<HookConfig[]>('hooks', listOf(HookConfigSchema), []);

export type { HookView };

export class HookStore {
  constructor(private readonly settings: SettingsTable, private readonly cipher: SecretCipher) {}

  list(): HookConfig[] {
    return this.settings.get(HOOKS);
  }

  /** Validates (errors name the field) and adds or replaces the hook with this id. */
  /** Adds a hook; one with the same id is replaced only when `replace` says so: adding under an id
   *  already taken silently dropped the hook it had (its URL and secret with it). */
  add(input: unknown, replace = false): HookConfig {
    const parsed = HookConfigSchema.safeParse(input);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error, '');
      throw new ShoalError('invalid_input', issues[0] ?? 'invalid hook', issues);
    }
    if (!replace && this.list().some((h) => h.id === parsed.data.id)) {
      const issue = `id: a hook "${parsed.data.id}" already exists; remove it first, or choose another id`;
      throw new ShoalError('conflict', issue, [issue]);
    }
    const hook = parsed.data.kind === 'url'
      ? { ...parsed.data, url: this.seal(parsed.data.url), ...(parsed.data.secret ? { secret: this.seal(parsed.data.secret) } : {}) }
      : parsed.data;
    this.settings.set(HOOKS, [...this.list().filter((h) => h.id !== hook.id), hook]);
    return hook;
  }

  remove(id: string): boolean {
    const before = this.list();
    const after = before.filter((h) => h.id !== id);
    this.settings.set(HOOKS, after);
    return after.length < before.length;
  }

  view(): HookView[] {
    return this.list().map((h) => ({
      id: h.id, kind: h.kind, events: h.events, timeout_seconds: h.timeout_seconds,
      target: h.kind === 'command' ? h.command : this.hostOf(h.url), signed: h.kind === 'url' && !!h.secret,
    }));
  }

  private seal(v: string): string {
    return isSealed(v) ? v : sealValue(this.cipher, v);
  }

  private hostOf(sealed: string): string {
    try {
      const u = new URL(openValue(this.cipher, sealed));
      return `${u.protocol}//${u.host}/…`;
    } catch {
      return '(unreadable here)';
    }
  }
}
