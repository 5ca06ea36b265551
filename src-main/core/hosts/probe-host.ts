// "Test connection": probes a host with a driver of its own (not the engine's), so a person can
// accept a new SSH host key for this one check and learn the fingerprint that got pinned.
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import type { DockerDriverOptions } from './docker/docker-driver';
import { DriverPool } from './driver-pool';
import type { HostProbe } from './host-driver';

export interface HostCheck extends HostProbe {
  /** The SSH host key the server presented (to pin with the worker): an SSH host's, or that of a
   *  Docker daemon reached over ssh://; null otherwise. */
  hostKey: string | null;
}

export async function probeHost(host: FleetHostSpec, opts: {
  dataDir: string; workerName: string; dockerHost?: string | null; hostKey?: string | null; privateKey?: string | null; acceptNewHostKey?: boolean;
  /** A Docker driver's settings (a test's short call deadline). */
  docker?: DockerDriverOptions;
}): Promise<HostCheck> {
  const pool = new DriverPool(opts.dataDir, { acceptNewHostKeys: opts.acceptNewHostKey ?? false, ...(opts.docker ? { docker: opts.docker } : {}) });
  try {
    const { driver } = pool.acquire(host, { workerName: opts.workerName, dockerHost: opts.dockerHost ?? null, hostKey: opts.hostKey ?? null, privateKey: opts.privateKey ?? null });
    const probe = await driver.probe();
    return { ...probe, hostKey: driver.sshFingerprint ?? null };
  } catch (e) {
    return { ok: false, error: (e as Error).message, git: null, agents: [], cpus: null, memoryMb: null, os: null, hostKey: null };
  } finally {
    await pool.close();
  }
}
