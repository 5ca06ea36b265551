// One driver per host, shared by every worker and attempt that runs there: an SSH host gets one
// connection reused by all its attempts, a Docker daemon one client. Kinds register a factory, so
// the engine asks for "the driver of this worker spec" and never branches on the host kind.
// Each user (a worker, a running attempt, a recovery reap) holds a DriverUse; once the last one is
// released and the driver has no work of its own left (cut-off agents it is still ending), the
// driver is closed: a removed worker's SSH connection does not stay open for the life of the app.
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import type { HostDriver } from './host-driver';
import type { HostKind, HostRef } from './host-ref';
import { LocalDriver } from './local-driver';
import { KnownHosts, type OnHostKeyPinned } from './ssh/host-keys';
import { SshConnection } from './ssh/ssh-connection';
import { SshDriver } from './ssh/ssh-driver';
import os from 'node:os';
import { createHash } from 'node:crypto';
import { DockerDriver, type DockerDriverOptions } from './docker/docker-driver';
import { daemonUrl } from './docker/daemon-url';

/** Per-worker settings that are not part of the wire FleetHostSpec (a kept worker's pinned host
 *  key or Docker daemon, the data dir for known hosts). */
export interface DriverContext {
  dataDir: string;
  /** The worker's name, for errors ("worker gpu-box: host key changed"). */
  workerName: string;
  dockerHost?: string | null;
  hostKey?: string | null;
  /** Accept and pin a host key seen for the first time (shoal run --accept-new-host-keys). */
  acceptNewHostKey?: boolean;
  /** A private key given inline (a kept worker's sealed secret, unsealed only in memory). */
  privateKey?: string | null;
}

export type DriverFactory = (host: FleetHostSpec, ctx: DriverContext) => HostDriver;

/** One user's hold on a pooled driver. `release()` says it is done (again: nothing); the driver
 *  closes once no use is left. */
export interface DriverUse {
  readonly driver: HostDriver;
  release(): void;
}

interface Pooled { key: string; driver: HostDriver; uses: number }

export class DriverPool {
  private readonly drivers = new Map<string, Pooled>();
  private readonly byDriver = new Map<HostDriver, Pooled>();
  private readonly factories = new Map<HostKind, DriverFactory>();
  readonly local: LocalDriver;

  /** `docker`: settings of every Docker driver made here (a test's short call deadline). `agentBins`:
   *  where this computer's agent CLIs are (Settings → Agents), for its probe. */
  constructor(private readonly dataDir: string, private readonly opts: {
    acceptNewHostKeys?: boolean; onHostKeyPinned?: OnHostKeyPinned; docker?: DockerDriverOptions; agentBins?: ConstructorParameters<typeof LocalDriver>[0];
  } = {}) {
    this.local = new LocalDriver(opts.agentBins);
    this.factories.set('local', () => this.local);
    this.factories.set('ssh', (host, ctx) => {
      if (host.kind !== 'ssh') throw new Error('not an ssh host');
      const target = { host: host.host, port: host.port === undefined || host.port === null ? 22 : Number(host.port), user: host.user ?? os.userInfo().username, identity: host.identity ?? null, privateKey: ctx.privateKey ?? null };
      return new SshDriver(new SshConnection(target, { known: KnownHosts.inDataDir(ctx.dataDir, this.opts.onHostKeyPinned), pinned: ctx.hostKey ?? null, pinnedBy: ctx.workerName, acceptNew: ctx.acceptNewHostKey ?? this.opts.acceptNewHostKeys ?? false }));
    });
    this.factories.set('docker', (host, ctx) => {
      if (host.kind !== 'docker') throw new Error('not a docker host');
      // A daemon reached over ssh:// trusts and authenticates that host as an SSH worker would.
      return new DockerDriver(host.image, host.args ?? [], ctx.dockerHost ?? null, ctx.workerName, {
        known: KnownHosts.inDataDir(ctx.dataDir, this.opts.onHostKeyPinned), pinned: ctx.hostKey ?? null, pinnedBy: ctx.workerName, acceptNew: ctx.acceptNewHostKey ?? this.opts.acceptNewHostKeys ?? false, privateKey: ctx.privateKey ?? null,
      }, this.opts.docker);
    });
  }

