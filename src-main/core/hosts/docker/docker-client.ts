// A dockerode client for DOCKER_HOST (unix:// or tcp://) or a worker's own --docker-host, and the
// errors people see when it is not there, naming the daemon.
import Docker from 'dockerode';

export function dockerClient(dockerHost: string | null | undefined): { docker: Docker; where: string } {
  const url = dockerHost || process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (url.startsWith('unix://')) return { docker: new Docker({ socketPath: url.slice('unix://'.length) }), where: url };
  if (url.startsWith('tcp://') || url.startsWith('http://')) {
    const u = new URL(url.replace(/^tcp:/, 'http:'));
    return { docker: new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: 'http' }), where: url };
  }
  throw new Error(`docker host ${url}: expected unix:///path/to/docker.sock or tcp://host:port`);
}

/** How long one short API call (create, start, inspect, stats, kill, remove) may take. docker-modem
 *  has no deadline of its own, and a daemon that stops answering (hung, or gone after it sent its
 *  headers) would otherwise leave the call pending for ever. Generous: podman on a busy machine
 *  can take seconds to create a container. */
export const DOCKER_CALL_MS = 60_000;

/** dockerode's per-call option that aborts the request after `ms` (DOCKER_CALL_MS by default). */
export function callDeadline(ms = DOCKER_CALL_MS): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(ms) };
}

export function describeDockerError(e: unknown, where: string): string {
  const err = e as { code?: string; statusCode?: number; message?: string; name?: string; json?: { message?: string } };
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return `Docker at ${where} did not answer in time`;
  if (err.code === 'ECONNRESET') return `Docker at ${where}: the connection was lost`;
  if (err.code === 'ENOENT') return `Docker socket not found at ${where} (is the daemon running?)`;
  if (err.code === 'ECONNREFUSED') return `Docker daemon at ${where} refused the connection`;
  if (err.code === 'EACCES') return `no permission to use the Docker socket at ${where}`;
  return `Docker at ${where}: ${err.json?.message ?? err.message ?? String(e)}`;
}
