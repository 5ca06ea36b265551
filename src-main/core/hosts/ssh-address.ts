// Where a worker logs in over SSH, as host keys are pinned (host:port, the port always given): an
// SSH host's address, or that of a Docker daemon reached over ssh://. Null for a worker without SSH.
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import { parseSshDockerHost } from './docker/ssh-docker-transport';

export function sshAddressOf(host: FleetHostSpec, dockerHost: string | null): string | null {
  if (host.kind === 'ssh') return `${host.host}:${host.port === undefined || host.port === null ? 22 : Number(host.port)}`;
  if (host.kind === 'docker' && dockerHost?.startsWith('ssh://')) {
    const { target } = parseSshDockerHost(dockerHost);
    return `${target.host}:${target.port}`;
  }
  return null;
}
