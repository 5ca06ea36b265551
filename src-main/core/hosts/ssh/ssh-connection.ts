// One SSH connection per host, reused by every attempt and probe there (ssh2, no `ssh` binary).
// Connects on first use and again after a drop; the host key is checked against the pin before
// anything else. Errors always name the host: "ssh root@10.0.0.5:22: connection refused".
// Commands past the server's MaxSessions wait for a free session (see SessionGate) — except control
// commands (ending an agent, bringing its results back, cleaning up, sampling the host's load), which
// then run over a second connection to the same host instead.
//
// Why a second connection: sshd's MaxSessions is per connection, and an agent holds its session for
// as long as it runs. Before the first refusal teaches the limit a burst of agents can take every
// session, and under MaxSessions 1 an agent always holds the only one: a cancel's kill command, or
// the previous agent's results, would wait for some agent to end on its own. The control connection
// is opened only when a control command finds no free session (most hosts never need it), logs in
// the same way, accepts only the host key this connection was shown, carries no agents and no
// forwards, and closes once idle. When it cannot be opened, control commands wait here as before.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, type ConnectConfig } from 'ssh2';
import type { HostKeyError} from './host-keys';
import { fingerprintOf, pinAddress, type KnownHosts } from './host-keys';
import { RemoteCommand, type ExitStatus } from './remote-command';
import { IdleConnection } from './idle-connection';
import { privateKeyProblem } from './identity-file';
import { SessionGate, SessionsBusy, type SessionOptions } from './session-gate';

export type { SessionOptions } from './session-gate';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** A private key file (the spec's `identity`). */
  identity?: string | null;
  /** A private key given inline (a kept worker's sealed secret, unsealed in memory only). */
  privateKey?: string | null;
}

export interface ExecResult extends ExitStatus { stdout: Buffer; stderr: string }

export interface ExecOptions extends SessionOptions {
  /** A short command that must not wait behind agents (kill, results back, cleanup, a load
   *  sample): when this connection has no free session for it, it runs over the control connection
   *  instead. */
  control?: boolean;
}

/** How long the control connection stays open after its last command. */
const CONTROL_IDLE_MS = 10_000;

export class SshConnection {
  readonly label: string;
  /** The host key the server last presented (SHA256:…), accepted or not. */
  lastFingerprint: string | null = null;
  /** Why the last key shown was refused ('unknown': not pinned yet, a person may trust it), or null. */
  lastKeyRefusal: HostKeyError['kind'] | null = null;
  /** The host key last accepted here (pinned, or accepted as new): the only one the control
   *  connection accepts. Not lastFingerprint, which may be a key refused on a later try. */
  private acceptedFingerprint: string | null = null;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private readonly lostListeners = new Set<(why: string) => void>();
  private readonly forwards = new Map<number, number>();
  /** Each live client's sessions: a new connection starts with none, and learns its limit anew. */
  private readonly sessions = new WeakMap<Client, SessionGate>();
  /** null on the control connection itself. */
  private readonly control: IdleConnection<SshConnection> | null;
  private closed = false;

  constructor(
    readonly target: SshTarget,
    private readonly keys: { known: KnownHosts; pinned?: string | null; pinnedBy?: string | null; acceptNew?: boolean },
    opts: { controlIdleMs?: number; isControl?: boolean } = {},
  ) {
    this.label = sshLabel(target);
    this.control = opts.isControl ? null : new IdleConnection(() => this.controlConnection(), opts.controlIdleMs ?? CONTROL_IDLE_MS);
  }

  /** Same login, and only the key this connection accepted (it is connected by the time a control
   *  command finds it full): a second connection never pins or accepts a key of its own. */
  private controlConnection(): SshConnection {
    return new SshConnection(this.target, { known: this.keys.known, pinned: this.acceptedFingerprint ?? this.keys.pinned ?? null, pinnedBy: this.keys.pinnedBy ?? null, acceptNew: false }, { isControl: true });
  }

  /** The control connection is open (made for a control command, not closed for idleness yet). */
  get controlConnectionOpen(): boolean {
    return this.control?.open ?? false;
  }

  /** A live connection is open now (a command would not have to log in first). */
  get connected(): boolean {
    return this.client !== null;
  }

  get hostPort(): string {
    return pinAddress(this.target.host, this.target.port);
  }

  /** Called once when the live connection drops (attempts on it fail; the next use reconnects). */
  onLost(fn: (why: string) => void): () => void {
    this.lostListeners.add(fn);
    return () => this.lostListeners.delete(fn);
  }

