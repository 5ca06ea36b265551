// An attempt's create request that got no answer from the daemon (the connection dropped, or our
// deadline passed) may still have made the container there: the daemon did the work and only its
// answer was lost. Shoal then has no id for it; it would never start, and would stay (created, or
// running should a start have reached it) until the next sweep of unrecorded containers, which
// comes only when the worker is next called usable after being down — possibly never, while the
// daemon keeps answering. So the attempt's own failure looks it up by the labels it was made with
// (this store, run, task and attempt: never another store's or another attempt's) and removes it.
import type Docker from 'dockerode';
import { callDeadline, forceRemove } from './docker-client';
import { attemptLabels, LABEL, type AttemptLabelled } from './docker-labels';

/** The request never left this computer (no connection to the daemon was made): the daemon cannot
 *  have made anything, so there is nothing to look for. */
export function neverSent(e: unknown): boolean {
  return (e as { syscall?: string } | null)?.syscall === 'connect';
}

/** Removes (force) the containers the daemon made for `a`; resolves with their ids (none when the
 *  create never reached it). Rejects, with the daemon's error, when it cannot be asked or one of them
 *  could not be removed: the sweep of unrecorded containers is then what ends it. */
export async function removeLostCreate(docker: Docker, a: AttemptLabelled, callMs: number): Promise<string[]> {
  const want = attemptLabels(a);
  const list = await docker.listContainers({ all: true, filters: { label: Object.entries(want).map(([k, v]) => `${k}=${v}`) }, ...callDeadline(callMs) });
  // The daemon's filter is the first check; this one guards against a daemon that ignores it, and
  // keeps a store-less attempt's lookup (no store label asked for) off every store's containers.
  const ids = list.filter((c) => {
    const labels = c.Labels ?? {};
    return Object.entries(want).every(([k, v]) => labels[k] === v) && (a.storeId !== null || labels[LABEL.store] === undefined);
  }).map((c) => c.Id);
  for (const id of ids) await forceRemove(docker, id, callMs);
  return ids;
}
