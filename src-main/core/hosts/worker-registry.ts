// Workers a person keeps (shoal workers add, the Workers view), beside the workers a spec declares.
// A kept worker is shared: it takes tasks of runs without their own worker_specs, placed by
// capabilities like the local default worker. Its private key, when one was given, is sealed at
// rest with the same cipher as model API keys and is unsealed only in memory, for the driver; the
// pinned host key is stored with it.
// Every change (from the app's Workers view or `shoal workers` in another process) bumps the
// registry's revision in the same transaction, so a running engine learns of it by reading one
// integer (see kept-worker-sync.ts) rather than by re-reading the registry on a timer.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FleetHostSpec, FleetWorkerSpec } from '../../../src-shared/protocol/fleet';
import { nowIso } from '../fleet/ids';
import { openInline, sealInline, type SecretCipher } from '../providers/secret-store';
import type { Store } from '../store/open';
import { readStoreIfThere } from '../store/read-only';
import { setting, SettingsTable } from '../store/settings-table';
import type { HostRef } from './host-ref';
import { keptWorkerReaches, pickKeptWorker } from './kept-worker-ref';

/** Another add (this process or another) kept the name first. */
export class WorkerNameTaken extends Error {
  constructor(readonly workerName: string) {
    super(`name: a worker "${workerName}" already exists (shoal workers remove ${workerName} first)`);
    this.name = 'WorkerNameTaken';
  }
}

export interface KeptWorker {
  name: string;
  /** The host without secrets: an SSH worker's identity is its file path, never the key. */
  host: FleetHostSpec;
  capabilities: string[];
  maxTasks: number | null;
  dockerHost: string | null;
  hostKey: string | null;
  /** A sealed private key is stored (its content never leaves this module but to a driver). */
  hasSecret: boolean;
  createdAt: string;
}

export interface NewKeptWorker {
  name: string;
  host: FleetHostSpec;
  capabilities: string[];
  maxTasks: number | null;
  dockerHost: string | null;
  hostKey: string | null;
  privateKey: string | null;
}

interface Row { name: string; host: string; capabilities: string; max_concurrent: number | null; docker_host: string | null; host_key: string | null; sealed_secret: string | null; created_at: string }

/** Bumped by every add and remove, in the transaction that makes the change. */
const REVISION = setting('worker_registry.revision', z.number().int().nonnegative(), 0);

/** The registry as one read saw it: its revision, and a version of each worker's row. */
export interface RegistrySnapshot {
  revision: number;
  /** name → a digest of the worker's stored row: it differs when the worker was replaced (removed
   *  and added again under the name, say with another host or key) between two looks. */
  versions: Map<string, string>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The default worker's id: a kept worker may not take it. */
const RESERVED = new Set(['local']);

/** What is wrong with a worker name whatever the store holds (its form, a reserved name), or null:
 *  asked before a store is even opened (`shoal agent-token`). */
export function workerNameFormProblem(name: string): string | null {
  if (!NAME.test(name)) return `name: "${name}" must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`;
  if (RESERVED.has(name)) return `name: "${name}" is the default worker's; choose another`;
  return null;
}

export class WorkerRegistry {
  private readonly settings: SettingsTable;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: Store, private readonly cipher: SecretCipher) {
    this.settings = new SettingsTable(store);
  }

  /** Hears each change made through this registry, once it has committed (another process's
   *  changes are found by comparing revisions). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The revision: one read of one row, cheap enough to ask whenever another process wrote. */
  revision(): number {
    return this.settings.get(REVISION);
  }

  /** The revision and every worker's row version, read together (one snapshot of the store). */
  snapshot(): RegistrySnapshot {
    return this.store.db.transaction(() => ({
      revision: this.revision(),
      versions: new Map(this.store.db.prepare<[], Row>('SELECT * FROM worker_registry').all().map((r) => [r.name, versionOf(r)])),
    }))();
  }

  list(): KeptWorker[] {
    return this.store.db.prepare<[], Row>('SELECT * FROM worker_registry ORDER BY name').all().map(toKept);
  }

  get(name: string): KeptWorker | null {
    const row = this.row(name);
    return row ? toKept(row) : null;
  }

  private row(name: string): Row | undefined {
    return this.store.db.prepare<[string], Row>('SELECT * FROM worker_registry WHERE name = ?').get(name);
  }

  /** Why a new worker may not take this name (null: it may). Asked before its host is probed too,
   *  since a probe can pin a host key: a name refused afterwards would leave that pin behind. */
  nameProblem(name: string): string | null {
    const form = workerNameFormProblem(name);
    if (form) return form;
    if (this.row(name)) return `name: a worker "${name}" already exists (shoal workers remove ${name} first)`;
    return null;
  }