  /** A use of the driver for a host (made on first use); throws with the worker named when this
   *  kind cannot run here. */
  acquire(host: FleetHostSpec, ctx: Omit<DriverContext, 'dataDir'>): DriverUse {
    if (host.kind === 'local') return this.unpooled(this.local);
    const key = hostKey(host, ctx);
    let entry = this.drivers.get(key);
    if (!entry) {
      const factory = this.factories.get(host.kind);
      if (!factory) throw new Error(`worker ${ctx.workerName}: ${host.kind} hosts are not supported by this Shoal`);
      entry = { key, driver: factory(host, { ...ctx, dataDir: this.dataDir }), uses: 0 };
      this.drivers.set(key, entry);
      this.byDriver.set(entry.driver, entry);
    }
    return this.use(entry);
  }

  /** Another use of a driver this pool handed out (an attempt on its worker's driver), so it stays
   *  open until that use ends too. A driver not pooled here (the local one) needs none. */
  share(driver: HostDriver): DriverUse {
    const entry = this.byDriver.get(driver);
    return entry ? this.use(entry) : this.unpooled(driver);
  }

  /** How many drivers are open (for tests and diagnostics). */
  get size(): number {
    return this.drivers.size;
  }

  /** A use of a driver able to end what a ref names after a crash, when its worker is not known any more. */
  useForRef(ref: HostRef): DriverUse | null {
    if (ref.kind === 'local') return this.unpooled(this.local);
    if (ref.kind === 'agent') return null; // a remote agent ends its own work when its lease is lost
    const host: FleetHostSpec = ref.kind === 'ssh' ? { kind: 'ssh', host: ref.host, port: ref.port, user: ref.user } : { kind: 'docker', image: '', args: [] };
    try {
      return this.acquire(host, { workerName: `${ref.kind} host`, dockerHost: ref.kind === 'docker' ? ref.dockerHost : null });
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    const all = [...this.drivers.values()];
    this.drivers.clear();
    this.byDriver.clear();
    await Promise.all(all.map((e) => e.driver.close().catch(() => undefined)));
  }

  private use(entry: Pooled): DriverUse {
    entry.uses++;
    let released = false;
    return {
      driver: entry.driver,
      release: () => {
        if (released) return;
        released = true;
        entry.uses--;
        if (entry.uses === 0) void this.closeWhenIdle(entry);
      },
    };
  }

  private unpooled(driver: HostDriver): DriverUse {
    return { driver, release: () => undefined };
  }

  /** Closes a driver nobody uses, once the work it does on its own (ending agents a dropped
   *  connection cut off) is over; a use taken meanwhile keeps it. */
  private async closeWhenIdle(entry: Pooled): Promise<void> {
    await entry.driver.settled?.();
    if (entry.uses > 0 || this.drivers.get(entry.key) !== entry) return;
    this.drivers.delete(entry.key);
    this.byDriver.delete(entry.driver);
    await entry.driver.close().catch(() => undefined);
  }
}

/** What makes two workers' drivers the same: the host, and how Shoal logs in to it and trusts it.
 *  Two kept workers on one host with different keys (or pinned host keys) get a connection each;
 *  the key itself is held as a digest, not as a second plaintext copy in the pool. */
function hostKey(host: FleetHostSpec, ctx: Omit<DriverContext, 'dataDir'>): string {
  const login = `${ctx.privateKey ? digest(ctx.privateKey) : ''}:${ctx.hostKey ?? ''}`;
  switch (host.kind) {
    case 'local': return 'local';
    case 'ssh': return `ssh:${host.user ?? ''}@${host.host}:${host.port ?? 22}:${host.identity ?? ''}:${login}`;
    case 'docker': return `docker:${daemonUrl(ctx.dockerHost)}:${host.image}:${JSON.stringify(host.args)}:${login}`;
  }
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
