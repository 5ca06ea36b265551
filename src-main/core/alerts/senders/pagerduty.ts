// PagerDuty Events API v2: `trigger` with routing_key, dedup_key and payload {summary, source,
// severity}; `resolve` with the same dedup_key once the task passes. The events URL can be pointed
// elsewhere with SHOAL_PAGERDUTY_EVENTS_URL (tests use a receiver on 127.0.0.1).
import { headline, type AlertMessage, type OutgoingRequest } from './alert-message';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export function pagerDutyUrl(env: NodeJS.ProcessEnv): string {
  return env.SHOAL_PAGERDUTY_EVENTS_URL || PAGERDUTY_EVENTS_URL;
}

export function pagerDutyRequest(eventsUrl: string, routingKey: string, severity: string, m: AlertMessage): OutgoingRequest {
  const body = m.action === 'resolve'
    ? { routing_key: routingKey, event_action: 'resolve', dedup_key: m.dedupKey }
    : {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: m.dedupKey,
        client: 'Shoal',
        client_url: m.link,
        payload: {
          summary: `${headline(m)}: ${m.reason}`.slice(0, 1024),
          source: m.runId ? `shoal/${m.runId}` : 'shoal',
          severity,
          timestamp: m.createdAt,
          component: m.taskId ?? undefined,
          custom_details: { run_id: m.runId, task_id: m.taskId, attempt: m.attempt, reason: m.reason, alert_id: m.id },
        },
      };
  return { url: eventsUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
