// Alert settings in the settings table (key `alerts`): the default channels for tasks without an
// alert_policy, approval escalation and delivery limits. Channels are stored sealed; the view a
// window gets says what each channel is, never its URL, key or secret.
import { ShoalError } from '../../../src-shared/contract/envelope';
import type { SecretCipher } from '../providers/secret-store';
import { setting, type SettingsTable } from '../store/settings-table';
import { z } from 'zod';
import { AlertChannelConfigSchema, AlertSettingsSchema, issuesOf, withoutRetired, type AlertSettings } from './alert-config';
import { channelKey, describeChannel, sealChannel } from './sealed-channel';
import { sameChannel } from './outbox';

/** Stored with channels sealed; a value that no longer parses reads as the defaults. A row an older
 *  version wrote with the approval deadline here reads without it (its channels kept). */
export const ALERT_SETTINGS = setting<AlertSettings>('alerts', z.preprocess(withoutRetired, AlertSettingsSchema), AlertSettingsSchema.parse({}));

/** A window acted on a channel it showed, which is no longer in Settings: nothing else is acted on
 *  in its place, and the person is told why (the list they see is older than the settings). */
export function goneChannel(nothing: 'removed' | 'sent'): string {
  return `This alert channel is no longer in Settings: it was removed or replaced meanwhile (in another window or from the CLI). Nothing was ${nothing}; the list shows the channels as they are now.`;
}

export interface AlertSettingsView {
  channels: Array<{ id: string; index: number; kind: string; label: string; severity: string | null; signed: boolean }>;
  after_attempts: number | null;
  after_minutes_stale: number | null;
  approval_escalate_minutes: number | null;
  max_delivery_attempts: number;
}

export class AlertSettingsStore {
  /** `dropped` is told, in the same transaction as the write, of channels a change took away (its
   *  pending deliveries must not keep going to them). */
  constructor(private readonly settings: SettingsTable, private readonly cipher: SecretCipher,
    private readonly dropped: (channels: AlertSettings['channels']) => void = () => {},
    private readonly atomically: (write: () => void) => void = (write) => write()) {}

  /** The settings with channels sealed (as stored). */
  get(): AlertSettings {
    return this.settings.get(ALERT_SETTINGS);
  }

  /** Validates (errors name the field), seals the channels and stores. Omitted fields keep their value. */
  update(patch: Record<string, unknown>): AlertSettings {
    const parsed = AlertSettingsSchema.safeParse({ ...this.get(), ...patch });
    // (A retired key in the patch is refused by the schema, naming where it lives now.)
    if (!parsed.success) {
      const issues = issuesOf(parsed.error, '');
      throw new ShoalError('invalid_input', issues[0] ?? 'invalid alert settings', issues);
    }
    const next = { ...parsed.data, channels: parsed.data.channels.map((c) => sealChannel(this.cipher, c)) };
    this.write(next);
    return next;
  }

  /** Adds one channel (validated: errors name `channel.<field>`), sealed. */
  addChannel(input: unknown): AlertSettings {
    const parsed = AlertChannelConfigSchema.safeParse(input);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error, 'channel');
      throw new ShoalError('invalid_input', issues[0] ?? 'invalid channel', issues);
    }
    const s = this.get();
    const next = { ...s, channels: [...s.channels, sealChannel(this.cipher, parsed.data)] };
    this.settings.set(ALERT_SETTINGS, next);
    return next;
  }

  /** The channel with this id (channelKey), as stored; undefined once it was removed or replaced. */
  channel(id: string): AlertSettings['channels'][number] | undefined {
    return this.get().channels.find((c) => channelKey(c) === id);
  }

  /** Removes the channel with this id; false when it is no longer there (removed or replaced
   *  meanwhile, in another window or from the CLI): then nothing else is removed in its place. */
  removeChannel(id: string): boolean {
    const s = this.get();
    const at = s.channels.findIndex((c) => channelKey(c) === id);
    if (at < 0) return false;
    this.write({ ...s, channels: s.channels.filter((_, i) => i !== at) });
    return true;
  }

  private write(next: AlertSettings): void {
    const before = this.get().channels;
    this.atomically(() => {
      this.settings.set(ALERT_SETTINGS, next);
      const gone = before.filter((c) => !next.channels.some((n) => sameChannel(c, n)));
      if (gone.length > 0) this.dropped(gone);
    });
  }

  view(): AlertSettingsView {
    const s = this.get();
    return {
      channels: s.channels.map((c, index) => ({
        id: channelKey(c), index, kind: c.kind, label: describeChannel(c, this.cipher), severity: c.kind === 'pager_duty' ? c.severity : null, signed: c.kind === 'webhook' && !!c.secret,
      })),
      after_attempts: s.after_attempts,
      after_minutes_stale: s.after_minutes_stale,
      approval_escalate_minutes: s.approval_escalate_minutes,
      max_delivery_attempts: s.max_delivery_attempts,
    };
  }
}
