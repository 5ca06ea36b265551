// CLI commands open the same core as the app, on --db PATH or the default location.
import { ShoalCore } from '../core/shoal';
import { defaultDbPath } from '../core/store/open';
import { flagString } from './io';
import type { CliIo } from './io';
import { packageVersion } from './paths';

/** `runs: true` for a command that runs tasks (run, resume): only it gets a background checkpoint
 *  thread; a quick command that reads or decides something is done before one would have started. */
export function openCore(flags: Map<string, string | true>, io: CliIo, extra: { maxWorkers?: number; runs?: boolean; acceptNewHostKeys?: boolean } = {}): ShoalCore {
  const dbPath = flagString(flags, 'db') ?? defaultDbPath(io.env);
  return new ShoalCore({
    dbPath, transport: 'headless', version: packageVersion(), log: (m) => io.stderr.write(m + '\n'), env: io.env,
    backgroundCheckpoints: extra.runs ?? false,
    engine: { ...(extra.maxWorkers ? { maxWorkers: extra.maxWorkers } : {}), ...(extra.acceptNewHostKeys ? { acceptNewHostKeys: true } : {}) },
  });
}