  connect(): Promise<Client> {
    // Closed for good (its pool let go of it): nobody would ever close a connection made now.
    if (this.closed) return Promise.reject(new Error(`${this.label}: the connection was closed`));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private open(): Promise<Client> {
    let auth: Partial<ConnectConfig>;
    try {
      auth = authConfig(this.target);
    } catch (e) {
      return Promise.reject(new Error(`${this.label}: ${(e as Error).message}`));
    }
    return new Promise<Client>((resolve, reject) => {
      const c = new Client();
      let keyError: HostKeyError | null = null;
      let ready = false;
      const config: ConnectConfig = {
        host: this.target.host, port: this.target.port, username: this.target.user,
        readyTimeout: SSH_READY_TIMEOUT_MS, keepaliveInterval: 5_000, keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          this.lastFingerprint = fingerprintOf(key);
          try {
            this.keys.known.check(this.hostPort, this.lastFingerprint, { pinned: this.keys.pinned, pinnedBy: this.keys.pinnedBy, acceptNew: this.keys.acceptNew });
            this.lastKeyRefusal = null;
            this.acceptedFingerprint = this.lastFingerprint;
            return true;
          } catch (e) {
            keyError = e as HostKeyError;
            this.lastKeyRefusal = keyError.kind;
            return false;
          }
        },
        ...auth,
      };
      c.on('ready', () => {
        if (this.closed) {
          // Closed while the handshake was under way: end it rather than keep it for nobody.
          c.end();
          return reject(new Error(`${this.label}: the connection was closed`));
        }
        ready = true;
        c.setNoDelay(true); // execs on a reused connection take a few ms instead of a Nagle round
        this.client = c;
        resolve(c);
      });
      c.on('error', (e: Error & { level?: string }) => {
        if (!ready) reject(new Error(`${this.label}: ${keyError?.message ?? describeSshError(e)}`));
      });
      c.on('close', () => {
        this.sessions.get(c)?.connectionClosed(new Error(`${this.label}: could not run a command: connection lost while it waited for a free session`));
        if (this.client === c) {
          this.client = null;
          this.forwards.clear();
          for (const fn of [...this.lostListeners]) fn(`${this.label}: connection lost`);
        }
        if (!ready) reject(new Error(`${this.label}: ${keyError?.message ?? 'connection closed during the handshake'}`));
      });
      c.on('tcp connection', (info, accept, rejectConn) => {
        const local = this.forwards.get(info.destPort);
        if (local === undefined) return rejectConn();
        const upstream = net.connect(local, '127.0.0.1');
        upstream.setNoDelay(true);
        upstream.once('connect', () => {
          const ch = accept();
          ch.pipe(upstream).pipe(ch);
          ch.on('error', () => upstream.destroy());
        });
        upstream.on('error', () => rejectConn());
      });
      try {
        c.connect(config);
      } catch (e) {
        reject(new Error(`${this.label}: ${(e as Error).message}`));
      }
    });
  }

  /** Commands waiting for a free session on the live connection (past sshd's MaxSessions). */
  get sessionsWaiting(): number {
    return this.client ? (this.sessions.get(this.client)?.waiting ?? 0) : 0;
  }

  /** Runs a command to its end. stdin, when given, is written then closed. Rejects when the command
   *  ends without an exit status (the connection dropped under it): that is no exit code to judge.
   *  A control command with no free session here runs over the control connection (see above). */
  async exec(command: string, stdin?: Buffer | string, opts: ExecOptions = {}): Promise<ExecResult> {
    const { control, ...session } = opts;
    if (!control || !this.control) return this.execHere(command, stdin, session);
    try {
      // Asked not to wait: a busy answer comes before anything ran, so it never runs twice.
      return await this.execHere(command, stdin, { ...session, wait: false });
    } catch (e) {
      if (!(e instanceof SessionsBusy)) throw e;
    }
    // A control connection that cannot be opened (a login limit, a different host key at this
    // address) leaves the command to wait here as any other: nothing ran there, and this connection
    // is still the one whose key was accepted.
    const there = await this.control.use(async (c) => {
      try {
        await c.connect();
      } catch {
        return null;
      }
      return c.exec(command, stdin, session);
    });
    return there ?? this.execHere(command, stdin, session);
  }

