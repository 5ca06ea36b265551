// Commands the gateway runs for an agent are not in the agent's process group, so the gateway
// tracks them: per scope in memory (cancel, timeout and the end of an attempt stop them), and in
// the gateway_processes table by pid (a restart after a crash ends the ones whose Shoal process is
// gone, as the engine does for orphaned agents).
import { isAlive, isSameProcess, processStartTime, signalGroup } from '../fleet/process-tree';
import type { Store } from '../store/open';

export class ProcessRegistry {
  private readonly byScope = new Map<string, Set<number>>();
  private readonly put;
  private readonly del;
  private readonly all;

  constructor(store: Store) {
    this.put = store.db.prepare<[number, string | null, number, string, string]>(
      'INSERT OR REPLACE INTO gateway_processes (pid, start, owner_pid, scope, created_at) VALUES (?, ?, ?, ?, ?)');
    this.del = store.db.prepare<[number]>('DELETE FROM gateway_processes WHERE pid = ?');
    this.all = store.db.prepare<[], { pid: number; start: string | null; owner_pid: number }>('SELECT pid, start, owner_pid FROM gateway_processes');
  }

  /** Remembers a process group started for `scope`; the returned function forgets it. */
  track(scope: string, pid: number): () => void {
    let set = this.byScope.get(scope);
    if (!set) this.byScope.set(scope, (set = new Set()));
    set.add(pid);
    this.put.run(pid, processStartTime(pid), process.pid, scope, new Date().toISOString());
    return () => {
      set.delete(pid);
      if (set.size === 0) this.byScope.delete(scope);
      try {
        this.del.run(pid);
      } catch {
        // The store closed first (shutdown): the next start cleans up.
      }
    };
  }

  /** Signals every group still running for `scope`. */
  signalScope(scope: string, signal: NodeJS.Signals): number {
    const set = this.byScope.get(scope);
    if (!set) return 0;
    for (const pid of set) signalGroup(pid, signal);
    return set.size;
  }

  signalAll(signal: NodeJS.Signals): void {
    for (const scope of this.byScope.keys()) this.signalScope(scope, signal);
  }

  /** After a crash: end command groups whose owning Shoal process is gone. */
  recover(): number {
    let ended = 0;
    for (const row of this.all.all()) {
      if (row.owner_pid === process.pid || isAlive(row.owner_pid)) continue;
      if (isSameProcess(row.pid, row.start)) {
        signalGroup(row.pid, 'SIGKILL');
        ended++;
      }
      this.del.run(row.pid);
    }
    return ended;
  }
}
