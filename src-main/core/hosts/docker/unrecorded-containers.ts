// Attempt containers this store's Shoal started but may not know: the create (or start) reached the
// daemon and the container runs, but the connection dropped, or Shoal was killed, before it learned
// the container's id and stored it with the attempt. Neither recovery nor an owed reap can end what
// no stored ref names, so they are found by their labels (this store's attempt containers) and every
// one whose attempt does not run right now is ended and removed. One whose attempt runs (here, or in
// another live process on the same store) is never touched, nor is another store's container.
import type Docker from 'dockerode';
import type { UnrecordedSweep } from '../host-driver';
import { callDeadline } from './docker-client';
import { LABEL, type ContainerKind } from './docker-labels';

/** The ids of the sweep's store's attempt containers whose attempts do not run now (a container
 *  without readable attempt labels counts as not running: it was never an attempt's that runs). */
export async function unrecordedContainers(docker: Docker, sweep: UnrecordedSweep, callMs: number): Promise<string[]> {
  const list = await docker.listContainers({
    all: true, filters: { label: [`${LABEL.kind}=${'attempt' satisfies ContainerKind}`, `${LABEL.store}=${sweep.storeId}`] }, ...callDeadline(callMs),
  });
  return list.filter((c) => {
    const labels = c.Labels ?? {};
    // The daemon's filter is the first check; this one guards against a daemon that ignores it.
    if (labels[LABEL.store] !== sweep.storeId || labels[LABEL.kind] !== 'attempt') return false;
    const run = labels[LABEL.run];
    const task = labels[LABEL.task];
    const attempt = Number(labels[LABEL.attempt]);
    return !(run !== undefined && task !== undefined && Number.isInteger(attempt) && sweep.spare(run, task, attempt));
  }).map((c) => c.Id);
}