  add(w: NewKeptWorker): KeptWorker {
    if (this.row(w.name)) throw new WorkerNameTaken(w.name);
    const problem = this.nameProblem(w.name);
    if (problem) throw new Error(problem);
    if (w.maxTasks !== null && (!Number.isInteger(w.maxTasks) || w.maxTasks < 1)) throw new Error('max tasks: must be a whole number of at least 1');
    const sealed = w.privateKey ? sealInline(this.cipher, w.privateKey) : null;
    this.change(() => {
      // Checked again under the write lock: another process may have added the name meanwhile.
      if (this.row(w.name)) throw new WorkerNameTaken(w.name);
      this.store.db.prepare(`INSERT INTO worker_registry (name, host, capabilities, max_concurrent, docker_host, host_key, sealed_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(w.name, JSON.stringify(w.host), JSON.stringify(w.capabilities), w.maxTasks, w.dockerHost, w.hostKey, sealed, nowIso(), nowIso());
      return true;
    });
    return this.get(w.name)!;
  }

  /** The worker's pinned SSH host key moves from `from` to `to` (a person checked the host was
   *  re-keyed); only over exactly `from`, so a pin changed meanwhile is left alone. A running
   *  engine picks the new key up as for any change of the worker. False when nothing changed. */
  replaceHostKey(name: string, from: string, to: string): boolean {
    return this.change(() => this.store.db.prepare('UPDATE worker_registry SET host_key = ?, updated_at = ? WHERE name = ? AND host_key = ?').run(to, nowIso(), name, from).changes === 1);
  }

  /** False when there was no such worker (nothing changed). */
  remove(name: string): boolean {
    return this.change(() => this.store.db.prepare('DELETE FROM worker_registry WHERE name = ?').run(name).changes === 1);
  }

  /** Makes a change and bumps the revision in one IMMEDIATE transaction (so two processes never
   *  bump it to the same number), then tells this process's listeners. `write` says whether it
   *  changed anything. */
  private change(write: () => boolean): boolean {
    const changed = this.settings.exclusive(() => {
      if (!write()) return false;
      this.settings.set(REVISION, this.revision() + 1);
      return true;
    });
    if (changed) for (const l of [...this.listeners]) l();
    return changed;
  }

  /** The worker as the engine runs it, with its driver settings (the key unsealed, in memory only). */
  forEngine(name: string): KeptForEngine | null {
    const row = this.row(name);
    if (!row) return null;
    const kept = toKept(row);
    const privateKey = row.sealed_secret ? openInline(this.cipher, row.sealed_secret, `worker ${name}: add it again to seal its key anew`) : null;
    const spec: FleetWorkerSpec = { id: kept.name, name: kept.name, host: kept.host, labels: {}, capabilities: kept.capabilities, ...(kept.maxTasks !== null ? { max_concurrent_tasks: kept.maxTasks } : {}) } as FleetWorkerSpec;
    return { spec, ctx: { dockerHost: kept.dockerHost, hostKey: kept.hostKey, privateKey } };
  }

  /** After a crash: the kept worker that reaches what `ref` names (preferably `workerId`, the one
   *  the attempt ran on), so its work is ended with that worker's sealed key and pinned host key.
   *  Throws when its key cannot be unsealed (the message names the worker, never the key). */
  forRef(ref: HostRef, workerId: string): KeptForEngine | null {
    const kept = this.reaching(ref, workerId, this.list());
    return kept ? this.forEngine(kept.name) : null;
  }

  /** Of `kept` (this.list(), read once by a caller that asks for many refs), the worker whose login
   *  ends the work `ref` names: the one forRef() would use. */
  reaching(ref: HostRef, workerId: string, kept: readonly KeptWorker[]): KeptWorker | null {
    return pickKeptWorker(kept.filter((w) => keptWorkerReaches(w.host, w.dockerHost, ref)), workerId);
  }
}

/** A kept worker's spec and driver settings; `privateKey` is unsealed, for a driver only. */
export interface KeptForEngine {
  spec: FleetWorkerSpec;
  ctx: { dockerHost: string | null; hostKey: string | null; privateKey: string | null };
}

function versionOf(r: Row): string {
  return createHash('sha256').update(JSON.stringify(r)).digest('base64url');
}

function toKept(r: Row): KeptWorker {
  return {
    name: r.name, host: JSON.parse(r.host) as FleetHostSpec, capabilities: JSON.parse(r.capabilities) as string[], maxTasks: r.max_concurrent,
    dockerHost: r.docker_host, hostKey: r.host_key, hasSecret: r.sealed_secret !== null, createdAt: r.created_at,
  };
}

/** "ssh root@10.0.0.5:2222", "docker img at unix:///…", "this computer". */
/** Where a worker row's host (its stored JSON: a FleetHostSpec, or a remote agent's) is, in words. */
export function whereOfHost(hostJson: string): string {
  const host = JSON.parse(hostJson) as FleetHostSpec | { kind: 'agent' };
  return host.kind === 'agent' ? 'a remote agent' : describeHost(host);
}

export function describeHost(host: FleetHostSpec, dockerHost: string | null = null): string {
  switch (host.kind) {
    case 'local': return 'this computer';
    // An IPv6 address in brackets, as OpenSSH writes it: "::1:22" would read the port as part of it.
    case 'ssh': return `ssh ${host.user ? `${host.user}@` : ''}${host.host.includes(':') && !host.host.startsWith('[') ? `[${host.host}]` : host.host}${host.port !== undefined && host.port !== null ? `:${String(host.port)}` : ''}`;
    case 'docker': return `docker ${host.image}${dockerHost ? ` at ${dockerHost}` : ''}`;
  }
}

/** The kept workers' names and capabilities in the store at `dbPath`, read without opening it for
 *  writing (`shoal validate` writes nothing): the workers a run's tasks can be placed on besides
 *  this computer. None when there is no store yet, or it is not one. */
export function readKeptWorkerCapabilities(dbPath: string): Array<{ id: string; capabilities: string[] }> {
  return readStoreIfThere(dbPath, (db) => db.prepare<[], { name: string; capabilities: string }>('SELECT name, capabilities FROM worker_registry ORDER BY name').all()
    .map((r) => ({ id: r.name, capabilities: JSON.parse(r.capabilities) as string[] })), []);
}
