// A dockerode client for DOCKER_HOST (unix://, tcp:// or ssh://) or a worker's own --docker-host,
// how that daemon is reached (which decides bind mounts vs copies and how the tool gateway gets to
// the container), and the errors people see when it is not there, naming the daemon.
import Docker from 'dockerode';
import type { SshConnection } from '../ssh/ssh-connection';
import { daemonUrl } from './daemon-url';
import { parseSshDockerHost, sshConnectionFor, sshSocketAgent, type SshDockerKeys } from './ssh-docker-transport';

/** How the daemon is reached. A unix socket is this computer: bind mounts, and the host-networked
 *  container reaches the gateway on 127.0.0.1. tcp:// cannot see this computer's files (copies);
 *  only on loopback does the container still share this computer's 127.0.0.1. ssh:// is another
 *  machine: copies, and the gateway reverse-forwarded over the SSH connection. */
export type DaemonReach =
  | { kind: 'socket' }
  | { kind: 'tcp'; loopback: boolean }
  | { kind: 'ssh'; conn: SshConnection };

export interface DockerClient { docker: Docker; where: string; reach: DaemonReach }

/** `keys`: how an ssh:// daemon's host is trusted and logged into (the driver pool's known hosts). */
export function dockerClient(dockerHost: string | null | undefined, keys: SshDockerKeys | null): DockerClient {
  const url = daemonUrl(dockerHost);
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new Error(`docker host ${url}: expected unix:///absolute/path/to/docker.sock`);
    return { docker: new Docker({ socketPath }), where: url, reach: { kind: 'socket' } };
  }
  if (url.startsWith('tcp://') || url.startsWith('http://')) {
    const u = tcpUrl(url);
    return { docker: new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: 'http' }), where: url, reach: { kind: 'tcp', loopback: isLoopback(u.hostname) } };
  }
  if (url.startsWith('ssh://')) {
    const parsed = parseSshDockerHost(url);
    if (!keys) throw new Error(`docker host ${url}: an ssh:// daemon needs the known host keys (open it through the driver pool)`);
    const conn = sshConnectionFor(parsed, keys);
    // The host and port are only what http puts in its Host header: the agent picks the channel.
    const docker = new Docker({ protocol: 'http', host: 'docker', port: 80, agent: sshSocketAgent(conn, parsed.socketPath) } as Docker.DockerOptions);
    return { docker, where: url, reach: { kind: 'ssh', conn } };
  }
  throw new Error(`docker host ${url}: expected unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port][/path/to/docker.sock]`);
}

/** What is wrong with `url` as a Docker address (unix://, tcp://, ssh://), or null: checked before
 *  anything dials it, so a mistyped --docker-host is the person's input, not an unusable host. */
export function dockerHostProblem(url: string): string | null {
  try {
    if (url.startsWith('ssh://')) parseSshDockerHost(url);
    else dockerClient(url, null); // builds a client only: nothing is dialled
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** tcp://HOST[:PORT] (http:// too), or an error naming what is wrong with it: `new URL`'s own
 *  "Invalid URL" named neither the docker host nor the part (a port out of range, no host). */
function tcpUrl(url: string): URL {
  const expected = `docker host ${url}: expected tcp://HOST:PORT with a port from 1 to 65535`;
  let u: URL;
  try {
    u = new URL(url.replace(/^tcp:/, 'http:'));
  } catch {
    throw new Error(expected);
  }
  if (!u.hostname || u.port === '0' || u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) throw new Error(expected);
  return u;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Why a daemon cannot run attempts, or null. A tcp:// daemon on another machine: its containers
 *  cannot reach the gateway on this computer's 127.0.0.1, and the gateway is not offered beyond
 *  loopback — its per-attempt secret travels in the URL over plain HTTP, as the Docker API itself
 *  does over tcp://, so anyone on the path could read it and run tools here. ssh:// encrypts both. */
export function unusableDaemon(c: DockerClient): string | null {
  if (c.reach.kind !== 'tcp' || c.reach.loopback) return null;
  return `Docker at ${c.where} is on another machine: its containers cannot reach Shoal's tool gateway over tcp:// (unencrypted); use --docker-host ssh://[USER@]HOST[:PORT][/path/to/docker.sock] instead`;
}

/** How long one short API call (create, start, inspect, stats, kill, remove) may take, and how long
 *  an archive copy or a liveness ping may go without a byte, unless the driver is given its own
 *  (DockerDriverOptions.callMs). docker-modem has no deadline of its own, and a daemon that stops
 *  answering (hung, or gone after it sent its headers) would otherwise leave the call pending for
 *  ever. Generous: podman on a busy machine can take seconds to create a container. */
export const DOCKER_CALL_MS = 60_000;

/** dockerode's per-call option that aborts the request after `ms`. */
export function callDeadline(ms: number): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(ms) };
}

/** A GET of the Docker API aborted by `signal`. dockerode's typings give ping() and info() no
 *  options, and its image inspect drops an abort signal altogether (it goes into the query string):
 *  on a hung daemon those would be left pending for ever, holding their connection open. */
function getFromDaemon(docker: Docker, path: string, signal: AbortSignal, statusCodes: Record<number, string | true> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    docker.modem.dial({ path, method: 'GET', statusCodes: { 200: true, 500: 'server error', ...statusCodes }, abortSignal: signal }, (err: unknown, data: unknown) => (err ? reject(err) : resolve(data)));
  });
}