  private async execHere(command: string, stdin: Buffer | string | undefined, opts: SessionOptions): Promise<ExecResult> {
    const cmd = await this.spawn(command, opts);
    const ch = cmd.channel;
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      let err = '';
      ch.on('data', (d: Buffer) => out.push(d));
      ch.stderr.on('data', (d: Buffer) => (err += d.toString()));
      ch.on('close', () => {
        const exit = cmd.exit;
        if (exit) resolve({ ...exit, stdout: Buffer.concat(out), stderr: err });
        else reject(new Error(`${this.label}: the command ended without an exit status (the connection closed under it)`));
      });
      ch.on('error', (e: Error) => reject(new Error(`${this.label}: ${e.message}`)));
      if (stdin !== undefined) ch.end(stdin);
      else ch.end();
    });
  }

  /** Starts a command; its exit status is recorded from the first moment (see RemoteCommand). Past
   *  the server's MaxSessions it waits for one of this connection's sessions to close. */
  async spawn(command: string, opts?: SessionOptions): Promise<RemoteCommand> {
    const c = await this.connect();
    let gate = this.sessions.get(c); // made with the connection's first session
    if (!gate) this.sessions.set(c, (gate = new SessionGate(this.label)));
    const closed = () => new Error(`${this.label}: could not run a command: the connection closed`);
    return gate.open<RemoteCommand>((session) => {
      try {
        c.exec(command, (e, ch) => {
          if (!e) {
            ch.once('close', session.release);
            return session.opened(new RemoteCommand(ch));
          }
          // ssh2 answers a pending exec with an error when the connection drops meanwhile.
          if (this.client !== c) session.failed(closed());
          else if (isChannelOpenFailure(e)) session.refused(e);
          else session.failed(new Error(`${this.label}: could not run a command: ${e.message}`));
        });
      } catch {
        // ssh2 throws "Not connected" once the socket is gone, before its close event has run.
        session.failed(closed());
      }
    }, opts);
  }

  /** A port on the remote's 127.0.0.1 that reaches localPort on this computer (reverse forward),
   *  so an agent there reaches the attempt's tool gateway here. */
  async forwardToLocal(localPort: number): Promise<number> {
    for (const [remote, local] of this.forwards) if (local === localPort) return remote;
    const c = await this.connect();
    const remote = await new Promise<number>((resolve, reject) => {
      c.forwardIn('127.0.0.1', 0, (e, port) => (e ? reject(new Error(`${this.label}: reverse port forward refused: ${e.message}`)) : resolve(port)));
    });
    this.forwards.set(remote, localPort);
    return remote;
  }

  /** Closes it for good: a handshake still under way is ended as it completes, and a later use fails
   *  instead of reconnecting. */
  close(): void {
    this.closed = true;
    this.control?.close();
    const c = this.client;
    this.client = null;
    this.forwards.clear();
    c?.end();
  }
}

/** Key from `identity`, a given key, the user's ssh-agent, or ~/.ssh/id_* — in that order. */
function authConfig(t: SshTarget): Partial<ConnectConfig> {
  const cfg: Partial<ConnectConfig> = {};
  if (t.privateKey) cfg.privateKey = t.privateKey;
  else if (t.identity) {
    const file = t.identity.startsWith('~/') ? path.join(os.homedir(), t.identity.slice(2)) : t.identity;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`identity ${t.identity}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    // A spec's identity is read only here: say what is wrong with it rather than in ssh2's words.
    const problem = privateKeyProblem(text);
    if (problem) throw new Error(`identity ${t.identity} ${problem}`);
    cfg.privateKey = text;
  } else {
    // The first default key ssh2 can use. A passphrase-protected one (the usual kind beside an
    // ssh-agent) is passed over: given to ssh2 it fails the connect before the agent is asked.
    for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
      const file = path.join(os.homedir(), '.ssh', name);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      if (privateKeyProblem(text) === null) {
        cfg.privateKey = text;
        break;
      }
    }
  }
  if (process.env.SSH_AUTH_SOCK) cfg.agent = process.env.SSH_AUTH_SOCK;
  return cfg;
}

/** The server answered the channel open with a refusal (sshd past MaxSessions: "open failed"),
 *  as opposed to ssh2 failing pending opens itself when the connection goes (no numeric reason). */
function isChannelOpenFailure(e: Error & { reason?: unknown }): boolean {
  return typeof e.reason === 'number' && /Channel open failure/.test(e.message);
}

/** How long a host has to complete the SSH handshake (ssh2's readyTimeout), named in the error. */
export const SSH_READY_TIMEOUT_MS = 15_000;

/** How a login is named in logs and errors ("ssh me@box:22"): never a key, only where it goes. An
 *  IPv6 address is bracketed ("ssh me@[::1]:22"): "me@::1:22" could be read with 22 in the address. */
export function sshLabel(target: { user: string; host: string; port: number }): string {
  return `ssh ${target.user}@${pinAddress(target.host, target.port)}`;
}

/** A connection error in a person's words (the caller puts the host first). */
export function describeSshError(e: Error & { level?: string; code?: string }): string {
  if (e.code === 'ECONNREFUSED') return 'connection refused (is sshd running there?)';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'host name not found';
  // ssh2's own deadline ("Timed out while waiting for handshake"): something listens there but
  // no SSH server answered in time — a hung host, or another service on that port.
  if (/waiting for handshake/.test(e.message)) return `timed out connecting: no SSH handshake within ${SSH_READY_TIMEOUT_MS / 1000} s`;
  if (e.code === 'ETIMEDOUT' || /Timed out/i.test(e.message)) return 'timed out connecting';
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return 'host unreachable';
  if (e.level === 'client-authentication') return 'authentication refused (no key was accepted)';
  return e.message;
}
