// Settings → Alert channels through the contract, as two windows call it: Remove and Send test name a
// channel by its id, so a window whose list is older than the settings (another window, or the CLI,
// removed a channel meanwhile) acts on no other channel than the one it showed, and is told why.
import { describe, expect, it } from 'vitest';
import { callError, callMethod as call } from '../../test-support/core-call';
import { useCores } from '../../test-support/use-cores';

const core = useCores();

describe('alert channels by id', () => {
  it('a window acting on a channel another removed is refused, and the channel that took its place is untouched', async () => {
    const c = core();
    await call(c, 'alerts.addChannel', { channel: { kind: 'webhook', url: 'https://first.example/hook' } });
    await call(c, 'alerts.addChannel', { channel: { kind: 'pager_duty', routing_key: 'r-key', severity: 'warning' } });
    // Both windows read the list: [first, PagerDuty].
    const seen = (await call(c, 'alerts.settings', {})).channels;
    expect(seen.map((ch) => ch.label)).toEqual(['Webhook · first.example', 'PagerDuty (warning)']);
    expect(new Set(seen.map((ch) => ch.id)).size).toBe(2);
    // The id says nothing of the channel's secrets.
    expect(seen[0]!.id).not.toMatch(/first|example|hook/);
    // Stable: read again, after another channel is added and another setting changed, each is the same.
    await call(c, 'alerts.addChannel', { channel: { kind: 'webhook', url: 'https://third.example/hook' } });
    await call(c, 'alerts.updateSettings', { max_delivery_attempts: 7 });
    const again = (await call(c, 'alerts.settings', {})).channels;
    expect(again.slice(0, 2).map((ch) => ch.id)).toEqual(seen.map((ch) => ch.id));

    // Window B removes the first channel.
    await call(c, 'alerts.removeChannel', { id: seen[0]!.id });
    // Window A, still showing it first, clicks its Remove, then its Send test: both refused, naming why.
    const remove = await callError(c, 'alerts.removeChannel', { id: seen[0]!.id });
    expect(remove.code).toBe('not_found');
    expect(remove.message).toBe('This alert channel is no longer in Settings: it was removed or replaced meanwhile (in another window or from the CLI). Nothing was removed; the list shows the channels as they are now.');
    const test = await callError(c, 'alerts.sendTest', { id: seen[0]!.id });
    expect(test.code).toBe('not_found');
    expect(test.message).toContain('Nothing was sent');
    // The channel now first in the list is still there, and nothing was sent anywhere.
    expect((await call(c, 'alerts.settings', {})).channels.map((ch) => ch.label)).toEqual(['PagerDuty (warning)', 'Webhook · third.example']);
    expect((await call(c, 'alerts.list', {})).deliveries).toEqual([]);

    // Window A's Send test on the PagerDuty channel it showed second goes to that channel.
    await call(c, 'alerts.sendTest', { id: seen[1]!.id });
    expect((await call(c, 'alerts.list', {})).deliveries.map((d) => d.channel)).toEqual(['pager_duty']);
  });

  it('an id that was never a channel is refused by the contract or by main, never taken as a position', async () => {
    const c = core();
    await call(c, 'alerts.addChannel', { channel: { kind: 'webhook', url: 'https://only.example/hook' } });
    expect((await callError(c, 'alerts.removeChannel', { index: 0 })).code).toBe('invalid_input');
    expect((await callError(c, 'alerts.removeChannel', { id: '0' })).code).toBe('not_found');
    expect((await call(c, 'alerts.settings', {})).channels).toHaveLength(1);
  });
});
