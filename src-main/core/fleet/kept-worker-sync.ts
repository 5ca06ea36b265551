// Keeps a running engine's kept workers what the registry says, whichever process changed it: the
// app's Workers view (this process: told at once) or `shoal workers add|remove` in a terminal while
// the app or `shoal serve` runs on the same store (another process: found when the store's
// external-write watch sees a commit, by reading the registry's revision — one row, no rescan).
// An added worker is registered and placed on; a removed one takes nothing new, finishes what it
// runs and goes offline (FleetEngine.removeSharedWorker); one replaced under its name is both.
import type { FleetWorkerSpec } from '../../../src-shared/protocol/fleet';
import type { KeptForEngine, WorkerRegistry } from '../hosts/worker-registry';

/** What of the engine this needs: kept workers joining and leaving. */
export interface SharedWorkers {
  addSharedWorker(spec: FleetWorkerSpec, ctx: KeptForEngine['ctx']): void;
  removeSharedWorker(id: string): void;
}

export class KeptWorkerSync {
  /** name → the version of the registry row it was registered from. */
  private readonly applied = new Map<string, string>();
  /** The revision last reconciled; null before start (a host that runs no work never applies any). */
  private seen: number | null = null;
  private readonly stopListening: () => void;

  constructor(private readonly registry: WorkerRegistry, private readonly engine: SharedWorkers, private readonly log: (message: string) => void) {
    this.stopListening = registry.onChange(() => this.check());
  }

  /** Registers every kept worker; from now on changes are applied. */
  start(): void {
    this.reconcile();
  }

  /** Applies the registry's changes if its revision moved since the last look (cheap otherwise). */
  check(): void {
    if (this.seen === null || this.registry.revision() === this.seen) return;
    this.reconcile();
  }

  stop(): void {
    this.stopListening();
    this.seen = null;
  }

  private reconcile(): void {
    const { revision, versions } = this.registry.snapshot();
    this.seen = revision;
    for (const name of [...this.applied.keys()]) {
      if (versions.has(name)) continue;
      this.applied.delete(name);
      this.engine.removeSharedWorker(name);
    }
    for (const [name, version] of versions) {
      if (this.applied.get(name) === version) continue;
      let kept: KeptForEngine | null;
      try {
        kept = this.registry.forEngine(name);
      } catch (e) {
        this.log(`[shoal] ${(e as Error).message}`); // names the worker, never its key
        kept = null;
      }
      if (kept) {
        this.engine.addSharedWorker(kept.spec, kept.ctx); // replaces one registered under the name
        this.applied.set(name, version);
      } else if (this.applied.delete(name)) {
        // Replaced by a worker that cannot be used: the old one must not go on in its place.
        this.engine.removeSharedWorker(name);
      }
    }
  }
}
