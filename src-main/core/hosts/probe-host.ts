// "Test connection": probes a host with a driver of its own (not the engine's), so a person can
// accept a new SSH host key for this one check and learn the fingerprint that got pinned.
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import type { DockerDriverOptions } from './docker/docker-driver';
import { DriverPool } from './driver-pool';
import type { LocalDriver } from './local-driver';
import type { HostProbe } from './host-driver';
import type { OnHostKeyPinned } from './ssh/host-keys';
import type { KeptForEngine } from './worker-registry';

export interface HostCheck extends HostProbe {
  /** The SSH host key the server presented (to pin with the worker): an SSH host's, or that of a
   *  Docker daemon reached over ssh://; null otherwise. */
  hostKey: string | null;
  /** That key, when the probe failed only because it is not pinned yet: a person may check and trust it. */
  unknownHostKey: string | null;
}

export async function probeHost(host: FleetHostSpec, opts: {
  dataDir: string; workerName: string; dockerHost?: string | null; hostKey?: string | null; privateKey?: string | null; acceptNewHostKey?: boolean;
  /** Told when accepting a new host key pinned it (for the audit log). */
  onHostKeyPinned?: OnHostKeyPinned;
  /** A Docker driver's settings (a test's short call deadline). */
  docker?: DockerDriverOptions;
  /** Where this computer's agent CLIs are (Settings → Agents), for a local worker's probe. */
  agentBins?: ConstructorParameters<typeof LocalDriver>[0];
}): Promise<HostCheck> {
  const pool = new DriverPool(opts.dataDir, {
    acceptNewHostKeys: opts.acceptNewHostKey ?? false, ...(opts.onHostKeyPinned ? { onHostKeyPinned: opts.onHostKeyPinned } : {}), ...(opts.docker ? { docker: opts.docker } : {}),
    ...(opts.agentBins ? { agentBins: opts.agentBins } : {}),
  });
  try {
    const { driver } = pool.acquire(host, { workerName: opts.workerName, dockerHost: opts.dockerHost ?? null, hostKey: opts.hostKey ?? null, privateKey: opts.privateKey ?? null });
    const probe = await driver.probe();
    const hostKey = driver.sshFingerprint ?? null;
    return { ...probe, hostKey, unknownHostKey: !probe.ok && driver.sshKeyRefusal === 'unknown' ? hostKey : null };
  } catch (e) {
    return { ok: false, error: (e as Error).message, git: null, agents: [], cpus: null, memoryMb: null, os: null, hostKey: null, unknownHostKey: null };
  } finally {
    await pool.close();
  }
}

/** A kept worker probed as the engine reaches it (its pinned host key, its sealed key file), or this
 *  computer when `kept` is null: `shoal workers test NAME` and the Workers view's Test. */
export function probeKept(name: string, kept: KeptForEngine | null, opts: { dataDir: string; agentBins: ConstructorParameters<typeof LocalDriver>[0] }): Promise<HostCheck> {
  return probeHost(kept?.spec.host ?? { kind: 'local' }, { dataDir: opts.dataDir, workerName: name, ...kept?.ctx, agentBins: opts.agentBins });
}
