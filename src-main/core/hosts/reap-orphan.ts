// After a crash, the work a ref names is ended through the first of several drivers that can reach
// it: the worker's own, a kept worker's (its sealed key: the ref alone carries none), then one built
// from the ref (the user's ssh-agent or ~/.ssh). A driver that cannot log in must not be the end of
// it while another one could: the work would be left running and the task run beside it.
import type { HostDriver } from './host-driver';
import type { HostRef } from './host-ref';

/** Tries each driver in turn, asking for the next (which may unseal a key) only when needed.
 *  Rejects only when every one failed, with each cause (they name hosts, never keys). */
export async function reapThrough(candidates: ReadonlyArray<() => HostDriver | null>, ref: HostRef): Promise<'ended' | 'gone'> {
  const tried = new Set<HostDriver>();
  const causes: string[] = [];
  for (const next of candidates) {
    const d = next();
    if (!d || d.kind !== ref.kind || tried.has(d)) continue;
    tried.add(d);
    try {
      return await d.reap(ref);
    } catch (e) {
      const cause = (e as Error).message;
      if (!causes.includes(cause)) causes.push(cause);
    }
  }
  throw new Error(causes.length > 0 ? causes.join('; ') : `no driver here can reach ${ref.kind} hosts`);
}
