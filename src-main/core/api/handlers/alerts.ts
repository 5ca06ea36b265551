// Alert handlers: the Alerts view's list and actions, and the alert settings.
import { ShoalError } from '../../../../src-shared/contract/envelope';
import type { alertsMethods, AlertDeliveryView } from '../../../../src-shared/contract/methods/alerts';
import type { DeliveryRow } from '../../alerts/outbox';
import { goneChannel } from '../../alerts/alert-settings';
import { HOOK_EVENTS } from '../../alerts/hooks/hook-config';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

export function deliveryView(r: DeliveryRow): AlertDeliveryView {
  return {
    id: r.id, state: r.state, channel: r.channel_kind, action: r.action, rule: r.rule, runId: r.run_id, taskId: r.task_id, attempt: r.attempt,
    attempts: r.attempts, reason: r.reason, lastError: r.last_error, createdAt: r.created_at, deliveredAt: r.delivered_at,
  };
}

export function alertsHandlers(core: CoreServices): { [M in keyof typeof alertsMethods]: Handler<M> } {
  return {
    'alerts.list': ({ runId, taskId, limit }) => ({ deliveries: core.alerts.outbox.list({ runId, taskId, limit }).map(deliveryView) }),
    'alerts.retry': ({ id }) => {
      if (!core.alerts.outbox.get(id)) throw new ShoalError('not_found', `No alert delivery with id "${id}".`);
      core.alerts.retry(id);
      return { ok: true };
    },
    'alerts.sendTest': ({ id }) => ({ id: core.alerts.sendTest({ id }) }),
    'alerts.settings': () => core.alerts.settings.view(),
    'alerts.addChannel': ({ channel }) => {
      core.alerts.settings.addChannel(channel);
      return core.alerts.settings.view();
    },
    'alerts.removeChannel': ({ id }) => {
      if (!core.alerts.settings.removeChannel(id)) throw new ShoalError('not_found', goneChannel('removed'));
      return { ok: true };
    },
    'alerts.updateSettings': (patch) => {
      core.alerts.settings.update(patch);
      return core.alerts.settings.view();
    },
    'alerts.hooks': () => ({ hooks: core.alerts.hookStore.view(), events: [...HOOK_EVENTS] }),
    'alerts.addHook': ({ hook }) => {
      core.alerts.addHook(hook);
      return { hooks: core.alerts.hookStore.view() };
    },
    'alerts.testHook': async ({ id, event }) => core.alerts.testHook(id, event),
    'alerts.removeHook': ({ id }) => {
      if (!core.alerts.removeHook(id)) throw new ShoalError('not_found', `id: no hook "${id}"`);
      return { ok: true };
    },
  };
}
