// CLI commands open the same core as the app, on --db PATH or the default location.
import { ShoalCore } from '../core/shoal';
import { defaultDbPath } from '../core/store/open';
import { flagString } from './io';
import type { CliIo } from './io';
import { packageVersion } from './paths';

export function openCore(flags: Map<string, string | true>, io: CliIo, extra: { maxWorkers?: number } = {}): ShoalCore {
  const dbPath = flagString(flags, 'db') ?? defaultDbPath(io.env);
  return new ShoalCore({ dbPath, transport: 'headless', version: packageVersion(), log: (m) => io.stderr.write(m + '\n'), env: io.env, ...extra });
}
