// Commands the gateway runs for an agent are not in the agent's process group, so the gateway
// tracks them: per scope in memory (cancel, timeout and the end of an attempt stop them), and in
// the settings table by pid (a restart after a crash ends the ones whose Shoal process is gone,
// as the engine does for orphaned agents).
import { isAlive, isSameProcess, processStartTime, signalGroup } from '../fleet/process-tree';
import type { Store } from '../store/open';

const KEY_PREFIX = 'gateway.process.';

export class ProcessRegistry {
  private readonly byScope = new Map<string, Set<number>>();
  private readonly put;
  private readonly del;
  private readonly all;

  constructor(store: Store) {
    this.put = store.db.prepare<[string, string, string]>('INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, ?)');
    this.del = store.db.prepare<[string]>('DELETE FROM settings WHERE key = ?');
    this.all = store.db.prepare<[string], { key: string; value: string }>('SELECT key, value FROM settings WHERE key LIKE ?');
  }

  /** Remembers a process group started for `scope`; the returned function forgets it. */
  track(scope: string, pid: number): () => void {
    let set = this.byScope.get(scope);
    if (!set) this.byScope.set(scope, (set = new Set()));
    set.add(pid);
    this.put.run(KEY_PREFIX + pid, JSON.stringify({ pid, start: processStartTime(pid), ownerPid: process.pid, scope }), new Date().toISOString());
    return () => {
      set.delete(pid);
      if (set.size === 0) this.byScope.delete(scope);
      try {
        this.del.run(KEY_PREFIX + pid);
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
    for (const row of this.all.all(`${KEY_PREFIX}%`)) {
      let entry: { pid: number; start: string | null; ownerPid: number };
      try {
        entry = JSON.parse(row.value) as typeof entry;
      } catch {
        this.del.run(row.key);
        continue;
      }
      if (entry.ownerPid === process.pid || isAlive(entry.ownerPid)) continue;
      if (isSameProcess(entry.pid, entry.start)) {
        signalGroup(entry.pid, 'SIGKILL');
        ended++;
      }
      this.del.run(row.key);
    }
    return ended;
  }
}
