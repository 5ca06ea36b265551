// Which kept worker a host ref left by a crash points at. The ref names only where the work runs
// (user@host:port, or a container on a Docker daemon): a kept worker whose key lives sealed in the
// registry is the only way to log in there again, so recovery looks the worker up by the ref.
import os from 'node:os';
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import { daemonUrl } from './docker/daemon-url';
import type { HostRef } from './host-ref';

/** Whether a kept worker (its host and Docker daemon) reaches the place `ref` names. */
export function keptWorkerReaches(host: FleetHostSpec, dockerHost: string | null, ref: HostRef): boolean {
  if (ref.kind === 'ssh' && host.kind === 'ssh') {
    const port = host.port === undefined || host.port === null ? 22 : Number(host.port);
    // Host names are case-insensitive; the user is the one the driver logs in as (default: ours).
    return host.host.toLowerCase() === ref.host.toLowerCase() && port === ref.port && (host.user ?? os.userInfo().username) === ref.user;
  }
  // A container is known by its daemon: the same ssh:// (or unix://, tcp://) URL once resolved.
  if (ref.kind === 'docker' && host.kind === 'docker') return daemonUrl(dockerHost) === daemonUrl(ref.dockerHost);
  return false;
}

/** The best of several matching workers: the one the attempt ran on (by name), then one that can
 *  log in with a sealed key, then any (its pinned host key still helps). */
export function pickKeptWorker<T extends { name: string; hasSecret: boolean }>(matches: readonly T[], workerId: string): T | null {
  return matches.find((w) => w.name === workerId) ?? matches.find((w) => w.hasSecret) ?? matches[0] ?? null;
}
