// Implementation of every contract method, one file per feature area under handlers/. Typed against
// the contract: a method added to src-shared/contract without a handler fails the typecheck.
import type { Handlers } from './dispatch';
import type { ShoalCore } from '../shoal';
import { alertsHandlers } from './handlers/alerts';
import { appHandlers } from './handlers/app';
import { approvalsHandlers } from './handlers/approvals';
import { fleetHandlers } from './handlers/fleet';
import { runtimeHandlers } from './handlers/runtime';

export function createHandlers(core: ShoalCore): Handlers {
  return {
    ...appHandlers(core),
    ...approvalsHandlers(core),
    ...fleetHandlers(core),
    ...runtimeHandlers(core),
    ...alertsHandlers(core),
  };
}
