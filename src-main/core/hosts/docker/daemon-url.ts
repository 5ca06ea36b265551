// Which Docker daemon a worker means, as one URL. A worker given no --docker-host means "whatever
// DOCKER_HOST says, else the default socket" — but only at the moment it is used: the environment of
// a later Shoal may say otherwise. So what a container is recorded under (its host ref), what a
// driver reaches and what the driver pool shares are all compared as the resolved URL, and a reap
// after a restart asks the daemon the container was started on, not the one the new environment names.
export const DEFAULT_DOCKER_SOCKET = 'unix:///var/run/docker.sock';

export function daemonUrl(dockerHost: string | null | undefined): string {
  return dockerHost || process.env.DOCKER_HOST || DEFAULT_DOCKER_SOCKET;
}
