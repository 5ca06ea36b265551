// The moments a worker is recorded back in service after it was down, seen from inside the engine's
// own write (a temporary trigger on this core's connection calling a function of the test), so a
// test can check what still ran on its host at that exact moment — a sample taken a little later
// could miss work that was ended only once the worker was already up.
import type { ShoalCore } from '../shoal';

export interface WorkerUp {
  at: number;
  /** What `probe` said then. */
  seen: boolean;
}

let next = 0;

/** Fills the returned list as the worker goes from 'unhealthy' to 'online' or 'busy'. */
export function recordWorkerUps(c: ShoalCore, workerId: string, probe: () => boolean): WorkerUp[] {
  const ups: WorkerUp[] = [];
  const fn = `shoal_test_worker_up_${process.pid}_${next++}`;
  c.store.db.function(fn, () => {
    ups.push({ at: Date.now(), seen: probe() });
    return null;
  });
  const id = workerId.replace(/'/g, "''");
  c.store.db.exec(`CREATE TEMP TRIGGER ${fn} AFTER UPDATE OF status ON workers
    WHEN NEW.id = '${id}' AND OLD.status = 'unhealthy' AND NEW.status IN ('online', 'busy')
    BEGIN SELECT ${fn}(); END`);
  return ups;
}
