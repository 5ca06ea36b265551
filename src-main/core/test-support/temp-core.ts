// Test seam: a real core on a real SQLite file in a fresh temp dir, with fast timers.
import path from 'node:path';
import type { EngineOptions } from '../fleet/engine';
import { ShoalCore } from '../shoal';
import { tempDir } from './temp-dir';

export { tempDir };

export function tempCore(engine: Partial<EngineOptions> = {}, dir = tempDir()): ShoalCore {
  return new ShoalCore({
    dbPath: path.join(dir, 'shoal.db'),
    transport: 'headless',
    log: () => {},
    engine: { leaseMs: 5_000, heartbeatMs: 200, killGraceMs: 500, maxWorkers: 4, ...engine },
  });
}

/** Validates and launches a spec given as an object; fails the test on an invalid spec. */
export function launch(core: ShoalCore, spec: unknown, workspace: string | null = null): string {
  const result = core.validateSpec(JSON.stringify(spec), 'spec.json', workspace);
  if (!result.ok) throw new Error(`invalid spec in test: ${result.issues.join('; ')}`);
  return core.engine.launch(result.spec);
}

export function eventsOf(core: ShoalCore, runId: string, taskId?: string): Array<Record<string, unknown>> {
  return core.engine.fleet.events.page(runId, 0, 1_000_000, taskId);
}
