// App-level handlers: identity, round-trip, settings.
import { FLEET_PROTOCOL_VERSION } from '../../../../src-shared/protocol/fleet';
import type { appMethods } from '../../../../src-shared/contract/methods/app';
import type { Handler } from '../dispatch';
import type { CoreServices } from '../services';

export function appHandlers(core: CoreServices): { [M in keyof typeof appMethods]: Handler<M> } {
  return {
    'app.info': () => ({
      name: 'Shoal', version: core.version, protocolVersion: FLEET_PROTOCOL_VERSION, transport: core.transport,
      dbPath: core.store.path, dataDir: core.dataDir, platform: process.platform,
    }),
    'app.echo': ({ text }) => ({ text, receivedAt: new Date().toISOString() }),
    'settings.get': () => core.settings.get(),
    'settings.set': (patch) => core.settings.update(patch),
  };
}
