// Where a worker logs in over SSH, as host keys are pinned (host:port, the port always given): an
// SSH host's address, or that of a Docker daemon reached over ssh://. Null for a worker without SSH.
import os from 'node:os';
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import { parseSshDockerHost } from './docker/ssh-docker-transport';
import { pinAddress } from './ssh/host-keys';

/** The SSH login a worker's host is reached through (user, host, port), or null without SSH. */
export function sshLoginOf(host: FleetHostSpec, dockerHost: string | null): { host: string; port: number; user: string } | null {
  if (host.kind === 'ssh') return { host: host.host, port: host.port === undefined || host.port === null ? 22 : Number(host.port), user: host.user ?? os.userInfo().username };
  if (host.kind === 'docker' && dockerHost?.startsWith('ssh://')) return parseSshDockerHost(dockerHost).target;
  return null;
}

export function sshAddressOf(host: FleetHostSpec, dockerHost: string | null): string | null {
  const login = sshLoginOf(host, dockerHost);
  return login ? pinAddress(login.host, login.port) : null;
}