/** GET /_ping, aborted by `signal`. */
export function pingDaemon(docker: Docker, signal: AbortSignal): Promise<unknown> {
  return getFromDaemon(docker, '/_ping', signal);
}

/** GET /info (CPUs, memory, OS), aborted by `signal`. */
export function daemonInfo(docker: Docker, signal: AbortSignal): Promise<{ NCPU?: number; MemTotal?: number; OperatingSystem?: string }> {
  return getFromDaemon(docker, '/info', signal) as Promise<{ NCPU?: number; MemTotal?: number; OperatingSystem?: string }>;
}

/** GET /images/NAME/json, aborted by `signal`; rejects with statusCode 404 when the image is not there. */
export function inspectImage(docker: Docker, image: string, signal: AbortSignal): Promise<unknown> {
  return getFromDaemon(docker, `/images/${image}/json`, signal, { 404: 'no such image' });
}

/** What a call was doing when its deadline passed: the message says how long it waited and for what. */
export interface CallContext { ms: number; doing: string }

/** A request ended by a deadline of ours (AbortSignal.timeout, or a stall guard's abort), not by the
 *  daemon: the daemon is alive enough to hold the connection but did not answer. */
export function isDeadline(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** The HTTP status the daemon answered a failed call with; undefined when no answer came (a deadline,
 *  a dropped connection, a socket that is not there). */
export function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number } | null)?.statusCode;
}

/** Removes a container, stopping it first if it runs (force); one already gone counts as removed.
 *  Rejects with the daemon's error (or the deadline's) otherwise. */
export async function forceRemove(docker: Docker, id: string, callMs: number): Promise<void> {
  await docker.getContainer(id).remove({ force: true, ...callDeadline(callMs) }).catch((e: unknown) => {
    if (statusOf(e) !== 404) throw e;
  });
}

/** Socket errors that mean the daemon cannot be reached, or the connection to it broke. */
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The connection to the daemon dropped (or could not be made): not an answer of the daemon's (it
 *  has a statusCode), nor a deadline of ours, nor a failure on this computer (tar, the disk), which
 *  carry no socket code. The SSH transport's errors name their host ("ssh …"). */
export function isConnectionLost(e: unknown): boolean {
  const err = e as { statusCode?: number; code?: string; syscall?: string; message?: string } | null;
  if (!err || err.statusCode !== undefined || isDeadline(e)) return false;
  if (err.code !== undefined && CONNECTION_CODES.has(err.code)) return true;
  if (err.code === 'ENOENT' && err.syscall === 'connect') return true; // the daemon's socket is gone
  return typeof err.message === 'string' && err.message.startsWith('ssh ');
}

export function describeDockerError(e: unknown, where: string, ctx?: CallContext): string {
  const err = e as { code?: string; statusCode?: number; message?: string; name?: string; json?: { message?: string } };
  if (isDeadline(e)) return ctx ? `Docker daemon at ${where} did not answer within ${seconds(ctx.ms)} while ${ctx.doing}` : `Docker at ${where} did not answer in time`;
  if (err.code === 'ECONNRESET') return `Docker at ${where}: the connection was lost`;
  if (err.code === 'ENOENT') return `Docker socket not found at ${where} (is the daemon running?)`;
  if (err.code === 'ECONNREFUSED') return `Docker daemon at ${where} refused the connection`;
  if (err.code === 'EACCES') return `no permission to use the Docker socket at ${where}`;
  // Errors of the SSH transport already name the host and the socket.
  if (typeof err.message === 'string' && err.message.startsWith('ssh ')) return err.message;
  return `Docker at ${where}: ${err.json?.message ?? err.message ?? String(e)}`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
