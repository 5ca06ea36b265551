// CLI commands open the same core as the app, on --db PATH or the default location.
import { ShoalCore } from '../core/shoal';
import { defaultDbPath, StoreLocationError } from '../core/store/open';
import { cliActor, flagString, UsageError } from './io';
import { auditAcceptedHostKey } from '../core/hosts/ssh/trust-host-key';
import type { CliIo } from './io';
import { packageVersion } from './paths';

/** `runs: true` for a command that runs tasks (run, resume): only it gets a background checkpoint
 *  thread; a quick command that reads or decides something is done before one would have started. */
export function openCore(flags: Map<string, string | true>, io: CliIo, extra: { maxWorkers?: number; runs?: boolean; acceptNewHostKeys?: boolean } = {}): ShoalCore {
  const dbPath = flagString(flags, 'db') ?? defaultDbPath(io.env);
  // A host key the run accepts as new is audited as this user's decision (called once `core` exists).
  const accepting = { acceptNewHostKeys: true, onHostKeyPinned: (address: string, fingerprint: string) => auditAcceptedHostKey({ audit: core.audit, actor: cliActor(io) }, address, fingerprint) };
  let core: ShoalCore;
  try {
    core = new ShoalCore({
      dbPath, transport: 'headless', version: packageVersion(), log: (m) => io.stderr.write(m + '\n'), env: io.env,
      backgroundCheckpoints: extra.runs ?? false,
      engine: { ...(extra.maxWorkers ? { maxWorkers: extra.maxWorkers } : {}), ...(extra.acceptNewHostKeys ? accepting : {}) },
    });
  } catch (error) {
    // A --db (or SHOAL_HOME) naming a folder or another kind of file is bad input: exit 2.
    if (error instanceof StoreLocationError) throw new UsageError(error.message);
    throw error;
  }
  return core;
}
