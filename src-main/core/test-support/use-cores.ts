// Real cores for a test file: each on its own SQLite file, shut down (agents stopped, store closed)
// after every test. Call once at the top of the file.
import { afterEach } from 'vitest';
import type { EngineOptions } from '../fleet/engine';
import type { ShoalCore } from '../shoal';
import { tempCore } from './temp-core';

export type CoreFactory = (engine?: Partial<EngineOptions>, options?: { dir?: string; start?: boolean }) => ShoalCore;

export function useCores(): CoreFactory {
  const cores: ShoalCore[] = [];
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.shutdown();
  });
  return (engine = {}, { dir, start = true } = {}) => {
    const c = tempCore(engine, dir);
    cores.push(c);
    if (start) c.start();
    return c;
  };
}
