// A Docker daemon on another machine, reached as `ssh://[USER@]HOST[:PORT][/path/to/docker.sock]`
// over one SSH connection (the SSH driver's own: host-key pinning, identity / ssh-agent / ~/.ssh
// keys). Every API request is a stream-local channel to the daemon's socket on that machine, so the
// remote needs sshd and a Docker (or podman) socket the login may open, and no docker CLI. The same
// connection carries the reverse forward that lets the container, on the remote's host network,
// reach this Shoal's tool gateway on the remote's 127.0.0.1.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import os from 'node:os';
import type { Client } from 'ssh2';
import { SshConnection, type SshTarget } from '../ssh/ssh-connection';
import type { KnownHosts } from '../ssh/host-keys';

export const DEFAULT_REMOTE_SOCKET = '/var/run/docker.sock';

export interface SshDockerHost { target: Omit<SshTarget, 'identity' | 'privateKey'>; socketPath: string }

/** How the connection is trusted and authenticated: what an SSH worker gets from its context. */
export interface SshDockerKeys { known: KnownHosts; pinned?: string | null; pinnedBy?: string | null; acceptNew?: boolean; privateKey?: string | null }

/** ssh://[USER@]HOST[:PORT][/path/to/docker.sock] → where to log in and which socket to open there. */
export function parseSshDockerHost(url: string): SshDockerHost {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`docker host ${url}: expected ssh://[USER@]HOST[:PORT][/path/to/docker.sock]`);
  }
  if (u.protocol !== 'ssh:' || !u.hostname) throw new Error(`docker host ${url}: expected ssh://[USER@]HOST[:PORT][/path/to/docker.sock]`);
  // A password in the URL would end up in the worker list and logs: keys only.
  if (u.password) throw new Error(`docker host ${url.replace(/:[^:@/]*@/, ':***@')}: a password in the URL is not supported; use a key (--identity, ssh-agent or ~/.ssh)`);
  if (u.search || u.hash) throw new Error(`docker host ${url}: unexpected "${u.search || u.hash}" (the path is the daemon's socket, e.g. ssh://me@box/run/user/1000/podman/podman.sock)`);
  const port = u.port ? Number(u.port) : 22;
  const socketPath = u.pathname && u.pathname !== '/' ? decodeURIComponent(u.pathname) : DEFAULT_REMOTE_SOCKET;
  return {
    target: { host: u.hostname.replace(/^\[|\]$/g, ''), port, user: u.username ? decodeURIComponent(u.username) : os.userInfo().username },
    socketPath,
  };
}

export function sshConnectionFor(parsed: SshDockerHost, keys: SshDockerKeys): SshConnection {
  return new SshConnection({ ...parsed.target, privateKey: keys.privateKey ?? null }, { known: keys.known, pinned: keys.pinned ?? null, pinnedBy: keys.pinnedBy ?? null, acceptNew: keys.acceptNew ?? false });
}

/** An http.Agent whose every connection is a fresh channel to the remote socket. Channels are
 *  cheap on a live connection; a dropped one is reopened by the next request (SshConnection
 *  reconnects on use), which is how a daemon comes back after a network blip. */
export function sshSocketAgent(conn: SshConnection, socketPath: string): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  const create = (_opts: unknown, done: (err: Error | null, socket?: Duplex) => void): void => {
    conn.connect().then((client) => {
      // A connection that just dropped throws here ("Not connected") before its close event has
      // told SshConnection to log in again; the request fails and its caller retries.
      try {
        openChannel(client);
      } catch (e) {
        done(new Error(`${conn.label}: ${(e as Error).message}`));
      }
    }, (e: unknown) => done(e as Error));
    const openChannel = (client: Client): void => {
      client.openssh_forwardOutStreamLocal(socketPath, (e, channel) => {
        if (e) return done(new Error(`${conn.label}: the Docker socket ${socketPath} there could not be opened (${e.message}; is the daemon running, may this login open its socket, and does sshd allow stream-local forwarding?)`));
        // http's client calls these socket methods; an SSH channel has no such knobs.
        const ch = channel as unknown as Duplex & Record<string, unknown>;
        for (const m of ['setNoDelay', 'setKeepAlive', 'setTimeout', 'ref', 'unref']) if (typeof ch[m] !== 'function') ch[m] = () => ch;
        done(null, ch);
      });
    };
  };
  (agent as unknown as { createConnection: typeof create }).createConnection = create;
  return agent;
}

/** The gateway's address as the container sees it: a port on the remote's 127.0.0.1 that the SSH
 *  connection forwards back here. Returns the [local host:port, remote host:port] swap. */
export async function forwardGateway(conn: SshConnection, gatewayUrl: string): Promise<[string, string]> {
  const local = new URL(gatewayUrl);
  const remotePort = await conn.forwardToLocal(Number(local.port));
  return [`${local.hostname}:${local.port}`, `127.0.0.1:${remotePort}`];
}
