// SQL for a worker row's status: a worker a person took out of service (draining, retired) stays
// out until they put it back, whatever a heartbeat, probe or reconnect would otherwise say.

/** The status column's new value: `next` (an SQL expression) unless the worker is out of service. */
export const KEEP_OUT_OF_SERVICE = (next: string): string => `CASE WHEN status IN ('draining', 'retired') THEN status ELSE ${next} END`;
