// How the store tells of an attempt's work: the host ref it is known by, and whether the attempt
// still holds its task's lease (then it runs, or recovery ends it; without it, a marked attempt's
// work is an owed reap). One place, so the engine's owed reaps, the Workers view's list and a
// person's Forget can never disagree about what is owed.
import { parseHostRef, type HostRef } from '../hosts/host-ref';

/** SQL: the attempt row aliased `a` still holds its task's lease. */
export function leaseHeldSql(a: string): string {
  return `EXISTS (SELECT 1 FROM tasks i WHERE i.run_id = ${a}.run_id AND i.task_id = ${a}.task_id AND i.attempts = ${a}.attempt AND i.lease_token = ${a}.lease_token)`;
}

/** The ref an attempt's work is known by. Attempts recorded before host refs existed ran here,
 *  known by pid alone. */
export function storedHostRef(a: { host_ref: string | null; pid: number | null; pid_start: string | null }): HostRef | null {
  return parseHostRef(a.host_ref) ?? (a.pid ? { kind: 'local', pid: a.pid, startTime: a.pid_start } : null);
}
